/**
 * A private headless PulseAudio for integration tests, through pulse.sh (null sinks `al_src` and
 * `al_out`, see there). Each test process gets its own state dir, so parallel runs do not share or
 * stop each other's daemon.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment that points PulseAudio clients (libpulse in this process, pacat, paplay) at the private daemon. */
export interface PulseEnv {
  readonly PULSE_SERVER: string;
  readonly XDG_RUNTIME_DIR: string;
  readonly PULSE_STATE_PATH: string;
  readonly PULSE_COOKIE: string;
}

/** The scripts live in the source tree; tests run from out/test/support. */
const here = dirname(fileURLToPath(import.meta.url));
const scriptDir = here.includes(`${join('out', 'test')}`) ? join(here, '..', '..', '..', 'test', 'support') : here;

/** Default state dir: one per test process. */
export const defaultPulseDir = join(tmpdir(), `auralync-pulse-${process.pid}`);

function run(args: string[], script = 'pulse.sh'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(scriptDir, script), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Parses pulse.sh's `export NAME=value` lines (values quoted by bash's printf %q). */
export function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) continue;
    env[match[1]] = match[2].replace(/\\(.)/g, '$1');
  }
  return env;
}

/** Starts (or reuses) the daemon under `dir` and returns its environment; rejects if pulseaudio is missing. */
export async function startPulse(dir: string = defaultPulseDir): Promise<PulseEnv> {
  return envOf(await run(['start', dir]));
}

/**
 * Starts (or reuses) a private PipeWire with its pulse server under `dir` (pipewire.sh: the same null sinks)
 * and returns the environment that points PulseAudio clients at it; rejects if PipeWire is missing.
 */
export async function startPipewire(dir: string): Promise<PulseEnv> {
  return envOf(await run(['start', dir], 'pipewire.sh'));
}

/** Stops the PipeWire under `dir` and removes the dir. */
export async function stopPipewire(dir: string): Promise<void> {
  await run(['stop', dir], 'pipewire.sh');
  await rm(dir, { recursive: true, force: true });
}

function envOf(exports: string): PulseEnv {
  const env = parseExports(exports);
  for (const key of ['PULSE_SERVER', 'XDG_RUNTIME_DIR', 'PULSE_STATE_PATH', 'PULSE_COOKIE'] as const) {
    if (!env[key]) throw new Error(`the sound server script printed no ${key}`);
  }
  return env as unknown as PulseEnv;
}

/** Stops the daemon under `dir` and removes the dir (safe when it is not running). */
export async function stopPulse(dir: string = defaultPulseDir): Promise<void> {
  await run(['stop', dir]);
  await rm(dir, { recursive: true, force: true });
}
