/** The v2 handshake: Hello (listener → host), then Welcome or Reject (host → listener). */
import { checkKdfParams, decodeBytesField, NONCE_BYTES, type KdfParams } from './access-code.js';
import { CHANNELS, SAMPLE_RATE } from './audio-format.js';
import { AuraError } from './errors.js';

/** Version of the framed protocol this build speaks. */
export const PROTOCOL_VERSION = 2;

/** Codecs a v2 stream can carry. */
export type CodecName = 'opus' | 'pcm';
/** Every codec this build decodes, in order of preference. */
export const ALL_CODECS: readonly CodecName[] = ['opus', 'pcm'];

/** First message from a listener. */
export interface Hello {
  /** Protocol version the listener speaks (2). */
  readonly protocol: number;
  /** Codecs the listener can decode. */
  readonly codecs: readonly CodecName[];
  /** Listener's display name (shown on the host), ≤ 64 chars. */
  readonly name: string;
  /** Listener's fresh nonce for an access-code challenge (16 bytes); absent from builds before access codes. */
  readonly nonce?: Buffer;
  /** The listener can take a twin connection (see Welcome.twinToken). */
  readonly twins?: boolean;
  /**
   * This connection is the twin of a stream already admitted: the token from that stream's Welcome
   * (16 bytes). A twin carries the same audio frames as its primary and nothing else of note.
   */
  readonly twinOf?: Buffer;
  /**
   * On a twin's Hello: which of the listener's twins it is, 0 to Welcome.twinSlots − 1 (absent: 0, as from
   * builds before 2026-12-05, which open one). A newer twin in the same slot replaces the older one.
   */
  readonly twinSlot?: number;
  /**
   * The resume token (16 bytes) of the stream this listener had before its connection dropped: once this
   * connection is admitted, the host closes that stream's old connection as replaced, not as a listener leaving.
   */
  readonly resumes?: Buffer;
}

/** The host's challenge when it requires an access code. */
export interface Challenge {
  /** Salt of the code's key, fixed for this run of the host (16 bytes). */
  readonly salt: Buffer;
  /** Host's fresh nonce for this connection (16 bytes). */
  readonly nonce: Buffer;
  /** scrypt parameters of the code's key. */
  readonly kdf: KdfParams;
}

/** How the audio of an access-code session is encrypted (part of the Welcome). */
export interface WelcomeEncryption {
  /** Salt of this stream's AES-256-GCM key (16 bytes). */
  readonly streamSalt: Buffer;
  /** HMAC proving the host knows the code (32 bytes). */
  readonly hostProof: Buffer;
}

/** The host's acceptance: the stream's format. */
export interface Welcome {
  readonly protocol: number;
  /** Codec of every audio frame that follows. */
  readonly codec: CodecName;
  /** Sample rate of the decoded audio [Hz]. */
  readonly sampleRate: number;
  /** Channels of the decoded audio. */
  readonly channels: number;
  /** Frames per audio packet. */
  readonly packetFrames: number;
  /**
   * How much later the decoded audio sounds than the packets' stamps [frames]: the host's encoder look-ahead.
   * Absent from hosts built before 2026-12-02 (the listener then assumes its decoder's figure).
   */
  readonly codecDelayFrames?: number;
  /** Host's display name. */
  readonly hostName: string;
  /** Present when the audio is encrypted (the host requires an access code). */
  readonly encryption?: WelcomeEncryption;
  /**
   * To a listener that offered twins: the token (16 random bytes) a second connection presents to
   * receive the same audio frames, so one TCP connection stalled on a lost segment is bridged by the other.
   */
  readonly twinToken?: Buffer;
  /**
   * To a listener that offered twins: how many twin connections the host keeps for it, each in a slot of
   * its own (Hello.twinSlot). Absent from hosts built before 2026-12-05, which keep one.
   */
  readonly twinSlots?: number;
  /** True on the Welcome of a twin connection. */
  readonly twin?: boolean;
  /**
   * 16 random bytes naming this stream: after a drop, the listener's next Hello says `resumes` with it.
   * Absent from twins' Welcomes and from hosts built before 2026-12-04.
   */
  readonly resumeToken?: Buffer;
}

/** Why a host refused a listener. */
export interface Reject {
  /** Stable code, e.g. 'protocol-version', 'no-common-codec', 'full'. */
  readonly code: string;
  /** One line for a person. */
  readonly reason: string;
}

const MAX_NAME_CHARS = 64;
/** Most twin slots the protocol allows (Welcome.twinSlots, Hello.twinSlot below it). */
export const MAX_TWIN_SLOTS = 4;

/** An optional whole number from the wire, `least` to `most`; throws ERR_PROTOCOL naming `what` otherwise. */
function optionalWholeNumber(value: unknown, least: number, most: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least || value > most) throw new AuraError('ERR_PROTOCOL', `bad ${what}`);
  return value;
}

function isCodec(value: unknown): value is CodecName {
  return value === 'opus' || value === 'pcm';
}

/** Cleans a display name: printable, trimmed, ≤ 64 chars, never empty. */
export function cleanName(value: unknown, fallback: string): string {
  if (typeof value !== 'string') return fallback;
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME_CHARS);
  return printable.length > 0 ? printable : fallback;
}

/** Validates a parsed Hello body; throws ERR_PROTOCOL with what was wrong. */
export function parseHello(value: Record<string, unknown>): Hello {
  if (typeof value.protocol !== 'number' || !Number.isInteger(value.protocol)) {
    throw new AuraError('ERR_PROTOCOL', 'hello without a protocol version');
  }
  if (!Array.isArray(value.codecs) || value.codecs.length > 16) {
    throw new AuraError('ERR_PROTOCOL', 'hello without a codec list');
  }
  const nonce = value.nonce === undefined ? undefined : decodeBytesField(value.nonce, NONCE_BYTES, 'hello nonce');
  const twinOf = value.twinOf === undefined ? undefined : decodeBytesField(value.twinOf, NONCE_BYTES, 'twin token');
  const resumes = value.resumes === undefined ? undefined : decodeBytesField(value.resumes, NONCE_BYTES, 'resume token');
  const twinSlot = optionalWholeNumber(value.twinSlot, 0, MAX_TWIN_SLOTS - 1, 'twin slot');
  return { protocol: value.protocol, codecs: value.codecs.filter(isCodec), name: cleanName(value.name, 'listener'), nonce, twins: value.twins === true, twinOf, twinSlot, resumes };
}

/** Validates a parsed Challenge body; throws ERR_PROTOCOL when malformed. */
export function parseChallenge(value: Record<string, unknown>): Challenge {
  return {
    salt: decodeBytesField(value.salt, NONCE_BYTES, 'challenge salt'),
    nonce: decodeBytesField(value.nonce, NONCE_BYTES, 'challenge nonce'),
    kdf: checkKdfParams(value.kdf),
  };
}

/** Validates a parsed Auth body: the listener's 32-byte proof. */
export function parseAuth(value: Record<string, unknown>): Buffer {
  return decodeBytesField(value.proof, 32, 'proof');
}

/** Validates a parsed Welcome body; throws ERR_PROTOCOL when the stream is not one this build can play. */
export function parseWelcome(value: Record<string, unknown>): Welcome {
  const { protocol, codec, sampleRate, channels, packetFrames, codecDelayFrames } = value;
  if (protocol !== PROTOCOL_VERSION) throw new AuraError('ERR_PROTOCOL', `host speaks protocol ${String(protocol)}`);
  if (!isCodec(codec)) throw new AuraError('ERR_PROTOCOL', `host chose an unknown codec ${String(codec)}`);
  if (sampleRate !== SAMPLE_RATE || channels !== CHANNELS) {
    throw new AuraError('ERR_PROTOCOL', `host sends ${String(sampleRate)} Hz / ${String(channels)} ch, expected 48000 Hz stereo`);
  }
  if (typeof packetFrames !== 'number' || !Number.isInteger(packetFrames) || packetFrames < 1 || packetFrames > 4096) {
    throw new AuraError('ERR_PROTOCOL', 'host sent a bad packet size');
  }
  if (codecDelayFrames !== undefined && (typeof codecDelayFrames !== 'number' || !Number.isInteger(codecDelayFrames) || codecDelayFrames < 0 || codecDelayFrames > 4800)) {
    throw new AuraError('ERR_PROTOCOL', 'host sent a bad codec delay');
  }
  let encryption: WelcomeEncryption | undefined;
  if (value.encryption !== undefined) {
    const fields = (typeof value.encryption === 'object' && value.encryption !== null ? value.encryption : {}) as Record<string, unknown>;
    if (fields.cipher !== 'aes-256-gcm') throw new AuraError('ERR_PROTOCOL', `host encrypts with an unknown cipher ${String(fields.cipher)}`);
    encryption = { streamSalt: decodeBytesField(fields.streamSalt, NONCE_BYTES, 'stream salt'), hostProof: decodeBytesField(fields.hostProof, 32, 'host proof') };
  }
  const twinToken = value.twinToken === undefined ? undefined : decodeBytesField(value.twinToken, NONCE_BYTES, 'twin token');
  const resumeToken = value.resumeToken === undefined ? undefined : decodeBytesField(value.resumeToken, NONCE_BYTES, 'resume token');
  return {
    protocol,
    codec,
    sampleRate,
    channels,
    packetFrames,
    codecDelayFrames,
    hostName: cleanName(value.hostName, 'host'),
    encryption,
    twinToken,
    twinSlots: optionalWholeNumber(value.twinSlots, 1, MAX_TWIN_SLOTS, 'twin slot count'),
    twin: value.twin === true,
    resumeToken,
  };
}

/** Validates a parsed Reject body (always yields something printable). */
export function parseReject(value: Record<string, unknown>): Reject {
  return { code: cleanName(value.code, 'rejected'), reason: cleanName(value.reason, 'the host refused the connection') };
}

/**
 * The host's answer to a Hello: the codec to use, or a Reject.
 * The host's preferred codec wins when the listener has it; otherwise any codec both have.
 */
export function negotiate(hello: Hello, hostCodec: CodecName): { codec: CodecName } | { reject: Reject } {
  if (hello.protocol !== PROTOCOL_VERSION) {
    return { reject: { code: 'protocol-version', reason: `host speaks protocol ${PROTOCOL_VERSION}, listener ${hello.protocol}` } };
  }
  if (hello.codecs.includes(hostCodec)) return { codec: hostCodec };
  const shared = ALL_CODECS.find((codec) => hello.codecs.includes(codec));
  if (shared !== undefined) return { codec: shared };
  return { reject: { code: 'no-common-codec', reason: 'listener and host share no codec' } };
}
