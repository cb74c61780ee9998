/**
 * When a listener's jitter-buffer target moves (issue 6): it follows what a JitterEstimator proposes, checked
 * every 2 s — up at once when the link got worse (an underrun costs more than latency), down 10 ms at a time
 * once a lower proposal has held for a check, and only while the buffer has followed the last step: as fast
 * as the drift controller can glide down without trimming audio, never faster.
 */
import type { JitterEstimator } from './jitter-estimator.js';

/** How often the proposal is looked at [ms]. */
const CHECK_EVERY_MS = 2000;
/**
 * How long a lower proposal must hold before the target comes down a step [ms]. It was 10 s, to let the drift
 * controller glide each step; FOLLOWED_WITHIN_MS now sees to that. After a Wi-Fi pause the target rises to
 * cover it, but the buffer rises only as fast as playback slows (2 ms/s at most): replaying a 198 ms pause
 * (bench/jitter-replay, wifi-link seed 1 of 2026-12-04) the target stood at 140 for 15 s while the buffer
 * climbed, and stepping down every 10 s kept the delay up for over a minute: p95 135 ms; every 2 s while
 * the buffer follows, p95 ~110, the same single gap, no more audio trimmed. On traces without such a pause
 * (seeds 3 and 5) the two play alike.
 */
const LOWER_AFTER_MS = 2000;
/**
 * A step down waits until the buffer's smoothed level is within this of the target [ms]: the drift
 * controller then has at most 20 ms to glide (at ≤ 2000 ppm), short of the level where the buffer trims.
 */
const FOLLOWED_WITHIN_MS = 10;
/** One step down [ms]; a proposal less than this below the target leaves it. */
const STEP_DOWN_MS = 10;

/** Options of an AdaptiveTarget (bench/jitter-replay tries others than the defaults). */
export interface AdaptiveTargetOptions {
  /** How long a lower proposal must hold before each step down [ms] (default LOWER_AFTER_MS). */
  readonly lowerAfterMs?: number;
  /** How close to the target the buffer must have come before a step down [ms] (default FOLLOWED_WITHIN_MS; Infinity: no wait). */
  readonly followedWithinMs?: number;
}

/** Decides, packet by packet, when the target changes and to what. */
export class AdaptiveTarget {
  private lastCheckMs = 0;
  private lowerSinceMs: number | undefined;
  private readonly lowerAfterMs: number;
  private readonly followedWithinMs: number;

  constructor(
    private readonly estimator: JitterEstimator,
    options: AdaptiveTargetOptions = {},
  ) {
    this.lowerAfterMs = options.lowerAfterMs ?? LOWER_AFTER_MS;
    this.followedWithinMs = options.followedWithinMs ?? FOLLOWED_WITHIN_MS;
  }

  /**
   * Records one packet (arrival [ms, our clock], capture [ms, host clock], length [ms]) and returns the
   * target to set now [ms], or undefined to keep `currentMs`. `levelMs` is the buffer's smoothed level
   * (RateMatchedPlayout.smoothedLevelMs; undefined while it is not playing).
   */
  observe(arrivalMs: number, captureTimeMs: number, packetMs: number, currentMs: number, levelMs: number | undefined): number | undefined {
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
    if (levelMs === undefined || levelMs > currentMs + this.followedWithinMs) return undefined;
    this.lowerSinceMs = arrivalMs;
    return currentMs - STEP_DOWN_MS;
  }

  /** Forgets the link's arrivals (a new connection: the clock offset may differ); the schedule goes on. */
  reset(): void {
    this.estimator.reset();
  }
}
