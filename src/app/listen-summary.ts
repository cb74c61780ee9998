/**
 * The one line `auralync listen` prints when it stops: what was received and what went wrong on the way,
 * for the log of a headless run (a script, a service, a benchmark), where no live status line is drawn.
 */
import { SAMPLE_RATE } from '../core/audio-format.js';
import { describeDrift, plural } from './listener-health-line.js';
import type { ListenerStats } from './listener-session.js';

/**
 * The medians of a run's latency and jitter, from the stats sampled while it ran (the session knows neither
 * once stopped). Kept as counts per whole ms, so a run of any length costs the same.
 */
export class RunMedians {
  readonly #latency = new Map<number, number>();
  readonly #jitter = new Map<number, number>();

  /** Takes one sample of the listener's figures; those it does not know yet are left out. */
  add(stats: Pick<ListenerStats, 'latencyMs' | 'jitterMs'>): void {
    if (stats.latencyMs !== undefined) count(this.#latency, stats.latencyMs);
    if (stats.jitterMs !== undefined) count(this.#jitter, stats.jitterMs);
  }

  /** The median latency [ms] of the samples; undefined without any. */
  get latencyMs(): number | undefined {
    return median(this.#latency);
  }

  /** The median jitter [ms] of the samples; undefined without any. */
  get jitterMs(): number | undefined {
    return median(this.#jitter);
  }
}

function count(counts: Map<number, number>, ms: number): void {
  const bin = Math.max(0, Math.round(ms));
  counts.set(bin, (counts.get(bin) ?? 0) + 1);
}

function median(counts: Map<number, number>): number | undefined {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total === 0) return undefined;
  let seen = 0;
  for (const bin of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(bin) ?? 0;
    if (seen * 2 >= total) return bin;
  }
  return undefined;
}

/**
 * E.g. "stopped after 65 s: 64.1 s of audio received, 3 underruns (2 in the output), 0 missing, 12 ms
 * trimmed, 0 reconnects, drift +39 ppm, latency 70 ms, jitter 12 ms (medians)". `toFile`: the listener
 * wrote a file or pipe (no buffer, no underruns, no drift, no latency); `elapsedMs`: how long it ran;
 * `medians`: its latency and jitter while it ran, where known.
 */
export function describeListenSummary(stats: ListenerStats, elapsedMs: number, toFile: boolean, medians?: RunMedians): string {
  const parts = [`${(stats.framesReceived / SAMPLE_RATE).toFixed(1)} s of audio received`];
  if (!toFile) {
    const inOutput = stats.outputUnderruns > 0 ? ` (${stats.outputUnderruns} in the output)` : '';
    parts.push(`${plural(stats.underruns, 'underrun')}${inOutput}`);
  }
  parts.push(`${stats.missingPackets} missing`);
  if (!toFile) parts.push(`${Math.round(stats.trimmedMs)} ms trimmed`);
  parts.push(plural(stats.reconnects, 'reconnect'));
  if (!toFile) parts.push(describeDrift(stats.driftPpm));
  const figures = [
    ...(medians?.latencyMs !== undefined && !toFile ? [`latency ${medians.latencyMs} ms`] : []),
    ...(medians?.jitterMs !== undefined ? [`jitter ${medians.jitterMs} ms`] : []),
  ];
  if (figures.length > 0) parts.push(`${figures.join(', ')} (${figures.length === 1 ? 'median' : 'medians'})`);
  return `stopped after ${Math.round(elapsedMs / 1000)} s: ${parts.join(', ')}`;
}
