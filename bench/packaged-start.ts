/**
 * Start-up of the packaged Linux binary (dist/auralync-linux-x64, from `npm run package`): time from
 * exec to the "hosting '...' on port" line on stderr, hosting a WAV file. Cold = empty cache dir (the
 * binary writes its native files out first), warm = the next start (it reuses them). Compared with the
 * unpackaged `node out/src/main.js`. Also the binaries' sizes. Prints JSON; never builds anything.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTestWav } from '../test/support/audio-files.js';
import { percentile, round } from './support/stats.js';
import { freePort } from '../test/support/free-port.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(repo, 'dist');
const mainJs = join(repo, 'out', 'src', 'main.js');


/** Milliseconds from spawn to the "hosting" line; the process is killed right after. */
async function timeToHosting(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, [...args, '--port', String(port), '--codec', 'pcm'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "hosting" line within 20 s: ${seen}`));
    }, 20_000);
    child.stderr.on('data', (bytes: Buffer) => {
      seen += bytes.toString();
      if (/hosting '.*' on port \d+/.test(seen)) {
        const ms = performance.now() - started;
        clearTimeout(timer);
        child.kill('SIGKILL');
        child.on('close', () => resolve(ms));
      }
    });
  });
}

function summary(values: number[]): Record<string, number> {
  return { medianMs: round(percentile(values, 50), 1), minMs: round(Math.min(...values), 1), maxMs: round(Math.max(...values), 1) };
}

export async function runPackagedStart(): Promise<Record<string, unknown>> {
  const binary = join(dist, 'auralync-linux-x64');
  if (!existsSync(binary)) return { bench: 'packaged-start', skipped: 'dist/auralync-linux-x64 not built (npm run package)' };
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-start-'));
  try {
    const wav = join(dir, 'in.wav');
    writeTestWav(wav, { seconds: 5, kind: 'tones' });
    const env = { ...process.env, AURALYNC_DISCOVERY: 'off' };
    const hostArgs = ['host', '--input', wav];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const cache = join(dir, `cache-${run}`);
      cold.push(await timeToHosting(binary, hostArgs, { ...env, AURALYNC_CACHE_DIR: cache }, dir));
      warm.push(await timeToHosting(binary, hostArgs, { ...env, AURALYNC_CACHE_DIR: cache }, dir));
    }
    const unpackaged: number[] = [];
    if (existsSync(mainJs)) for (let run = 0; run < RUNS; run++) unpackaged.push(await timeToHosting(process.execPath, [mainJs, ...hostArgs], env, dir));
    const sizeMb = (name: string) => (existsSync(join(dist, name)) ? round(statSync(join(dist, name)).size / 1048576, 1) : undefined);
    return {
      bench: 'packaged-start',
      note: 'exec to the "hosting \'...\' on port" line, hosting a WAV file; cold = empty cache dir, warm = second start',
      runs: RUNS,
      sizesMb: { 'auralync-linux-x64': sizeMb('auralync-linux-x64'), 'auralync-win-x64.exe': sizeMb('auralync-win-x64.exe') },
      cold: summary(cold),
      warm: summary(warm),
      ...(unpackaged.length > 0 ? { unpackagedNode: summary(unpackaged) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runPackagedStart(), null, 2));
  process.exit(0);
}
