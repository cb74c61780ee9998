/**
 * The optional access code (docs/protocol.md, "Access code"): how a code becomes a key, how a listener
 * proves it knows the code without sending it (challenge–response with HMAC-SHA-256 over fresh nonces of
 * both sides), how the host proves it back, and the per-stream keys that encrypt the audio.
 *
 * The code is stretched with scrypt under a salt the host picks at each start, so a captured handshake
 * costs an attacker one scrypt per guess (~30-50 ms of a core): a generated 8-character code (40 bits)
 * is out of reach, a short code a person chose is not. Online guessing is rate-limited (guess-limiter.ts).
 */
import { createHmac, randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto';
import { AuraError } from './errors.js';

/** scrypt cost parameters, sent in the Challenge so they can grow later. */
export interface KdfParams {
  /** CPU/memory cost (power of two). */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** What this build asks for: 16 MiB and ~30-50 ms per derivation. */
export const DEFAULT_KDF: KdfParams = { N: 1 << 14, r: 8, p: 1 };
/** Nonce and salt size [bytes]. */
export const NONCE_BYTES = 16;

const MIN_CODE_CHARS = 4;
const MAX_CODE_CHARS = 128;
/** Crockford's base 32: no I, L, O, U, so a code read aloud or off a screen is not misread. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The canonical form of a code: Unicode NFKC, upper case, without spaces or dashes, so "k7qx-m2pd" and
 * "K7QX M2PD" are the same code. Throws ERR_USAGE when too short or too long.
 */
export function normalizeCode(code: string): string {
  const canonical = code.normalize('NFKC').toUpperCase().replace(/[\s-]+/g, '');
  if (canonical.length < MIN_CODE_CHARS || canonical.length > MAX_CODE_CHARS) {
    throw new AuraError('ERR_USAGE', `an access code needs ${MIN_CODE_CHARS} to ${MAX_CODE_CHARS} letters or digits`);
  }
  return canonical;
}

/** A fresh random code of 8 base-32 characters (40 bits), shown as XXXX-XXXX. */
export function generateCode(): string {
  const chars = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)] as string);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** Fresh random bytes for a nonce or salt. */
export function freshNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** Checks KDF parameters from the wire: a host must not make a listener spend more than 64 MiB or seconds. */
export function checkKdfParams(value: unknown): KdfParams {
  const params = value as Partial<KdfParams> | null;
  const { N, r, p } = params ?? {};
  const ok = typeof N === 'number' && typeof r === 'number' && typeof p === 'number' &&
    Number.isInteger(N) && Number.isInteger(r) && Number.isInteger(p) &&
    N >= 1024 && N <= 1 << 16 && (N & (N - 1)) === 0 && r >= 1 && r <= 16 && p >= 1 && p <= 4 && 128 * N * r <= 64 << 20;
  if (!ok) throw new AuraError('ERR_PROTOCOL', 'host asked for unreasonable key-derivation parameters');
  return { N, r, p };
}

/** The key both sides derive from the code and the host's salt (32 bytes). */
export function deriveCodeKey(code: string, salt: Buffer, params: KdfParams = DEFAULT_KDF): Buffer {
  return scryptSync(normalizeCode(code), salt, 32, { ...params, maxmem: 128 * params.N * params.r * 2 });
}

function mac(key: Buffer, label: string, ...parts: Buffer[]): Buffer {
  const hmac = createHmac('sha256', key).update(label);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** The listener's answer to a Challenge: HMAC(key, "listener", host nonce, listener nonce). */
export function listenerProof(key: Buffer, hostNonce: Buffer, listenerNonce: Buffer): Buffer {
  return mac(key, 'auralync-v2 listener proof', hostNonce, listenerNonce);
}

/** The host's proof in its Welcome, so a listener knows it reached a host that has the code. */
export function hostProof(key: Buffer, hostNonce: Buffer, listenerNonce: Buffer): Buffer {
  return mac(key, 'auralync-v2 host proof', listenerNonce, hostNonce);
}

/** Compares a received proof with the expected one in constant time. */
export function proofMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * The AES-256-GCM key of one encrypted audio stream: each stream (one per codec, made afresh when it
 * restarts) has its own random salt, so the nonce (seq + capture time) never repeats under one key.
 */
export function streamKey(key: Buffer, streamSalt: Buffer): Buffer {
  return mac(key, 'auralync-v2 audio key', streamSalt);
}

/** Decodes a base64 field of exactly `bytes` bytes; throws ERR_PROTOCOL otherwise. */
export function decodeBytesField(value: unknown, bytes: number, what: string): Buffer {
  if (typeof value !== 'string' || value.length > 4 * Math.ceil(bytes / 3)) throw new AuraError('ERR_PROTOCOL', `bad ${what}`);
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length !== bytes || decoded.toString('base64') !== value) throw new AuraError('ERR_PROTOCOL', `bad ${what}`);
  return decoded;
}
