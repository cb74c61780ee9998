/**
 * AuraLync v2 wire format (docs/protocol.md): every message is a 5-byte header — type (u8) and body
 * length (u32 big-endian) — then the body. Type and length are checked against per-type limits
 * before any body byte is buffered, so a hostile peer cannot make us allocate.
 */
import { AuraError } from './errors.js';

/** Message types of protocol v2. */
export const FrameType = {
  /** listener → host, first message: JSON Hello. */
  Hello: 0x01,
  /** host → listener: JSON Welcome (format, codec, frame size). */
  Welcome: 0x02,
  /** host → listener: JSON Reject (code, reason); the host then closes. */
  Reject: 0x03,
  /** either way: JSON Bye (reason); the sender then closes. */
  Bye: 0x04,
  /** host → listener, when an access code is set: JSON Challenge (salt, nonce, kdf). */
  Challenge: 0x05,
  /** listener → host, answering a Challenge: JSON Auth (proof). */
  Auth: 0x06,
  /** host → listener: seq u32, capture time f64 [ms, host clock], codec payload. */
  Audio: 0x10,
  /** listener → host: keep-alive with the listener's clock [ms, f64]. */
  Ping: 0x20,
  /** host → listener: the echoed listener time and the host's time [ms, f64 each]. */
  Pong: 0x21,
  /** listener → host: JSON ListenerStats (health). */
  Stats: 0x30,
} as const;

/** One of the FrameType values. */
export type FrameTypeId = (typeof FrameType)[keyof typeof FrameType];

/** Header size [bytes]: type u8 + length u32. */
export const FRAME_HEADER_BYTES = 5;
/** Largest body of any control (JSON) message [bytes]. */
export const MAX_CONTROL_BODY_BYTES = 4096;
/** Largest audio body [bytes]: room for a PCM packet of 1024 float32 stereo frames (8 KiB) and its header, twice over. */
export const MAX_AUDIO_BODY_BYTES = 16_384;
/** Size of the audio body's own header [bytes]: seq u32 + capture time f64. */
export const AUDIO_HEADER_BYTES = 12;

const BODY_LIMITS: ReadonlyMap<number, { min: number; max: number }> = new Map([
  [FrameType.Hello, { min: 2, max: MAX_CONTROL_BODY_BYTES }],
  [FrameType.Welcome, { min: 2, max: MAX_CONTROL_BODY_BYTES }],
  [FrameType.Reject, { min: 2, max: MAX_CONTROL_BODY_BYTES }],
  [FrameType.Bye, { min: 2, max: MAX_CONTROL_BODY_BYTES }],
  [FrameType.Challenge, { min: 2, max: MAX_CONTROL_BODY_BYTES }],
  [FrameType.Auth, { min: 2, max: MAX_CONTROL_BODY_BYTES }],
  [FrameType.Audio, { min: AUDIO_HEADER_BYTES + 1, max: MAX_AUDIO_BODY_BYTES }],
  [FrameType.Ping, { min: 8, max: 8 }],
  [FrameType.Pong, { min: 16, max: 16 }],
  [FrameType.Stats, { min: 2, max: MAX_CONTROL_BODY_BYTES }],
]);

/** One decoded frame: its type and body (a view into the received bytes). */
export interface Frame {
  readonly type: FrameTypeId;
  readonly body: Buffer;
}

/** Builds a frame: header + body. */
export function encodeFrame(type: FrameTypeId, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  out.writeUInt8(type, 0);
  out.writeUInt32BE(body.length, 1);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** Builds a control frame whose body is JSON. */
export function encodeJsonFrame(type: FrameTypeId, value: object): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  if (body.length > MAX_CONTROL_BODY_BYTES) throw new AuraError('ERR_PROTOCOL', 'control message too large');
  return encodeFrame(type, body);
}

/** Builds an audio frame: seq (u32, wraps), capture time [ms, host clock], codec payload. */
export function encodeAudioFrame(seq: number, captureTimeMs: number, payload: Uint8Array): Buffer {
  const bodyLength = AUDIO_HEADER_BYTES + payload.length;
  if (bodyLength > MAX_AUDIO_BODY_BYTES) throw new AuraError('ERR_PROTOCOL', 'audio packet too large');
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLength);
  out.writeUInt8(FrameType.Audio, 0);
  out.writeUInt32BE(bodyLength, 1);
  out.writeUInt32BE(seq >>> 0, 5);
  out.writeDoubleBE(captureTimeMs, 9);
  out.set(payload, FRAME_HEADER_BYTES + AUDIO_HEADER_BYTES);
  return out;
}

/** The 12-byte header of an audio body (seq u32 + capture time f64): what an encrypted stream uses as its nonce. */
export function encodeAudioHeader(seq: number, captureTimeMs: number): Buffer {
  const header = Buffer.allocUnsafe(AUDIO_HEADER_BYTES);
  header.writeUInt32BE(seq >>> 0, 0);
  header.writeDoubleBE(captureTimeMs, 4);
  return header;
}

/** The parts of an audio frame's body. */
export interface AudioPacket {
  /** Sequence number, u32, +1 per packet, wrapping. */
  readonly seq: number;
  /** Capture time of the packet's first frame [ms, host monotonic clock]. */
  readonly captureTimeMs: number;
  /** Codec payload. */
  readonly payload: Buffer;
}

/** Splits an audio body into its parts; throws ERR_PROTOCOL on a non-finite time. */
export function decodeAudioBody(body: Buffer): AudioPacket {
  const captureTimeMs = body.readDoubleBE(4);
  if (!Number.isFinite(captureTimeMs)) throw new AuraError('ERR_PROTOCOL', 'audio packet with a bad timestamp');
  return { seq: body.readUInt32BE(0), captureTimeMs, payload: body.subarray(AUDIO_HEADER_BYTES) };
}

/** Builds a Ping (listener's clock [ms]). */
export function encodePing(listenerTimeMs: number): Buffer {
  const body = Buffer.allocUnsafe(8);
  body.writeDoubleBE(listenerTimeMs, 0);
  return encodeFrame(FrameType.Ping, body);
}

/** Builds a Pong answering a Ping: the echoed listener time and the host's time [ms]. */
export function encodePong(listenerTimeMs: number, hostTimeMs: number): Buffer {
  const body = Buffer.allocUnsafe(16);
  body.writeDoubleBE(listenerTimeMs, 0);
  body.writeDoubleBE(hostTimeMs, 8);
  return encodeFrame(FrameType.Pong, body);
}

/** Parses a JSON control body into an object; throws ERR_PROTOCOL if it is not a JSON object. */
export function decodeJsonBody(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AuraError('ERR_PROTOCOL', 'control message is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuraError('ERR_PROTOCOL', 'control message is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Incremental frame parser for one connection. Feed it bytes as they arrive; it returns whole frames.
 * The header is validated (known type, length within that type's limits) before the body is buffered;
 * a violation throws AuraError('ERR_PROTOCOL') and the reader must be discarded with its connection.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed = false;

  /** Bytes held waiting for the rest of a frame [bytes]; never more than one frame's maximum. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Adds received bytes; returns every frame now complete, in order. */
  push(chunk: Buffer): Frame[] {
    if (this.failed) throw new AuraError('ERR_PROTOCOL', 'reader already failed');
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    let data = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    try {
      while (data.length - offset >= FRAME_HEADER_BYTES) {
        const type = data.readUInt8(offset);
        const length = data.readUInt32BE(offset + 1);
        checkHeader(type, length);
        if (data.length - offset < FRAME_HEADER_BYTES + length) break;
        const start = offset + FRAME_HEADER_BYTES;
        frames.push({ type: type as FrameTypeId, body: data.subarray(start, start + length) });
        offset = start + length;
      }
    } catch (err) {
      this.failed = true;
      this.pending = [];
      this.pendingBytes = 0;
      throw err;
    }
    data = data.subarray(offset);
    this.pending = data.length > 0 ? [data] : [];
    this.pendingBytes = data.length;
    return frames;
  }
}

function checkHeader(type: number, length: number): void {
  const limits = BODY_LIMITS.get(type);
  if (limits === undefined) {
    throw new AuraError('ERR_PROTOCOL', `unknown message type 0x${type.toString(16).padStart(2, '0')}`);
  }
  if (length < limits.min || length > limits.max) {
    throw new AuraError('ERR_PROTOCOL', `message type 0x${type.toString(16)} with bad length ${length}`);
  }
}
