/**
 * Discovery times, measured like the integration tests: a host (the real CLI) in one network namespace,
 * `auralync hosts --watch` in another, joined by a veth pair. Per run: time for a started host to be
 * listed, to vanish after SIGKILL, and to be listed again after a restart. Prints JSON (medians over
 * BENCH_RUNS runs, default 5). Needs root and iproute2. Run: node out/bench/discovery-times.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeTestWav } from '../test/support/audio-files.js';
import { netnsUnavailableReason, NetnsLab, OutputLog } from '../test/support/netns.js';
import { median, round } from './support/stats.js';

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));

interface Run {
  /** Host process started → listed [ms]. */
  appearAfterSpawnMs: number;
  /** Host printed 'hosting' (port open) → listed [ms]. */
  appearAfterReadyMs: number;
  /** SIGKILL → gone from the list [ms]. */
  vanishAfterKillMs: number;
  /** Restarted host process started → listed again [ms]. */
  reappearAfterSpawnMs: number;
  /** Restarted host printed 'hosting' → listed again [ms]. */
  reappearAfterReadyMs: number;
}

async function oneRun(wav: string, configDir: string, index: number): Promise<Run> {
  const lab = new NetnsLab();
  try {
    const { a, b } = lab.addPair('bh', 'bl');
    const watch = new OutputLog(lab.spawnCli(b, ['hosts', '--watch']));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the browser is up before the host starts
    const name = `Bench ${index}`;
    const args = ['host', '--input', wav, '--codec', 'pcm', '--name', name];
    const env = { XDG_CONFIG_HOME: configDir };

    const spawnedAt = Date.now();
    const host = lab.spawnCli(a, args, env);
    const hostLog = new OutputLog(host);
    const ready = await hostLog.waitFor(/^hosting /, 10_000);
    const up = await watch.waitFor(new RegExp(`^\\+ ${name} `), 10_000, spawnedAt);

    await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 1400)); // kill at a random query phase
    const killedAt = Date.now();
    host.kill('SIGKILL');
    const down = await watch.waitFor(new RegExp(`^- ${name} `), 15_000, killedAt);

    await new Promise((resolve) => setTimeout(resolve, 500));
    const respawnedAt = Date.now();
    const again = new OutputLog(lab.spawnCli(a, args, env));
    const readyAgain = await again.waitFor(/^hosting /, 10_000);
    const back = await watch.waitFor(new RegExp(`^\\+ ${name} `), 10_000, respawnedAt);
    return {
      appearAfterSpawnMs: up.atMs - spawnedAt,
      appearAfterReadyMs: up.atMs - ready.atMs,
      vanishAfterKillMs: down.atMs - killedAt,
      reappearAfterSpawnMs: back.atMs - respawnedAt,
      reappearAfterReadyMs: back.atMs - readyAgain.atMs,
    };
  } finally {
    await lab.cleanup();
  }
}

/** Runs the benchmark; resolves with its figures (or why it was skipped). */
export async function runDiscoveryTimes(): Promise<Record<string, unknown>> {
  const reason = netnsUnavailableReason();
  if (reason !== undefined) return { name: 'discovery-times', skipped: reason };
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-discovery-'));
  try {
    const wav = join(dir, 'in.wav');
    writeTestWav(wav, { seconds: 60, kind: 'tones' });
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(wav, join(dir, `config-${i}`), i));
    const figures: Record<string, unknown> = { name: 'discovery-times', runs: RUNS, layout: 'two network namespaces joined by a veth pair' };
    for (const key of Object.keys(runs[0] as Run) as (keyof Run)[]) {
      const values = runs.map((run) => run[key]);
      figures[key] = { median: round(median(values), 0), min: Math.min(...values), max: Math.max(...values) };
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await runDiscoveryTimes(), null, 2));
  process.exit(0);
}
