/**
 * A chosen output device that may go away mid-stream (headphones unplugged, a USB or Bluetooth device
 * gone, a PulseAudio sink unloaded): when it fails with ERR_DEVICE_UNAVAILABLE, or when `isPresent`
 * (asked every `watchMs`) says it is gone, this says so once and carries on on the system's default
 * output, from the same render() — the stream, its buffer and its timing go on. Only when the default
 * output fails too is the error passed on.
 *
 * The watch is needed because PulseAudio (≥ 14) and PipeWire move the streams of a removed sink to the
 * default one themselves: the stream never fails, and the listener would not know it moved. Opening the
 * default output explicitly then also keeps it there if a sink of the same name comes back.
 */
import { AuraError, describeError } from '../../core/errors.js';
import type { ClockedSink } from '../../ports/audio-sink.js';
import type { Clock } from '../../ports/clock.js';

/** Options of a FallbackPlaybackSink. */
export interface FallbackPlaybackOptions {
  /** The sink on the device the user chose. */
  readonly chosen: ClockedSink;
  /** Makes a sink on the default output. */
  readonly openDefault: () => ClockedSink;
  /** Told once, in one line, when playback moves to the default output. */
  readonly onFallback: (message: string) => void;
  /** Whether the chosen device is still there (asked every `watchMs` while playing on it). */
  readonly isPresent?: () => Promise<boolean>;
  /** Clock of the watch (needed with isPresent). */
  readonly clock?: Clock;
  /** Time between two isPresent questions [ms] (default 500; a probe costs ~0.8 ms). */
  readonly watchMs?: number;
}

/** Plays on the chosen device, or on the default output once the chosen one is gone. */
export class FallbackPlaybackSink implements ClockedSink {
  readonly kind = 'clocked';
  private current: ClockedSink;
  private fellBack = false;
  private earlierUnderruns = 0;
  private stopped = false;
  private cancelWatch: (() => void) | undefined;
  private ready: ((frames: number) => boolean) | undefined;
  private reserveMs = 0;
  /** Present when the chosen sink can hold a reserve; passed on to the default output if it comes to that. */
  readonly setReserveMs?: (ms: number) => void;
  /** The reserve's level on the output playing now (0 on one that holds none). */
  readonly reserveLevelMs?: () => number;

  constructor(private readonly options: FallbackPlaybackOptions) {
    this.current = options.chosen;
    if (options.chosen.setReserveMs !== undefined && options.chosen.reserveLevelMs !== undefined) {
      this.setReserveMs = (ms) => {
        this.reserveMs = ms;
        this.current.setReserveMs?.(ms);
      };
      this.reserveLevelMs = () => this.current.reserveLevelMs?.() ?? 0;
    }
  }

  /** The device playing now. */
  get description(): string {
    return this.current.description;
  }

  async start(render: (frames: number) => Float32Array, onError: (err: AuraError) => void, ready?: (frames: number) => boolean): Promise<void> {
    this.ready = ready;
    await this.current.start(render, (err) => void this.onChosenError(err, render, onError), ready);
    this.watch(render, onError);
  }

  outputLatencyMs(): number {
    return this.current.outputLatencyMs();
  }

  /** The outputs' own underruns: the chosen device's until it went, then the default's added. */
  get underruns(): number | undefined {
    const current = this.current.underruns;
    return current === undefined && this.earlierUnderruns === 0 ? undefined : this.earlierUnderruns + (current ?? 0);
  }

  refill(): void {
    this.current.refill?.();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.cancelWatch?.();
    return this.current.stop();
  }

  private watch(render: (frames: number) => Float32Array, onError: (err: AuraError) => void): void {
    const { isPresent, clock } = this.options;
    if (isPresent === undefined || clock === undefined) return;
    let asking = false;
    this.cancelWatch = clock.setInterval(() => {
      if (asking || this.fellBack || this.stopped) return;
      asking = true;
      void isPresent()
        .then((present) => {
          if (!present) return this.onChosenError(new AuraError('ERR_DEVICE_UNAVAILABLE', 'the device was removed'), render, onError);
        })
        .finally(() => (asking = false));
    }, this.options.watchMs ?? 500);
  }

  private async onChosenError(err: AuraError, render: (frames: number) => Float32Array, onError: (err: AuraError) => void): Promise<void> {
    if (this.stopped) return;
    if (this.fellBack || err.code !== 'ERR_DEVICE_UNAVAILABLE') return onError(err);
    this.fellBack = true;
    this.cancelWatch?.();
    const gone = this.current.description;
    await this.current.stop().catch(() => {});
    if (this.stopped) return;
    const fallback = this.options.openDefault();
    if (this.setReserveMs !== undefined) fallback.setReserveMs?.(this.reserveMs);
    try {
      await fallback.start(render, onError, this.ready);
    } catch (startErr) {
      onError(new AuraError('ERR_DEVICE_UNAVAILABLE', `output '${gone}' is gone and the default output failed too: ${describeError(startErr)}`));
      return;
    }
    if (this.stopped) {
      await fallback.stop();
      return;
    }
    this.earlierUnderruns += this.current.underruns ?? 0;
    this.current = fallback;
    this.options.onFallback(`output '${gone}' is gone (${describeError(err)}); playing on the default output '${fallback.description}'`);
  }
}
