/** WAV files as bytes: header parsing and writing, PCM sample conversion. Pure: no file access. */
import { AuraError } from './errors.js';

/** Sample encodings AuraLync reads: signed little-endian integers of 16/24/32 bits, or 32-bit IEEE float. */
export type WavSampleFormat = 's16' | 's24' | 's32' | 'f32';

/** What a WAV header says about the audio that follows it. */
export interface WavInfo {
  /** Frames per second [Hz]. */
  readonly sampleRate: number;
  /** Interleaved channels, 1..32. */
  readonly channels: number;
  /** How each sample is stored. */
  readonly sampleFormat: WavSampleFormat;
  /** Byte offset of the first sample from the start of the file [bytes]. */
  readonly dataOffset: number;
  /** Length of the sample data [bytes], or undefined when the writer did not know it (a stream: read to the end). */
  readonly dataBytes: number | undefined;
}

/** Bytes of one sample in the given format: 2, 3 or 4. */
export function bytesPerSample(format: WavSampleFormat): number {
  return format === 's16' ? 2 : format === 's24' ? 3 : 4;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID (the first two hold the format tag). */
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** Size fields streaming writers use when the length is unknown (ffmpeg and others write all ones). */
const UNKNOWN_SIZE = 0xffff_ffff;
/** Chunks before 'data' (cover art in LIST, etc.) may not push the samples further than this [bytes]. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const MIN_RATE = 1000;
const MAX_RATE = 768_000;
const MAX_CHANNELS = 32;

function bad(message: string): AuraError {
  return new AuraError('ERR_BAD_AUDIO_FILE', message);
}

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] as number, bytes[at + 1] as number, bytes[at + 2] as number, bytes[at + 3] as number);
}

/** True when `bytes` could still become `text` once more bytes arrive. */
function startsLike(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length && at + i < bytes.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** The format of a 'fmt ' chunk body, or a thrown ERR_BAD_AUDIO_FILE saying what is unsupported. */
function parseFmt(view: DataView, at: number, size: number): { sampleRate: number; channels: number; sampleFormat: WavSampleFormat } {
  if (size < 16) throw bad(`WAV 'fmt ' chunk is ${size} bytes, too short`);
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw bad(`WAV extensible 'fmt ' chunk is ${size} bytes, too short`);
    const guid = new Uint8Array(view.buffer, view.byteOffset + at + 24, 16);
    if (!SUBTYPE_GUID_TAIL.every((byte, i) => guid[i + 2] === byte)) throw bad('WAV extensible sub-format is not PCM or float');
    tag = view.getUint16(at + 24, true);
  }
  let sampleFormat: WavSampleFormat;
  if (tag === WAVE_FORMAT_PCM && (bits === 16 || bits === 24 || bits === 32)) sampleFormat = bits === 16 ? 's16' : bits === 24 ? 's24' : 's32';
  else if (tag === WAVE_FORMAT_IEEE_FLOAT && bits === 32) sampleFormat = 'f32';
  else if (tag === WAVE_FORMAT_PCM || tag === WAVE_FORMAT_IEEE_FLOAT) {
    throw bad(`unsupported WAV sample size: ${bits}-bit ${tag === WAVE_FORMAT_PCM ? 'integer' : 'float'} (use 16/24/32-bit integer or 32-bit float)`);
  } else throw bad(`unsupported WAV encoding (format tag 0x${tag.toString(16)}); use PCM or 32-bit float`);
  if (channels === 0 || channels > MAX_CHANNELS) throw bad(`WAV with ${channels} channels is not supported (1 to ${MAX_CHANNELS})`);
  if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) throw bad(`WAV sample rate ${sampleRate} Hz is out of range (${MIN_RATE} to ${MAX_RATE})`);
  if (blockAlign !== channels * bytesPerSample(sampleFormat)) {
    throw bad(`WAV block size ${blockAlign} does not match ${channels} channels of ${bits}-bit samples`);
  }
  return { sampleRate, channels, sampleFormat };
}

/**
 * Parses the start of a WAV file up to its 'data' chunk: 'need-more' while `bytes` is a plausible but
 * incomplete header; throws AuraError(ERR_BAD_AUDIO_FILE) for anything that is not a WAV AuraLync can play.
 */
export function parseWavHeader(bytes: Uint8Array): WavInfo | 'need-more' {
  if (!startsLike(bytes, 0, 'RIFF') || !startsLike(bytes, 8, 'WAVE')) throw bad('not a WAV file (no RIFF/WAVE header)');
  if (bytes.length < 12) return 'need-more';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const streamed = view.getUint32(4, true) === UNKNOWN_SIZE || view.getUint32(4, true) === 0;
  let format: ReturnType<typeof parseFmt> | undefined;
  let at = 12;
  for (;;) {
    if (at > MAX_HEADER_BYTES) throw bad(`WAV has over ${MAX_HEADER_BYTES} bytes of chunks before its audio`);
    if (bytes.length < at + 8) return 'need-more';
    const id = fourCc(bytes, at);
    const size = view.getUint32(at + 4, true);
    if (id === 'data') {
      if (format === undefined) throw bad("WAV 'data' chunk comes before its 'fmt ' chunk");
      const unknown = size === UNKNOWN_SIZE || (size === 0 && streamed);
      return { ...format, dataOffset: at + 8, dataBytes: unknown ? undefined : size };
    }
    if (id === 'fmt ') {
      if (size > 1024) throw bad(`WAV 'fmt ' chunk of ${size} bytes is implausible`);
      if (bytes.length < at + 8 + size) return 'need-more';
      format = parseFmt(view, at + 8, size);
    }
    at += 8 + size + (size % 2); // chunks are padded to an even length
  }
}

/** Decodes whole samples of `bytes` (a trailing partial sample is ignored) to floats in [-1, 1); NaN/±Inf become 0. */
export function decodePcm(bytes: Uint8Array, sampleFormat: WavSampleFormat): Float32Array {
  const size = bytesPerSample(sampleFormat);
  const out = new Float32Array(Math.floor(bytes.length / size));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (sampleFormat) {
    case 's16':
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
      break;
    case 's24':
      for (let i = 0; i < out.length; i++) {
        const at = i * 3;
        const value = (bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16);
        out[i] = ((value << 8) >> 8) / 8_388_608; // sign-extend 24 -> 32 bits
      }
      break;
    case 's32':
      for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true) / 2_147_483_648;
      break;
    case 'f32':
      for (let i = 0; i < out.length; i++) {
        const value = view.getFloat32(i * 4, true);
        out[i] = Number.isFinite(value) ? value : 0;
      }
      break;
  }
  return out;
}

/** 16-bit little-endian PCM of `samples`: round to nearest, clamp to [-32768, 32767], NaN as 0. Exact inverse of decodePcm('s16'). */
export function encodeS16(samples: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const value = Math.round((samples[i] as number) * 32768);
    out.writeInt16LE(value > 32767 ? 32767 : value < -32768 ? -32768 : value || 0, i * 2);
  }
  return out;
}

/** 32-bit float little-endian bytes of `samples`, unchanged. */
export function encodeF32(samples: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 4);
  for (let i = 0; i < samples.length; i++) out.writeFloatLE(samples[i] as number, i * 4);
  return out;
}

/** What wavHeader() needs; dataBytes undefined (or too large for RIFF) writes the "unknown length" marker. */
export interface WavHeaderOptions {
  /** Frames per second [Hz], a positive integer. */
  readonly sampleRate: number;
  /** Interleaved channels, 1..32. */
  readonly channels: number;
  /** How each sample will be stored. */
  readonly sampleFormat: WavSampleFormat;
  /** Length of the sample data that follows [bytes], or undefined while unknown (streaming). */
  readonly dataBytes: number | undefined;
}

/**
 * A WAV header ending at the start of the samples: the classic 44 bytes (format 1 or 3) for s16/f32 with one or
 * two channels, otherwise 68 bytes of WAVE_FORMAT_EXTENSIBLE, as the format's specification asks for.
 */
export function wavHeader(options: WavHeaderOptions): Buffer {
  const { sampleRate, channels, sampleFormat, dataBytes } = options;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > UNKNOWN_SIZE) throw new RangeError(`bad sampleRate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) throw new RangeError(`bad channels ${channels}`);
  if (dataBytes !== undefined && !(Number.isInteger(dataBytes) && dataBytes >= 0)) throw new RangeError(`bad dataBytes ${dataBytes}`);
  const size = bytesPerSample(sampleFormat);
  const extensible = channels > 2 || sampleFormat === 's24' || sampleFormat === 's32';
  const tag = sampleFormat === 'f32' ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
  const fmtSize = extensible ? 40 : 16;
  const length = 12 + 8 + fmtSize + 8;
  const known = dataBytes !== undefined && dataBytes + length - 8 <= UNKNOWN_SIZE;
  const header = Buffer.alloc(length);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(known ? dataBytes + length - 8 : UNKNOWN_SIZE, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(fmtSize, 16);
  header.writeUInt16LE(extensible ? WAVE_FORMAT_EXTENSIBLE : tag, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(Math.min(UNKNOWN_SIZE, sampleRate * channels * size), 28);
  header.writeUInt16LE(channels * size, 32);
  header.writeUInt16LE(size * 8, 34);
  if (extensible) {
    header.writeUInt16LE(22, 36); // cbSize
    header.writeUInt16LE(size * 8, 38); // valid bits
    header.writeUInt32LE(channels === 1 ? 0x4 : channels === 2 ? 0x3 : 0, 40); // speaker mask: FC, or FL|FR
    header.writeUInt16LE(tag, 44);
    Buffer.from(SUBTYPE_GUID_TAIL).copy(header, 46);
  }
  header.write('data', length - 8, 'latin1');
  header.writeUInt32LE(known ? dataBytes : UNKNOWN_SIZE, length - 4);
  return header;
}

/** Interleaved stereo from interleaved `channels`-channel samples: mono is duplicated, beyond two the first two are kept. */
export function toStereo(samples: Float32Array, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (channels === 2) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Float32Array(frames * 2);
  for (let f = 0; f < frames; f++) {
    const left = samples[f * channels] as number;
    out[f * 2] = left;
    out[f * 2 + 1] = channels === 1 ? left : (samples[f * channels + 1] as number);
  }
  return out;
}
