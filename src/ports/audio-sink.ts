/** Where a listener's audio goes: an output device (with its own clock) or a file/pipe (no clock). */
import type { AuraError } from '../core/errors.js';

/** A sink that plays on its own clock and asks for audio when it needs it (a sound card). */
export interface ClockedSink {
  readonly kind: 'clocked';
  /** What a person would call it, e.g. "Headphones". */
  readonly description: string;
  /**
   * Opens the device and starts playing. The device calls `render(frames)` on its own clock and plays
   * the returned interleaved stereo samples (exactly frames * 2 of them, 48 kHz, in [-1, 1]).
   * Rejects with an AuraError (ERR_DEVICE_UNAVAILABLE) if the device cannot be opened.
   * `ready(frames)`, if given, says whether render(frames) would return received audio now rather than a
   * fade or silence for want of it: a sink with audio still queued may wait for it instead of playing a gap.
   */
  start(render: (frames: number) => Float32Array, onError: (err: AuraError) => void, ready?: (frames: number) => boolean): Promise<void>;
  /** Audio queued between render() and the speaker [ms]: the device's share of end-to-end delay. */
  outputLatencyMs(): number;
  /** Times the output ran dry for want of audio (a gap heard), by its own count, where it keeps one. */
  readonly underruns?: number;
  /**
   * New audio has arrived for render(): a sink that queues audio ahead of its device and held back for
   * want of it (`ready` said no) tops its queue up now, not only when the device next asks.
   */
  refill?(): void;
  /**
   * Lets the sink keep `ms` more queued ahead of its device than its own margin (0 at first): a listener
   * moves that much of its buffering here, where audio already handed over plays on through a stall of
   * the listener's process. Called before start(), it also sizes the device's own buffer to hold it.
   * Only sinks that know exactly what they have queued offer it.
   */
  setReserveMs?(ms: number): void;
  /** What is queued beyond the sink's own margin now [ms]: the reserve's level (negative while below the margin). */
  reserveLevelMs?(): number;
  /** Stops playing and releases the device; safe to call twice. */
  stop(): Promise<void>;
}

/** A sink with no clock (file, pipe): it takes audio in order as fast as it is written. */
export interface StreamSink {
  readonly kind: 'stream';
  /** What a person would call it, e.g. "out.wav" or "standard output". */
  readonly description: string;
  /** Appends interleaved stereo samples (48 kHz, [-1, 1]); resolves when accepted (backpressure). */
  write(samples: Float32Array): Promise<void>;
  /** Flushes and closes (patching a WAV header where the file allows); safe to call twice. */
  close(): Promise<void>;
}

/** Any place a listener can send audio. */
export type AudioSink = ClockedSink | StreamSink;
