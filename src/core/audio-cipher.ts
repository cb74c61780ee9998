/**
 * AES-256-GCM for audio payloads when a host has an access code. The 12-byte audio header (seq u32 +
 * capture time f64) is the nonce: it is unique per packet of a stream, and a stream's key is its own
 * (access-code.ts streamKey), so a nonce never repeats under a key; and as the nonce, the header is
 * authenticated too. The sealed payload is the ciphertext followed by the 16-byte tag.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AuraError } from './errors.js';

/** Size of the authentication tag added to each payload [bytes]. */
export const AUDIO_TAG_BYTES = 16;
const NONCE_BYTES = 12;

/** Seals and opens the payloads of one audio stream. */
export class AudioCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('AudioCipher needs a 32-byte key');
  }

  /** Encrypts `payload` under the packet's 12-byte header; returns ciphertext + tag. */
  seal(header: Buffer, payload: Uint8Array): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonceOf(header));
    const body = cipher.update(payload);
    cipher.final();
    return Buffer.concat([body, cipher.getAuthTag()]);
  }

  /** Decrypts and authenticates a sealed payload; throws ERR_PROTOCOL if it was not sealed with this key and header. */
  open(header: Buffer, sealed: Buffer): Buffer {
    if (sealed.length < AUDIO_TAG_BYTES + 1) throw new AuraError('ERR_PROTOCOL', 'encrypted audio packet too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonceOf(header));
    decipher.setAuthTag(sealed.subarray(sealed.length - AUDIO_TAG_BYTES));
    const body = decipher.update(sealed.subarray(0, sealed.length - AUDIO_TAG_BYTES));
    try {
      decipher.final();
    } catch {
      throw new AuraError('ERR_PROTOCOL', 'audio packet failed authentication (wrong key or altered)');
    }
    return body;
  }
}

function nonceOf(header: Buffer): Buffer {
  if (header.length !== NONCE_BYTES) throw new RangeError('the audio header must be 12 bytes');
  return header;
}
