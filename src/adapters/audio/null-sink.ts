/** A clocked sink with no device: a timer pulls 10 ms at a time and the audio goes nowhere (or to a probe, in tests and benchmarks). */
import { BLOCK_FRAMES } from '../../core/audio-format.js';
import type { AuraError } from '../../core/errors.js';
import type { ClockedSink } from '../../ports/audio-sink.js';
import type { Clock } from '../../ports/clock.js';

/** Pulls audio on the given clock, like a sound card would, and hands each rendered run to `onRendered`. */
export class NullSink implements ClockedSink {
  readonly kind = 'clocked';
  readonly description = 'null output';
  private cancel: (() => void) | undefined;
  private pulledFrames = 0;
  private startMs = 0;

  /** @param onRendered sees every rendered run (interleaved stereo) and the clock time it was pulled [ms]. */
  constructor(
    private readonly clock: Clock,
    private readonly onRendered: (samples: Float32Array, nowMs: number) => void = () => {},
  ) {}

  start(render: (frames: number) => Float32Array, _onError: (err: AuraError) => void): Promise<void> {
    this.startMs = this.clock.now();
    this.cancel = this.clock.setInterval(() => {
      const now = this.clock.now();
      const due = Math.floor(((now - this.startMs) * 48) / BLOCK_FRAMES) * BLOCK_FRAMES;
      while (this.pulledFrames < due) {
        this.onRendered(render(BLOCK_FRAMES), now);
        this.pulledFrames += BLOCK_FRAMES;
      }
    }, 5);
    return Promise.resolve();
  }

  outputLatencyMs(): number {
    return 0;
  }

  stop(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    return Promise.resolve();
  }
}
