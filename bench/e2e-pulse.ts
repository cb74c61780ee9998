/**
 * End-to-end delay through real PulseAudio null sinks (al_src monitor → host → listener → al_out monitor),
 * median of several runs per codec and jitter-buffer target. Prints JSON. Needs pulseaudio and audify.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPulseE2e } from '../test/support/pulse-e2e.js';
import { startPulse, stopPulse } from '../test/support/pulse.js';
import { percentile, round } from './support/stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

export async function runE2ePulse(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-e2e-'));
  try {
    Object.assign(process.env, await startPulse());
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { bench: 'e2e-pulse', skipped: (err as Error).message };
  }
  try {
    const results = [];
    for (const codec of ['opus', 'pcm'] as const) {
      for (const latency of [60, 30]) {
        const delays: number[] = [];
        const levelErrors: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          const result = await runPulseE2e(dir, codec, ['--latency', String(latency)]);
          delays.push(result.delayMs);
          levelErrors.push(Math.abs(result.receivedDb - result.sentDb));
        }
        results.push({ codec, latencyTargetMs: latency, runs: RUNS, medianDelayMs: round(percentile(delays, 50), 1), delaysMs: delays.map((d) => round(d, 1)), maxLevelErrorDb: round(Math.max(...levelErrors)) });
      }
    }
    return { bench: 'e2e-pulse', note: 'delay from al_src monitor to al_out monitor, both recorded in one process on one clock', results };
  } finally {
    await stopPulse();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runE2ePulse(), null, 2));
  process.exit(0);
}
