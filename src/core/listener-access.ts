/**
 * The listener's side of the access code for one connection: its Hello nonce, the answer to the host's
 * Challenge, and, from the Welcome, the check of the host's proof and the cipher of the audio.
 */
import { deriveCodeKey, freshNonce, hostProof, listenerProof, proofMatches, streamKey } from './access-code.js';
import { AudioCipher } from './audio-cipher.js';
import { AuraError } from './errors.js';
import type { Challenge, Welcome } from './handshake.js';

/** Keys derived before, by salt and parameters: a host keeps its salt for a run, so reconnects skip scrypt. */
const keyCache = new Map<string, Buffer>();

/** One connection's code handshake, as the listener runs it. */
export class ListenerAccess {
  /** This connection's nonce, sent in the Hello. */
  readonly nonce = freshNonce();
  private key: Buffer | undefined;
  private hostNonce: Buffer | undefined;

  /** `code` is what the user gave (undefined: none). */
  constructor(private readonly code: string | undefined) {}

  /**
   * The proof answering `challenge`; throws ERR_REJECTED (code-required) when the user gave no code.
   * Costs one scrypt (~30-50 ms) the first time a host's salt is seen.
   */
  answer(challenge: Challenge): Buffer {
    if (this.code === undefined) throw new AuraError('ERR_REJECTED', 'this host requires an access code');
    const cacheKey = `${challenge.salt.toString('base64')}/${challenge.kdf.N}/${challenge.kdf.r}/${challenge.kdf.p}/${this.code}`;
    let key = keyCache.get(cacheKey);
    if (key === undefined) {
      key = deriveCodeKey(this.code, challenge.salt, challenge.kdf);
      if (keyCache.size > 16) keyCache.clear();
      keyCache.set(cacheKey, key);
    }
    this.key = key;
    this.hostNonce = challenge.nonce;
    return listenerProof(key, challenge.nonce, this.nonce);
  }

  /**
   * Checks the Welcome against the challenge: after a challenge it must carry a valid host proof and
   * the stream's salt (→ the cipher for its audio); without one it must not claim encryption, and a
   * listener that has a code refuses it (ERR_REJECTED).
   */
  cipherFor(welcome: Welcome): AudioCipher | undefined {
    if (this.key === undefined || this.hostNonce === undefined) {
      if (welcome.encryption !== undefined) throw new AuraError('ERR_PROTOCOL', 'host encrypts without having asked for a code');
      if (this.code !== undefined) {
        // A host anyone could be: refuse it rather than play a stranger's stream to someone expecting a protected one.
        throw new AuraError('ERR_REJECTED', 'this host did not ask for the access code, so it may not be the host you meant (leave out the code to listen anyway)');
      }
      return undefined;
    }
    if (welcome.encryption === undefined) throw new AuraError('ERR_PROTOCOL', 'host asked for a code but sends audio in clear');
    if (!proofMatches(hostProof(this.key, this.hostNonce, this.nonce), welcome.encryption.hostProof)) {
      throw new AuraError('ERR_PROTOCOL', 'host could not prove it knows the access code');
    }
    return new AudioCipher(streamKey(this.key, welcome.encryption.streamSalt));
  }
}
