/** Runs the real CLI (compiled out/src/main.js, or AURALYNC_BIN when set, e.g. the packaged binary). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The compiled entry point. */
export const MAIN_JS = join(here, '..', '..', 'src', 'main.js');

/**
 * Spawns `auralync ...args`. mDNS is off unless `env` turns it on: tests in the root namespace must not
 * send multicast onto the machine's real network (the discovery tests run inside their own namespaces).
 */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const bin = process.env.AURALYNC_BIN;
  const [command, argv] = bin ? [bin, args] : [process.execPath, [MAIN_JS, ...args]];
  return spawn(command, argv, { env: { ...process.env, AURALYNC_DISCOVERY: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Spawns `auralync ...args` on a pseudo-terminal 200 columns wide (util-linux `script`), so it draws its live
 * status as on a user's terminal; everything the terminal shows comes out on the child's stdout.
 */
export function spawnCliOnTerminal(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const bin = process.env.AURALYNC_BIN;
  const argv = bin ? [bin, ...args] : [process.execPath, MAIN_JS, ...args];
  const quoted = argv.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('script', ['-qfec', `stty cols 200 rows 50; exec ${quoted}`, '/dev/null'], {
    env: { ...process.env, AURALYNC_DISCOVERY: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `auralync ...args` to completion (killed after timeoutMs); returns its exit code and output. */
export function runCli(args: string[], timeoutMs = 15_000, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves when the child's stderr has printed a line matching `pattern`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; saw: ${seen.slice(-500)}`)), timeoutMs);
    const onData = (bytes: Buffer) => {
      seen += bytes.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(match[0]);
      }
    };
    child.stderr?.on('data', onData);
  });
}
