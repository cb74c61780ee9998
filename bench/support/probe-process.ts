/**
 * Starts bench/support/probe-listener as a child process on 127.0.0.1 and collects the figures it prints
 * (one JSON line per sample); lines that are not figures (its events) are skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onLines } from './child-lines.js';

const PROBE_JS = join(dirname(fileURLToPath(import.meta.url)), 'probe-listener.js');

/** One of the probe's samples (the fields the benchmarks read). */
export interface ProbeSample {
  readonly t: number;
  readonly state?: string;
  readonly latencyMs?: number;
  readonly bufferedMs?: number;
  /** The jitter buffer's target [ms] (fixed, or where the adaptive one stood). */
  readonly targetMs?: number;
  readonly underruns?: number;
  readonly outputUnderruns?: number;
  readonly driftPpm?: number;
  /** Longest pause between two new packets since the last sample [ms]. */
  readonly arrivalGapMs?: number;
  /** Longest event-loop delay since the last sample [ms]. */
  readonly loopDelayMs?: number;
}

/** A running probe and the samples it has printed so far. */
export interface ProbeProcess {
  readonly child: ChildProcess;
  readonly samples: ProbeSample[];
}

/** Starts the probe for `seconds`, sampling every `sampleMs`; `env` adds PROBE_* settings. */
export function spawnProbe(port: number, seconds: number, sampleMs: number, env: NodeJS.ProcessEnv): ProbeProcess {
  const child = spawn(process.execPath, [PROBE_JS, '127.0.0.1', String(port), String(seconds), String(sampleMs)], {
    env: { ...process.env, AURALYNC_DISCOVERY: 'off', ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const samples: ProbeSample[] = [];
  onLines(child.stdout, (line) => {
    try {
      const sample = JSON.parse(line) as ProbeSample;
      if (sample.state !== undefined) samples.push(sample);
    } catch {
      // not a figure line: skipped
    }
  });
  return { child, samples };
}
