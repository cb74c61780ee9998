/** The one audio format inside AuraLync: 48 kHz, stereo, float32 interleaved samples in [-1, 1]. */

/** Sample rate of every internal stream [Hz]. Opus accepts only 8/12/16/24/48 kHz, so capture is 48 kHz. */
export const SAMPLE_RATE = 48_000;
/** Channels of every internal stream (interleaved L, R). */
export const CHANNELS = 2;
/** Frames in one capture block and one PCM packet: 5 ms at 48 kHz (the PCM pipeline target is ≤ 10 ms; a 10 ms block alone took 13.4 ms p50). */
export const BLOCK_FRAMES = 240;
/**
 * Frames in one Opus packet: 10 ms at 48 kHz. 20 ms packets cost 10 ms more before the host can send and made
 * the listener's buffer rise and fall by a whole 20 ms (docs/latency.md, "Opus in 10 ms packets").
 */
export const OPUS_FRAMES = 480;

/** The original AuraLync v1 stream: 44.1 kHz stereo float32 LE, 1024 frames per length-prefixed packet. */
export const V1_SAMPLE_RATE = 44_100;
/** Frames in one v1 packet. */
export const V1_PACKET_FRAMES = 1024;
/** Default TCP port of AuraLync, v1 and v2 alike. */
export const DEFAULT_PORT = 50_007;

/** A run of interleaved stereo samples at SAMPLE_RATE, stamped with when its first frame was captured. */
export interface AudioBlock {
  /** Interleaved L/R samples in [-1, 1]; length = frames * CHANNELS. */
  readonly samples: Float32Array;
  /** Capture time of the first frame [ms] on the host's monotonic clock. */
  readonly captureTimeMs: number;
}

/** Frames held by an interleaved stereo buffer. */
export function framesOf(samples: Float32Array): number {
  return samples.length / CHANNELS;
}

/** Duration of `frames` frames at SAMPLE_RATE [ms]. */
export function framesToMs(frames: number, sampleRate = SAMPLE_RATE): number {
  return (frames * 1000) / sampleRate;
}

/** Frames in `ms` milliseconds at SAMPLE_RATE, rounded. */
export function msToFrames(ms: number, sampleRate = SAMPLE_RATE): number {
  return Math.round((ms * sampleRate) / 1000);
}

/** `samples` as exactly `length` values: cut, or zero-padded at the end (a device takes whole buffers only). */
export function toLength(samples: Float32Array, length: number): Float32Array {
  if (samples.length === length) return samples;
  const out = new Float32Array(length);
  out.set(samples.length > length ? samples.subarray(0, length) : samples);
  return out;
}
