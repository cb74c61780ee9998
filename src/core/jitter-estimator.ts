/**
 * Measures network jitter from packet arrivals and proposes a jitter-buffer target (issue 6): small on a quiet
 * link, larger on a noisy one, always within bounds. Each packet's transit (arrival on our clock minus capture
 * on the host's) has an unknown constant offset; only its spread above the window's minimum is jitter.
 *
 * Outages are not jitter: after a silence longer than the largest target (the link was down, say), no
 * buffer we would keep could have covered it, so the backlog that then arrives in a burst — every packet
 * that would normally have arrived before the silence ended — is left out. Without that, one 3 s outage
 * pinned the target at its maximum for the whole window and then some (bench/outage-recovery).
 */

/**
 * Share of packets the target is to cover. Over TCP each lost packet holds back the few behind it until
 * it is resent, so on the Wi-Fi-like link of bench/wifi-link (0.5 % loss) about 1 % of packets come late:
 * at p99 the target sat at that edge (67 ms) and played 6 gaps a minute; p99.5 (81 ms) played none.
 */
const COVERED_FRACTION = 0.995;
/**
 * The target also covers this many times the jitter of the last minutes. A 15 s window's p99.5 does not
 * see what comes once in minutes: on the Wi-Fi-like link with the twin connection (p99.5 ≈ 28 ms) the
 * latest packet of each 10 minutes came 36-69 ms late, 1.3-2.5x it, and each 10-minute run played one gap
 * at the 52 ms target that covered only the p99.5. Taken of the long view only, the headroom does not
 * double the short window's brief peaks after each stall as well (twice the short window's jitter: 0
 * gaps but p95 latency 134 ms, the target up to 128 ms).
 */
const HEADROOM = 1.75;
/** How far back the long view of the jitter reaches [ms]. */
const LONG_WINDOW_MS = 300_000;
/** The long view counts lateness in whole ms up to the largest target (5 minutes of 5 ms packets is 60 000: no sorting those). */
const LATENESS_BUCKETS = 2001;

/** Options of a JitterEstimator. */
export interface JitterEstimatorOptions {
  /** Smallest target proposed [ms]. */
  readonly minTargetMs: number;
  /** Largest target proposed [ms]: the target never grows past it, whatever the link does. */
  readonly maxTargetMs: number;
  /** How far back arrivals count [ms]: a Wi-Fi stall is remembered this long. */
  readonly windowMs?: number;
  /** Safety margin on top of the measured jitter [ms]. */
  readonly marginMs?: number;
  /** How many times the last 5 minutes' jitter the target covers (default HEADROOM; bench/jitter-replay tries others). */
  readonly headroom?: number;
}

/** Sliding-window jitter measurement and target proposal. */
export class JitterEstimator {
  private readonly windowMs: number;
  private readonly marginMs: number;
  private readonly headroom: number;
  /** The short window's packets, oldest first from `sampleStart` (older ones are cut off in batches, not one copy per packet). */
  private samples: { atMs: number; transitMs: number }[] = [];
  private sampleStart = 0;
  /** The window's samples whose transit no later sample undercuts, oldest first from `fastStart`: its fastest is at the front. */
  private fastest: { atMs: number; transitMs: number }[] = [];
  private fastStart = 0;
  /**
   * The long view: each packet's lateness when it came (transit above the short window's fastest then).
   * Kept as lateness, not transit: over minutes the two clocks drift apart (500 ppm is 150 ms in 5 min).
   */
  private lateness: { atMs: number; bucket: number }[] = [];
  private lateStart = 0;
  /** How many of the long view's packets came each whole ms late (0..2000; later counts as 2000). */
  private lateCounts = new Uint32Array(LATENESS_BUCKETS);
  private packetMs = 0;
  private lastArrivalMs: number | undefined;
  /** Packets captured before this [ms, host clock] are an outage's backlog, not jitter. */
  private backlogBeforeMs = -Infinity;
  /** Packets left out as an outage's backlog so far. */
  outageBacklogPackets = 0;

  constructor(private readonly options: JitterEstimatorOptions) {
    const { minTargetMs, maxTargetMs } = options;
    if (!(minTargetMs >= 5 && maxTargetMs >= minTargetMs && maxTargetMs <= 2000)) {
      throw new RangeError(`jitter target bounds must satisfy 5 <= min <= max <= 2000, got ${minTargetMs}..${maxTargetMs}`);
    }
    this.windowMs = options.windowMs ?? 15_000;
    this.marginMs = options.marginMs ?? 5;
    this.headroom = options.headroom ?? HEADROOM;
  }

  /** Records one packet: when it arrived [ms, our clock], when it was captured [ms, host clock], and its length [ms]. */
  observe(arrivalMs: number, captureTimeMs: number, packetMs: number): void {
    if (!Number.isFinite(arrivalMs) || !Number.isFinite(captureTimeMs)) return;
    this.packetMs = packetMs;
    const silenceMs = this.lastArrivalMs === undefined ? 0 : arrivalMs - this.lastArrivalMs;
    this.lastArrivalMs = arrivalMs;
    if (silenceMs > this.options.maxTargetMs && this.windowPackets > 0) {
      // Normally a packet arrives minTransit after its capture: those captured before (now − minTransit) are late only because of the outage.
      this.backlogBeforeMs = arrivalMs - this.fastestTransitMs();
    }
    if (captureTimeMs < this.backlogBeforeMs) {
      this.outageBacklogPackets++;
      return;
    }
    const sample = { atMs: arrivalMs, transitMs: arrivalMs - captureTimeMs };
    this.samples.push(sample);
    while (this.fastest.length > this.fastStart && (this.fastest.at(-1) as { transitMs: number }).transitMs >= sample.transitMs) this.fastest.pop();
    this.fastest.push(sample);
    const oldest = arrivalMs - this.windowMs;
    while ((this.samples[this.sampleStart] as { atMs: number }).atMs < oldest) this.sampleStart++;
    if (this.sampleStart > 4096) {
      this.samples = this.samples.slice(this.sampleStart);
      this.sampleStart = 0;
    }
    while ((this.fastest[this.fastStart] as { atMs: number }).atMs < oldest) this.fastStart++;
    if (this.fastStart > 4096) {
      this.fastest = this.fastest.slice(this.fastStart);
      this.fastStart = 0;
    }
    const bucket = Math.min(LATENESS_BUCKETS - 1, Math.round(sample.transitMs - this.fastestTransitMs()));
    this.lateness.push({ atMs: arrivalMs, bucket });
    (this.lateCounts[bucket] as number)++;
    while ((this.lateness[this.lateStart] as { atMs: number }).atMs < arrivalMs - LONG_WINDOW_MS) {
      (this.lateCounts[(this.lateness[this.lateStart] as { bucket: number }).bucket] as number)--;
      this.lateStart++;
    }
    if (this.lateStart > 4096) {
      this.lateness = this.lateness.slice(this.lateStart);
      this.lateStart = 0;
    }
  }

  /** The window's fastest transit [ms] (kept as a monotonic queue: no scan per packet). */
  private fastestTransitMs(): number {
    return (this.fastest[this.fastStart] as { transitMs: number }).transitMs;
  }

  /** Packets in the short window: jitterMs means something from 2 on. */
  get windowPackets(): number {
    return this.samples.length - this.sampleStart;
  }

  /** The 99.5th percentile of transit above the window's fastest packet [ms]; 0 with no data. */
  get jitterMs(): number {
    if (this.windowPackets < 2) return 0;
    const transits = this.samples.slice(this.sampleStart).map((s) => s.transitMs).sort((a, b) => a - b);
    const high = transits[Math.min(transits.length - 1, Math.ceil(COVERED_FRACTION * transits.length) - 1)] as number;
    return high - (transits[0] as number);
  }

  /** The 99.5th percentile of lateness over the last 5 minutes [whole ms]; 0 with no data. */
  get longJitterMs(): number {
    const kept = this.lateness.length - this.lateStart;
    if (kept < 2) return 0;
    const rank = Math.ceil(COVERED_FRACTION * kept);
    let seen = 0;
    for (let ms = 0; ms < LATENESS_BUCKETS; ms++) {
      seen += this.lateCounts[ms] as number;
      if (seen >= rank) return ms;
    }
    return LATENESS_BUCKETS - 1;
  }

  /**
   * Proposed target [ms]: one packet (audio arrives a packet at a time) + the larger of the last 15 s's
   * jitter and the headroom times the last 5 minutes' + margin, within the bounds.
   */
  targetMs(): number {
    const wanted = this.packetMs + Math.max(this.jitterMs, this.headroom * this.longJitterMs) + this.marginMs;
    return Math.round(Math.min(this.options.maxTargetMs, Math.max(this.options.minTargetMs, wanted)));
  }

  /** Forgets every arrival (a new connection: the clock offset may differ). */
  reset(): void {
    this.samples = [];
    this.sampleStart = 0;
    this.fastest = [];
    this.fastStart = 0;
    this.lateness = [];
    this.lateStart = 0;
    this.lateCounts.fill(0);
    this.lastArrivalMs = undefined;
    this.backlogBeforeMs = -Infinity;
  }
}
