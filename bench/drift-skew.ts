/**
 * Issue 6 (b): clock skew of ±500 ppm over 2 hours of stream, run faster than real time on a virtual clock:
 * how far end-to-end latency strays from its settled median, with and without drift correction. Prints JSON.
 */
import { simulateDrift } from '../test/support/drift-simulation.js';
import { percentile, round } from './support/stats.js';

const SECONDS = Number(process.env.BENCH_DRIFT_SECONDS ?? 7200);

export function runDriftSkew(): Record<string, unknown> {
  const results = [];
  for (const skewPpm of [500, -500]) {
    for (const corrected of [true, false]) {
      const run = simulateDrift({ skewPpm, seconds: corrected ? SECONDS : Math.min(SECONDS, 600), targetMs: 60, jitterMs: 5, settleS: 120, corrected });
      const median = percentile(run.latenciesMs, 50);
      const deviations = run.latenciesMs.map((l) => Math.abs(l - median));
      results.push({
        skewPpm,
        driftCorrection: corrected,
        streamSeconds: corrected ? SECONDS : Math.min(SECONDS, 600),
        latencyMedianMs: round(median, 1),
        latencyDeviationP95Ms: round(percentile(deviations, 95), 2),
        latencyDeviationMaxMs: round(Math.max(...deviations), 2),
        underruns: run.underruns,
        trimmedMs: round(run.overflowDroppedFrames / 48, 1),
        estimatedDriftPpm: corrected ? round(run.estimatedDriftPpm, 1) : null,
      });
    }
  }
  return { bench: 'drift-skew', note: 'virtual clock; 20 ms packets, 0-5 ms network jitter, 60 ms target; samples once a second after 120 s', results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(runDriftSkew(), null, 2));
  process.exit(0);
}
