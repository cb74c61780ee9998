/**
 * A listener's playout on a virtual clock: the host produces 20 ms packets at 48 kHz × (1 + skew), they arrive
 * after a random network delay, and the sink pulls 10 ms at exactly 48 kHz. Runs hours of stream in seconds.
 */
import { JitterBuffer } from '../../src/core/jitter-buffer.js';
import { RateMatchedPlayout } from '../../src/core/rate-matched-playout.js';

/** What a simulated run measured. */
export interface DriftRun {
  /** Buffer level minus target, sampled once a second after settling [ms]. */
  readonly levelErrorsMs: number[];
  readonly underruns: number;
  readonly overflowDroppedFrames: number;
  /** The controller's drift estimate at the end [ppm]. */
  readonly estimatedDriftPpm: number;
  /** End-to-end latency (capture of the frame now reaching the sink → now, on the sink's clock), once a second after settling [ms]. */
  readonly latenciesMs: number[];
}

/**
 * Simulates `seconds` of stream with the host clock off by `skewPpm`; `jitterMs` is the spread of network delay.
 * `stall`: every `everyS` seconds the sink takes nothing for `ms` and then goes on at its rate without catching
 * up, as PulseAudio does when a busy machine runs our stream dry (the buffer rises by `ms`).
 */
export function simulateDrift(options: {
  skewPpm: number;
  seconds: number;
  targetMs: number;
  jitterMs: number;
  settleS: number;
  seed?: number;
  corrected?: boolean;
  stall?: { everyS: number; ms: number };
}): DriftRun {
  const jitter = new JitterBuffer({ targetMs: options.targetMs });
  const playout = new RateMatchedPlayout(jitter);
  let seed = options.seed ?? 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const packetFrames = 960;
  const packetPeriodS = packetFrames / (48_000 * (1 + options.skewPpm * 1e-6));
  const packet = new Float32Array(packetFrames * 2).fill(0.1);
  const arrivals: { at: number; seq: number }[] = [];
  let nextPacketS = 0;
  let seq = 0;
  const levelErrorsMs: number[] = [];
  const latenciesMs: number[] = [];
  const renders = Math.round(options.seconds * 100);
  for (let r = 0; r < renders; r++) {
    const now = r / 100;
    // Packets sent up to now arrive after 2 ms + a random share of the jitter, in order (TCP).
    while (nextPacketS <= now + 1) {
      const last = arrivals.length > 0 ? (arrivals[arrivals.length - 1] as { at: number }).at : 0;
      arrivals.push({ at: Math.max(last, nextPacketS + 0.002 + random() * options.jitterMs / 1000), seq: seq++ });
      nextPacketS += packetPeriodS;
    }
    while (arrivals.length > 0 && (arrivals[0] as { at: number }).at <= now) {
      const arrival = arrivals.shift() as { seq: number };
      jitter.push(arrival.seq, arrival.seq * 20, packet);
    }
    const stall = options.stall;
    const stalled = stall !== undefined && r % Math.round(stall.everyS * 100) < Math.round(stall.ms / 10) && r >= 100 * stall.everyS;
    if (stalled) continue;
    if (options.corrected === false) jitter.render(480);
    else playout.render(480);
    if (r % 100 === 0 && now >= options.settleS) {
      levelErrorsMs.push(jitter.stats.bufferedMs - options.targetMs);
      const playoutHostMs = jitter.playoutCaptureTimeMs();
      // Host time runs (1 + skew) fast: packet n was captured at n × packetPeriodS on the sink's clock.
      if (playoutHostMs !== undefined) latenciesMs.push((now + 0.01) * 1000 - (playoutHostMs / 20) * packetPeriodS * 1000 + playout.pipelineMs);
    }
  }
  const stats = jitter.stats;
  return { levelErrorsMs, underruns: stats.underruns, overflowDroppedFrames: stats.overflowDroppedFrames, estimatedDriftPpm: playout.controller.driftPpm, latenciesMs };
}
