/** Reconnect delays: exponential with jitter, capped, reset after success. */

/** Exponential backoff; `random` is injected so tests are repeatable. */
export class Backoff {
  private attempt = 0;

  /**
   * @param initialMs first delay [ms] (> 0)
   * @param maxMs largest delay [ms] (≥ initialMs)
   * @param random source of [0, 1) for ±20 % jitter
   */
  constructor(
    private readonly initialMs = 250,
    private readonly maxMs = 5000,
    private readonly random: () => number = Math.random,
  ) {
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError('backoff needs 0 < initialMs <= maxMs');
  }

  /** The delay before the next attempt [ms]; each call doubles the base up to maxMs. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const jittered = base * (0.8 + 0.4 * this.random());
    return Math.round(Math.min(this.maxMs, jittered));
  }

  /** Back to the first delay (call after a connection succeeded). */
  reset(): void {
    this.attempt = 0;
  }
}
