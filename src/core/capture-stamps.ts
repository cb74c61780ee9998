/**
 * Capture timestamps for blocks of a fixed length from late-biased clock readings (issue 6: the listener's
 * latency estimate and the jitter estimator both read them).
 *
 * Each block's reading is the clock when its callback ran minus the frames delivered after its first frame.
 * A reading is never early but often late: the event loop's delay in delivering the callback (a few ms), and
 * after a stall a burst of blocks all read "now". So the stamp given is the lower edge of the readings: the
 * previous stamp + one block, unless the reading is earlier. It may run up to 1 % fast to follow a device
 * clock slower than nominal (a reading less than a block late), and comes at least half a block after the
 * previous one (an early reading after a burst pulls the stamps back over a few blocks: taken at once it had
 * left a 1.7 ms gap, in 1 CI run of ~15). A reading a block or more late is a stall's burst: one block on,
 * exactly (catching up through a 200 ms burst had put the stamps 2 ms ahead, and the next on-time block
 * only 1.3-1.7 ms after) — unless readings have stayed that late for PERSISTENT_LATE_MS of their own time,
 * which no burst does (its readings all fall at one moment): then the stamps started early (seen: 5-12 ms
 * before every reading for a whole run, in 2 of 12 instrumented runs, the listener's latency estimate as
 * much too high) and creep forward at the same 1 %.
 */

/** How fast stamps may run ahead of the nominal block length to catch up with the readings: 1 %. */
const CATCH_UP = 0.01;
/** How long (in reading time) readings must stay a block or more late to be taken as early stamps [ms]. */
export const PERSISTENT_LATE_MS = 1000;

/** Stamps consecutive blocks of `blockMs` from their readings. */
export class CaptureStamps {
  readonly #blockMs: number;
  #lastMs: number | undefined;
  /** Reading at which readings started being a block or more late, while they still are. */
  #lateSinceMs: number | undefined;

  /** `blockMs`: the length of every block [ms], > 0. */
  constructor(blockMs: number) {
    if (!(blockMs > 0)) throw new RangeError(`blockMs must be positive, got ${blockMs}`);
    this.#blockMs = blockMs;
  }

  /** The stamp of the next block, whose reading was `readingMs` [ms]. */
  next(readingMs: number): number {
    const last = this.#lastMs;
    const stamp = last === undefined ? readingMs : this.#after(last, readingMs);
    this.#lastMs = stamp;
    return stamp;
  }

  #after(lastMs: number, readingMs: number): number {
    const block = this.#blockMs;
    const late = readingMs - (lastMs + block);
    if (late < block) this.#lateSinceMs = undefined;
    else this.#lateSinceMs ??= readingMs;
    if (late <= 0) return Math.max(lastMs + block / 2, readingMs);
    const persistent = this.#lateSinceMs !== undefined && readingMs - this.#lateSinceMs >= PERSISTENT_LATE_MS;
    if (late < block || persistent) return Math.min(readingMs, lastMs + block * (1 + CATCH_UP));
    return lastMs + block;
  }
}
