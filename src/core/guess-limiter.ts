/**
 * Rate limit for access-code guesses: each address may fail a few times per window, and all addresses
 * together a bounded number, so neither one machine nor many can try more than a handful of codes a
 * minute. Pure: the caller passes the time.
 */

/** Limits of a GuessLimiter. */
export interface GuessLimits {
  /** Failed guesses one address may make per window. */
  readonly perAddress: number;
  /** Failed guesses all addresses together may make per window. */
  readonly total: number;
  /** Length of the sliding window [ms]. */
  readonly windowMs: number;
}

/** 5 per address and 30 in all per minute: a 6-digit code takes weeks to guess, a generated one forever. */
export const DEFAULT_GUESS_LIMITS: GuessLimits = { perAddress: 5, total: 30, windowMs: 60_000 };

/** Counts failed guesses in a sliding window, per address and in total. */
export class GuessLimiter {
  private readonly failures = new Map<string, number[]>();
  private all: number[] = [];

  constructor(private readonly limits: GuessLimits = DEFAULT_GUESS_LIMITS) {}

  /** How long `address` must wait before its next guess is checked [ms]; 0 when it may guess now. */
  waitMs(address: string, nowMs: number): number {
    this.expire(nowMs);
    const mine = this.failures.get(address) ?? [];
    let wait = 0;
    if (mine.length >= this.limits.perAddress) wait = (mine[mine.length - this.limits.perAddress] as number) + this.limits.windowMs - nowMs;
    if (this.all.length >= this.limits.total) {
      wait = Math.max(wait, (this.all[this.all.length - this.limits.total] as number) + this.limits.windowMs - nowMs);
    }
    return Math.max(0, wait);
  }

  /** Records a failed guess from `address`. */
  recordFailure(address: string, nowMs: number): void {
    this.expire(nowMs);
    const mine = this.failures.get(address) ?? [];
    mine.push(nowMs);
    this.failures.set(address, mine);
    this.all.push(nowMs);
  }

  /** Addresses with failures still in the window (bounded by `total` × windows, as old ones expire). */
  get trackedAddresses(): number {
    return this.failures.size;
  }

  private expire(nowMs: number): void {
    const oldest = nowMs - this.limits.windowMs;
    if (this.all.length > 0 && (this.all[0] as number) <= oldest) this.all = this.all.filter((t) => t > oldest);
    for (const [address, times] of this.failures) {
      const kept = times.filter((t) => t > oldest);
      if (kept.length === 0) this.failures.delete(address);
      else if (kept.length !== times.length) this.failures.set(address, kept);
    }
  }
}
