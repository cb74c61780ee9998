import assert from 'node:assert/strict';
import {
  checkKdfParams, decodeBytesField, deriveCodeKey, freshNonce, generateCode, hostProof, listenerProof, normalizeCode, proofMatches, streamKey,
} from '../../src/core/access-code.js';
import { AudioCipher } from '../../src/core/audio-cipher.js';
import { isAuraError } from '../../src/core/errors.js';
import { GuessLimiter } from '../../src/core/guess-limiter.js';
import { ListenerAccess } from '../../src/core/listener-access.js';
import { encodeAudioHeader } from '../../src/core/v2-frames.js';

const FAST_KDF = { N: 1024, r: 8, p: 1 };

describe('access code', () => {
  it('treats case, spaces and dashes as the same code, and refuses codes too short or too long', () => {
    assert.equal(normalizeCode(' k7qx-m2pd '), 'K7QXM2PD');
    assert.equal(normalizeCode('K7QX M2PD'), 'K7QXM2PD');
    assert.throws(() => normalizeCode('ab-c'), (err) => isAuraError(err, 'ERR_USAGE'));
    assert.throws(() => normalizeCode('x'.repeat(129)), (err) => isAuraError(err, 'ERR_USAGE'));
  });

  it('generates readable 40-bit codes, different each time', () => {
    const codes = new Set(Array.from({ length: 200 }, () => generateCode()));
    assert.equal(codes.size, 200);
    for (const code of codes) assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('derives one key per code and salt, and proofs bound to both nonces', () => {
    const salt = freshNonce();
    const key = deriveCodeKey('open-sesame', salt, FAST_KDF);
    assert.deepEqual(deriveCodeKey('OPEN SESAME', salt, FAST_KDF), key);
    assert.notDeepEqual(deriveCodeKey('open-sesamf', salt, FAST_KDF), key);
    assert.notDeepEqual(deriveCodeKey('open-sesame', freshNonce(), FAST_KDF), key);
    const [a, b] = [freshNonce(), freshNonce()];
    const proof = listenerProof(key, a, b);
    assert.ok(proofMatches(proof, listenerProof(key, a, b)));
    assert.ok(!proofMatches(proof, listenerProof(key, b, a)), 'nonces are not interchangeable');
    assert.ok(!proofMatches(proof, hostProof(key, a, b)), "the host's proof cannot be replayed as the listener's");
    assert.ok(!proofMatches(proof, proof.subarray(0, 16)));
  });

  it('refuses key-derivation parameters that would make a listener spend too much', () => {
    assert.deepEqual(checkKdfParams({ N: 16384, r: 8, p: 1 }), { N: 16384, r: 8, p: 1 });
    for (const bad of [{ N: 1 << 20, r: 8, p: 1 }, { N: 1000, r: 8, p: 1 }, { N: 16384, r: 64, p: 1 }, { N: 16384, r: 8 }, null, 'x']) {
      assert.throws(() => checkKdfParams(bad), (err) => isAuraError(err, 'ERR_PROTOCOL'), JSON.stringify(bad));
    }
  });

  it('decodes base64 fields of exactly the expected size only', () => {
    const bytes = freshNonce();
    assert.deepEqual(decodeBytesField(bytes.toString('base64'), 16, 'nonce'), bytes);
    for (const bad of [bytes.subarray(0, 15).toString('base64'), 'not base64!!', 42, undefined, 'A'.repeat(10_000)]) {
      assert.throws(() => decodeBytesField(bad, 16, 'nonce'), (err) => isAuraError(err, 'ERR_PROTOCOL'));
    }
  });
});

describe('audio cipher', () => {
  const key = streamKey(deriveCodeKey('open-sesame', freshNonce(), FAST_KDF), freshNonce());
  const header = encodeAudioHeader(7, 1234.5);
  const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));

  it('round-trips a payload and hides it', () => {
    const sealed = new AudioCipher(key).seal(header, payload);
    assert.equal(sealed.length, payload.length + 16);
    assert.ok(!sealed.subarray(0, payload.length).equals(payload));
    assert.deepEqual(new AudioCipher(key).open(header, sealed), payload);
  });

  it('refuses a payload altered, moved to another packet, or sealed under another key', () => {
    const sealed = new AudioCipher(key).seal(header, payload);
    const flipped = Buffer.from(sealed);
    flipped[10] = (flipped[10] as number) ^ 1;
    const otherKey = streamKey(deriveCodeKey('open-sesame', freshNonce(), FAST_KDF), freshNonce());
    const cases: [Buffer, Buffer, Buffer][] = [
      [key, header, flipped],
      [key, encodeAudioHeader(8, 1234.5), sealed],
      [key, encodeAudioHeader(7, 1234.75), sealed],
      [otherKey, header, sealed],
      [key, header, sealed.subarray(0, 16)],
    ];
    for (const [k, h, s] of cases) assert.throws(() => new AudioCipher(k).open(h, s), (err) => isAuraError(err, 'ERR_PROTOCOL'));
  });
});

describe('listener access', () => {
  it('answers a challenge, checks the host proof and yields the stream cipher', () => {
    const salt = freshNonce();
    const hostKey = deriveCodeKey('open-sesame', salt, FAST_KDF);
    const access = new ListenerAccess('OPEN-SESAME');
    const challenge = { salt, nonce: freshNonce(), kdf: FAST_KDF };
    assert.ok(proofMatches(listenerProof(hostKey, challenge.nonce, access.nonce), access.answer(challenge)));
    const streamSalt = freshNonce();
    const welcome = { protocol: 2, codec: 'pcm' as const, sampleRate: 48000, channels: 2, packetFrames: 480, hostName: 'h' };
    const cipher = access.cipherFor({ ...welcome, encryption: { streamSalt, hostProof: hostProof(hostKey, challenge.nonce, access.nonce) } });
    const sealed = new AudioCipher(streamKey(hostKey, streamSalt)).seal(encodeAudioHeader(1, 2), Buffer.from('abc'));
    assert.deepEqual(cipher?.open(encodeAudioHeader(1, 2), sealed), Buffer.from('abc'));
    assert.throws(() => access.cipherFor({ ...welcome, encryption: { streamSalt, hostProof: Buffer.alloc(32) } }), /prove/);
    assert.throws(() => access.cipherFor(welcome), /in clear/);
  });

  it('without a code, refuses a challenge; without a challenge, refuses encryption it never agreed to', () => {
    const challenge = { salt: freshNonce(), nonce: freshNonce(), kdf: FAST_KDF };
    assert.throws(() => new ListenerAccess(undefined).answer(challenge), (err) => isAuraError(err, 'ERR_REJECTED') && /requires an access code/.test(err.message));
    const welcome = { protocol: 2, codec: 'pcm' as const, sampleRate: 48000, channels: 2, packetFrames: 480, hostName: 'h' };
    assert.equal(new ListenerAccess(undefined).cipherFor(welcome), undefined);
    assert.throws(() => new ListenerAccess('open-sesame').cipherFor(welcome), (err) => isAuraError(err, 'ERR_REJECTED') && /did not ask for the access code/.test(err.message));
    assert.throws(() => new ListenerAccess('open-sesame').cipherFor({ ...welcome, encryption: { streamSalt: freshNonce(), hostProof: Buffer.alloc(32) } }), /without/);
  });
});

describe('guess limiter', () => {
  const limits = { perAddress: 3, total: 5, windowMs: 60_000 };

  it('lets an address guess a few times per window, then makes it wait until the oldest guess ages out', () => {
    const limiter = new GuessLimiter(limits);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.waitMs('a', i * 1000), 0);
      limiter.recordFailure('a', i * 1000);
    }
    assert.equal(limiter.waitMs('a', 3000), 57_000);
    assert.equal(limiter.waitMs('b', 3000), 0, 'another address is not blocked by a');
    assert.equal(limiter.waitMs('a', 60_001), 0);
  });

  it('bounds guesses from all addresses together', () => {
    const limiter = new GuessLimiter(limits);
    for (let i = 0; i < 5; i++) limiter.recordFailure(`10.0.0.${i}`, i);
    assert.equal(limiter.waitMs('10.9.9.9', 10), 60_000 - 10);
    assert.equal(limiter.waitMs('10.9.9.9', 60_001), 0);
    assert.equal(limiter.trackedAddresses, 3, 'addresses whose guesses expired (at 0 and 1 ms) are forgotten');
  });
});
