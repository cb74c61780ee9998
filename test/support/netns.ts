/**
 * Network namespaces for discovery tests (root only): each lab gets namespaces named uniquely for this
 * run, joined by a veth pair or alone on loopback, with addresses only from one private /24 that exists
 * inside them. Nothing here sends a packet anywhere else; cleanup() kills what the lab started and
 * deletes its namespaces.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MAIN_JS } from './cli.js';

/** The user-space netem stand-in (test/support/lossy-link.py; tsc does not copy it to out/). */
const LOSSY_LINK = fileURLToPath(new URL('../../../test/support/lossy-link.py', import.meta.url));

/** What a lossy link does to every packet, each way: like `netem delay D J loss L%`. */
export interface LinkImpairment {
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly lossPercent: number;
  /** Seed of the loss and jitter draws, so a run can be repeated. */
  readonly seed: number;
  /** Where the emulator logs each time it ran late (LOSSY_LINK_STALLS of test/support/lossy-link.py); none by default. */
  readonly stallLog?: string;
  /** Where it logs each time nothing came from the first namespace's end for over 40 ms (LOSSY_LINK_QUIET); none by default. */
  readonly quietLog?: string;
}

const PREFIX = 'auralync-t';

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return "'ip netns' is not available (install iproute2)";
  return undefined;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Deletes namespaces left by earlier runs whose process is gone (a run killed before its after()). */
function deleteStaleNamespaces(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) spawnSync('ip', ['netns', 'del', name]);
  }
}

/** A set of namespaces and the processes started in them. */
export class NetnsLab {
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly tag = randomBytes(3).toString('hex');
  /** Third octet of this lab's private /24 (10.213.X.0/24), random per run. */
  private readonly octet = 1 + (randomBytes(1)[0] as number) % 250;

  constructor() {
    deleteStaleNamespaces();
  }

  /** A namespace with only loopback, multicast on, and the multicast route on lo. */
  addLoopback(role: string): string {
    const ns = this.create(role);
    ip(['-n', ns, 'link', 'set', 'lo', 'multicast', 'on']);
    ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lo']);
    return ns;
  }

  /** Two namespaces joined by a veth pair: `a` gets 10.213.X.1/24 on deviceA, `b` 10.213.X.2/24 on deviceB. */
  addPair(roleA: string, roleB: string): { a: string; b: string; addressA: string; addressB: string; deviceA: string; deviceB: string } {
    const a = this.create(roleA);
    const b = this.create(roleB);
    const deviceA = `al${this.tag}a`;
    const deviceB = `al${this.tag}b`;
    ip(['link', 'add', deviceA, 'netns', a, 'type', 'veth', 'peer', 'name', deviceB, 'netns', b]);
    const addressA = this.address(1);
    const addressB = this.address(2);
    for (const [ns, device, address] of [[a, deviceA, addressA], [b, deviceB, addressB]] as const) {
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', device]);
      ip(['-n', ns, 'link', 'set', device, 'multicast', 'on', 'up']);
      ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', device]);
    }
    return { a, b, addressA, addressB, deviceA, deviceB };
  }

  /** Address `host` (1..254) of this lab's /24. */
  address(host: number): string {
    return `10.213.${this.octet}.${host}`;
  }

  /** Moves namespace `ns`'s address on `device` from `from` to `to` (a host "coming back elsewhere"). */
  moveAddress(ns: string, device: string, from: string, to: string): void {
    ip(['-n', ns, 'addr', 'del', `${from}/24`, 'dev', device]);
    ip(['-n', ns, 'addr', 'add', `${to}/24`, 'dev', device]);
    // Removing a device's last address removed its routes, the multicast one included.
    ip(['-n', ns, 'route', 'replace', '224.0.0.0/4', 'dev', device]);
  }

  /** Takes `device` in `ns` down (the link is cut: nothing passes either way) or back up. */
  setLink(ns: string, device: string, up: boolean): void {
    ip(['-n', ns, 'link', 'set', device, up ? 'up' : 'down']);
    // Taking a device down removed its routes, the multicast one included.
    if (up) ip(['-n', ns, 'route', 'replace', '224.0.0.0/4', 'dev', device]);
  }

  /**
   * Two namespaces joined by an impaired point-to-point link: delay, jitter and loss each way, applied by
   * test/support/lossy-link.py to every IP packet (these kernels have no netem). Needs python3 and /dev/net/tun.
   * `blackHole(true)` then loses every packet until `blackHole(false)`, both ends staying up.
   */
  async addLossyPair(
    roleA: string,
    roleB: string,
    impairment: LinkImpairment,
  ): Promise<{ a: string; b: string; addressA: string; addressB: string; deviceA: string; deviceB: string; blackHole: (on: boolean) => void }> {
    const a = this.create(roleA);
    const b = this.create(roleB);
    const [deviceA, deviceB] = [`al${this.tag}x`, `al${this.tag}y`];
    const [addressA, addressB] = [this.address(1), this.address(2)];
    const { delayMs, jitterMs, lossPercent, seed, stallLog, quietLog } = impairment;
    const env = { ...process.env };
    if (stallLog !== undefined) env.LOSSY_LINK_STALLS = stallLog;
    if (quietLog !== undefined) env.LOSSY_LINK_QUIET = quietLog;
    const child = spawn('python3', [LOSSY_LINK, a, b, deviceA, deviceB, addressA, addressB, String(delayMs), String(jitterMs), String(lossPercent), String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`the lossy link did not come up: ${output}`)), 10_000);
      const onData = (bytes: Buffer) => {
        output += bytes.toString();
        if (/^ready$/m.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the lossy link exited (${code}): ${output.trim()}`));
      });
    });
    // A black hole loses every packet while both ends stay up: no local error tells either TCP stack.
    const blackHole = (on: boolean) => child.kill(on ? 'SIGUSR1' : 'SIGUSR2');
    return { a, b, addressA, addressB, deviceA, deviceB, blackHole };
  }

  /** Runs `auralync ...args` (the compiled CLI) inside `ns`, with stdout and stderr piped. */
  spawnCli(ns: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    const base = { ...process.env };
    delete base.AURALYNC_DISCOVERY; // these tests are about discovery, whatever the outer run turned off
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, MAIN_JS, ...args], {
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs any command inside `ns` (killed by cleanup like the rest). */
  spawnIn(ns: string, command: string, args: string[], cwd?: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Kills every process the lab started and deletes its namespaces; safe to call twice. */
  async cleanup(): Promise<void> {
    const exits = [...this.children].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }));
    await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 3000))]);
    for (const ns of this.namespaces.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns]);
  }

  private create(role: string): string {
    const ns = `${PREFIX}${process.pid}-${this.tag}-${role}`;
    ip(['netns', 'add', ns]);
    this.namespaces.push(ns);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }
}

/** Collects a child's output lines, each with the time it arrived [ms, Date.now()]. */
export class OutputLog {
  readonly lines: { atMs: number; stream: 'stdout' | 'stderr'; text: string }[] = [];

  constructor(child: ChildProcess) {
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream]?.on('data', (bytes: Buffer) => {
        const atMs = Date.now();
        partial += bytes.toString();
        const parts = partial.split('\n');
        partial = parts.pop() ?? '';
        for (const text of parts) this.lines.push({ atMs, stream, text });
      });
    }
  }

  /** The first line at or after `sinceMs` matching `pattern`. */
  find(pattern: RegExp, sinceMs = 0): { atMs: number; text: string } | undefined {
    return this.lines.find((line) => line.atMs >= sinceMs && pattern.test(line.text));
  }

  /** Waits for such a line; rejects after `timeoutMs` with what was seen. */
  async waitFor(pattern: RegExp, timeoutMs: number, sinceMs = 0): Promise<{ atMs: number; text: string }> {
    const started = Date.now();
    for (;;) {
      const line = this.find(pattern, sinceMs);
      if (line !== undefined) return line;
      if (Date.now() - started > timeoutMs) {
        const seen = this.lines.slice(-12).map((l) => `${l.stream}: ${l.text}`).join('\n');
        throw new Error(`no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${seen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Everything printed so far. */
  text(): string {
    return this.lines.map((line) => line.text).join('\n');
  }
}
