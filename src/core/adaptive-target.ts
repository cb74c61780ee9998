/**
 * When a listener's jitter-buffer target moves (issue 6): it follows what a JitterEstimator proposes, checked
 * every 2 s — up at once when the link got worse (an underrun costs more than latency), down only after 10 s
 * of steady evidence and 10 ms at a time, slowly enough for the drift controller to glide down without
 * trimming audio.
 */
import type { JitterEstimator } from './jitter-estimator.js';

/** How often the proposal is looked at [ms]. */
const CHECK_EVERY_MS = 2000;
/**
 * How long a lower proposal must hold before the target comes down a step [ms]: the drift controller's
 * proportional term closes a 10 ms error at 1 ms/s at first, so it glides down without trimming audio.
 */
const LOWER_AFTER_MS = 10_000;
/** One step down [ms]; a proposal less than this below the target leaves it. */
const STEP_DOWN_MS = 10;

/** Options of an AdaptiveTarget (bench/jitter-replay tries others than the defaults). */
export interface AdaptiveTargetOptions {
  /** How long a lower proposal must hold before each step down [ms] (default LOWER_AFTER_MS). */
  readonly lowerAfterMs?: number;
}

/** Decides, packet by packet, when the target changes and to what. */
export class AdaptiveTarget {
  private lastCheckMs = 0;
  private lowerSinceMs: number | undefined;
  private readonly lowerAfterMs: number;

  constructor(
    private readonly estimator: JitterEstimator,
    options: AdaptiveTargetOptions = {},
  ) {
    this.lowerAfterMs = options.lowerAfterMs ?? LOWER_AFTER_MS;
  }

  /**
   * Records one packet (arrival [ms, our clock], capture [ms, host clock], length [ms]) and returns the
   * target to set now [ms], or undefined to keep `currentMs`.
   */
  observe(arrivalMs: number, captureTimeMs: number, packetMs: number, currentMs: number): number | undefined {
    this.estimator.observe(arrivalMs, captureTimeMs, packetMs);
    if (arrivalMs - this.lastCheckMs < CHECK_EVERY_MS) return undefined;
    this.lastCheckMs = arrivalMs;
    const wanted = this.estimator.targetMs();
    if (wanted > currentMs) {
      this.lowerSinceMs = undefined;
      return wanted;
    }
    if (wanted > currentMs - STEP_DOWN_MS) {
      this.lowerSinceMs = undefined;
      return undefined;
    }
    this.lowerSinceMs ??= arrivalMs;
    if (arrivalMs - this.lowerSinceMs < this.lowerAfterMs) return undefined;
    this.lowerSinceMs = arrivalMs;
    return currentMs - STEP_DOWN_MS;
  }

  /** Forgets the link's arrivals (a new connection: the clock offset may differ); the schedule goes on. */
  reset(): void {
    this.estimator.reset();
  }
}
