/**
 * End-to-end delay through real PulseAudio null sinks (al_src monitor → host → listener → al_out monitor),
 * median of several runs per codec and jitter-buffer target, beside the listener's own estimate of its
 * latency (host's capture stamp → out of its output) over the same seconds. The listener is
 * bench/support/probe-listener (the session and output `listen --device al_out --latency MS` runs, printing
 * its figures). Prints JSON. Needs pulseaudio and audify. BENCH_E2E_SERVER=pipewire runs the same on a private
 * PipeWire with its pulse server (test/support/pipewire.sh), where the host captures through parec.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPulseE2e, type ListenerStarter } from '../test/support/pulse-e2e.js';
import { startPipewire, startPulse, stopPipewire, stopPulse } from '../test/support/pulse.js';
import { waitFor } from '../test/support/wait-for.js';
import { spawnProbe, type ProbeSample } from './support/probe-process.js';
import { percentile, round } from './support/stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SERVER = process.env.BENCH_E2E_SERVER === 'pipewire' ? 'pipewire' : 'pulseaudio';

/** A probe listener at `latencyMs` whose samples land in `samples`; ready once it plays. */
function probeStarter(latencyMs: number, samples: ProbeSample[][]): ListenerStarter {
  return async (port) => {
    const probe = spawnProbe(port, 60, 250, { PROBE_DEVICE: 'al_out', PROBE_LATENCY_MS: String(latencyMs) });
    samples.push(probe.samples);
    try {
      await waitFor(() => probe.samples.some((s) => s.state === 'playing'), 15_000, 'the probe listener to play');
    } catch (err) {
      probe.child.kill('SIGINT');
      throw err;
    }
    return probe.child;
  };
}

/** Median of the listener's estimate while it played [ms]; undefined if it gave none. */
function medianEstimate(samples: readonly ProbeSample[]): number | undefined {
  const estimates = samples.filter((s) => s.state === 'playing' && s.latencyMs !== undefined).map((s) => s.latencyMs as number);
  return estimates.length === 0 ? undefined : percentile(estimates, 50);
}

export async function runE2ePulse(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-e2e-'));
  const serverDir = join(dir, 'server');
  const start = () => (SERVER === 'pipewire' ? startPipewire(serverDir) : startPulse());
  const stop = () => (SERVER === 'pipewire' ? stopPipewire(serverDir) : stopPulse());
  try {
    Object.assign(process.env, await start());
  } catch (err) {
    await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    return { bench: 'e2e-pulse', server: SERVER, skipped: (err as Error).message };
  }
  try {
    const results = [];
    for (const codec of ['opus', 'pcm'] as const) {
      for (const latency of [60, 30]) {
        const delays: number[] = [];
        const estimates: (number | null)[] = [];
        const differences: number[] = [];
        const levelErrors: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          const samples: ProbeSample[][] = [];
          const result = await runPulseE2e(dir, codec, [], probeStarter(latency, samples));
          delays.push(result.delayMs);
          const estimate = medianEstimate(samples[0] ?? []);
          estimates.push(estimate === undefined ? null : round(estimate, 1));
          if (estimate !== undefined) differences.push(result.delayMs - estimate);
          levelErrors.push(Math.abs(result.receivedDb - result.sentDb));
        }
        results.push({
          codec,
          latencyTargetMs: latency,
          runs: RUNS,
          medianDelayMs: round(percentile(delays, 50), 1),
          delaysMs: delays.map((d) => round(d, 1)),
          // What the listener thought (host's capture stamp → out of its output), per run; the recorded delay
          // also holds al_src's monitor → the host's capture stamp, which the listener cannot see.
          // null where the listener gave no estimate; the difference is over the runs that gave one.
          listenerEstimatesMs: estimates,
          runsWithEstimate: differences.length,
          medianDelayMinusEstimateMs: differences.length === 0 ? null : round(percentile(differences, 50), 1),
          maxLevelErrorDb: round(Math.max(...levelErrors)),
        });
      }
    }
    return { bench: 'e2e-pulse', server: SERVER, note: 'delay from al_src monitor to al_out monitor, both recorded in one process on one clock; listener estimate = its status line\'s latency, median over the run', results };
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runE2ePulse(), null, 2));
  process.exit(0);
}
