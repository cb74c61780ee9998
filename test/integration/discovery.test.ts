/**
 * Discovery as users meet it: the real CLI in network namespaces created (and deleted) by the test, so
 * no mDNS packet ever reaches a real network. Needs root and iproute2; skipped otherwise.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTestWav } from '../support/audio-files.js';
import { netnsUnavailableReason, NetnsLab, OutputLog } from '../support/netns.js';
import { waitFor } from '../support/wait-for.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Runs `auralync ...args` in `ns` to completion. */
async function runIn(lab: NetnsLab, ns: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = lab.spawnCli(ns, args, env);
  const log = new OutputLog(child);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const of = (stream: 'stdout' | 'stderr') => log.lines.filter((l) => l.stream === stream).map((l) => l.text).join('\n');
  return { code, stdout: of('stdout'), stderr: of('stderr') };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

describe('discovery over mDNS (network namespaces)', function () {
  this.timeout(90_000);
  let lab: NetnsLab;
  let dir: string;
  let wav: string;

  before(function () {
    const reason = netnsUnavailableReason();
    if (reason !== undefined) {
      console.log(`    (skipped: ${reason})`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'auralync-discovery-'));
    wav = join(dir, 'in.wav');
    writeTestWav(wav, { seconds: 120, kind: 'noise' });
  });

  beforeEach(() => {
    lab = new NetnsLab();
  });

  afterEach(async () => {
    await lab?.cleanup();
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const hostArgs = (name: string, extra: string[] = []) => ['host', '--input', wav, '--codec', 'pcm', '--name', name, ...extra];
  const config = (who: string) => ({ XDG_CONFIG_HOME: join(dir, `config-${who}`) });

  it('finds a host (with an access code) on another machine, plays it by name, drops it when killed and follows it to a new address', async () => {
    const { a, b, addressA, deviceA } = lab.addPair('host', 'lsn');
    const output = join(dir, 'pair-out.wav');
    const withCode = ['--code', 'K7QX-M2PD'];
    let host = lab.spawnCli(a, hostArgs('Test room', withCode), config('pair'));
    let hostLog = new OutputLog(host);
    await hostLog.waitFor(/advertised as 'Test room \([0-9a-f]{4}\)'/, 10_000);

    const listing = await runIn(lab, b, ['hosts', '--json', '--timeout', '1.5']);
    assert.equal(listing.code, 0, listing.stderr);
    const hosts = JSON.parse(listing.stdout) as { displayName: string; address: string; port: number; codecs: string[]; listeners: number; hostId: string; codeRequired: boolean }[];
    assert.equal(hosts.length, 1, listing.stdout);
    // pcm first (its --codec); opus follows only where the Opus addon is installed.
    assert.deepEqual(
      [hosts[0]?.displayName, hosts[0]?.address, hosts[0]?.port, hosts[0]?.codecs[0], hosts[0]?.listeners, hosts[0]?.codeRequired],
      ['Test room', addressA, 50007, 'pcm', 0, true],
    );
    const table = await runIn(lab, b, ['hosts', '--timeout', '1']);
    assert.match(table.stdout, /^NAME\s+ADDRESS\s+PORT\s+CODEC\s+LISTENERS\s+CODE\s+ID\nTest room\s+10\.213\.\d+\.1\s+50007\s+pcm\s+0\s+yes\s+[0-9a-f]{4}$/);

    const watch = lab.spawnCli(b, ['hosts', '--watch']);
    const watchLog = new OutputLog(watch);
    await watchLog.waitFor(/^\+ Test room \([0-9a-f]{4}\) at 10\.213\.\d+\.1:50007, pcm, 0 listeners$/, 5000);

    const listener = lab.spawnCli(b, ['listen', 'test ROOM', '--output', output, '--name', 'Ann', '--code', 'k7qx m2pd']);
    const listenerLog = new OutputLog(listener);
    await hostLog.waitFor(/\+ Ann joined from .*10\.213\.\d+\.2/, 10_000);
    await waitFor(() => fileSize(output) > 48_000 * 2 * 2, 10_000, 'a second of audio in the file');
    await watchLog.waitFor(/^~ Test room .* 1 listener$/, 5000);

    // SIGKILL: no goodbye. Liveness must notice within 6 s.
    const killedAt = Date.now();
    host.kill('SIGKILL');
    await exited(host);
    const gone = await watchLog.waitFor(/^- Test room \([0-9a-f]{4}\) stopped answering$/, 8000, killedAt);
    assert.ok(gone.atMs - killedAt <= 6000, `gone after ${gone.atMs - killedAt} ms`);

    // The host comes back at another address; it must be listed again within 2 s and the listener follow it.
    const newAddress = lab.address(3);
    lab.moveAddress(a, deviceA, addressA, newAddress);
    const sizeBefore = fileSize(output);
    host = lab.spawnCli(a, hostArgs('Test room', withCode), config('pair'));
    hostLog = new OutputLog(host);
    const back = await hostLog.waitFor(/^hosting 'Test room'/, 10_000);
    const listed = await watchLog.waitFor(new RegExp(`^\\+ Test room \\([0-9a-f]{4}\\) at ${newAddress.replace(/\./g, '\\.')}:50007`), 5000, killedAt);
    assert.ok(listed.atMs - back.atMs <= 2000, `listed again ${listed.atMs - back.atMs} ms after the host was back`);
    await listenerLog.waitFor(new RegExp(`'Test room' is now at ${newAddress.replace(/\./g, '\\.')}:50007`), 20_000);
    await waitFor(() => fileSize(output) > sizeBefore + 48_000 * 2 * 2, 20_000, 'the listener to resume writing');

    watch.kill('SIGINT');
    assert.equal(await exited(watch), 0, 'Ctrl-C ends hosts --watch with exit code 0');
    host.kill('SIGTERM');
    assert.equal(await exited(host), 0);
    listener.kill('SIGINT');
    await exited(listener);
  });

  it('finds a host on a loopback-only machine, and sees it leave at once on SIGTERM, SIGINT and end of input', async () => {
    const ns = lab.addLoopback('lo');
    const watch = lab.spawnCli(ns, ['hosts', '--watch']);
    const watchLog = new OutputLog(watch);
    const short = join(dir, 'short.wav');
    writeTestWav(short, { seconds: 3, kind: 'tones' });

    const cases: [string, string[], ((child: ChildProcess) => void) | undefined][] = [
      ['Term', hostArgs('Term'), (child) => child.kill('SIGTERM')],
      ['Int', hostArgs('Int'), (child) => child.kill('SIGINT')],
      ['Ends', ['host', '--input', short, '--codec', 'pcm', '--name', 'Ends'], undefined],
    ];
    for (const [name, args, stop] of cases) {
      const host = lab.spawnCli(ns, args, config(`lo-${name}`));
      await watchLog.waitFor(new RegExp(`^\\+ ${name} \\([0-9a-f]{4}\\) at 127\\.0\\.0\\.1:50007, pcm, 0 listeners$`), 5000);
      const listing = await runIn(lab, ns, ['hosts', '--json', '--timeout', '1']);
      const found = JSON.parse(listing.stdout) as { displayName: string; address: string }[];
      assert.deepEqual(found.map((h) => [h.displayName, h.address]), [[name, '127.0.0.1']]);
      const stoppedAt = Date.now();
      stop?.(host);
      assert.equal(await exited(host), 0, `${name} exits cleanly`);
      const gone = await watchLog.waitFor(new RegExp(`^- ${name} \\([0-9a-f]{4}\\) stopped$`), 4000, stoppedAt);
      assert.ok(gone.atMs - stoppedAt <= 2000, `${name}: gone ${gone.atMs - stoppedAt} ms after the stop (goodbye, not expiry)`);
    }
    assert.doesNotMatch(watchLog.text(), /stopped answering/, 'every clean stop sent goodbyes');
    watch.kill('SIGINT');
    assert.equal(await exited(watch), 0);
  });

  it('keeps two hosts with the same name apart and refuses to guess between them', async () => {
    const ns = lab.addLoopback('twins');
    const first = lab.spawnCli(ns, hostArgs('Twin', ['--port', '50010']), config('twin-1'));
    const second = lab.spawnCli(ns, hostArgs('Twin', ['--port', '50011']), config('twin-2'));
    await new OutputLog(first).waitFor(/advertised as/, 10_000);
    await new OutputLog(second).waitFor(/advertised as/, 10_000);
    const listing = await runIn(lab, ns, ['hosts', '--json', '--timeout', '1.5']);
    const hosts = JSON.parse(listing.stdout) as { displayName: string; instanceName: string; port: number; hostId: string }[];
    assert.deepEqual(hosts.map((h) => h.port).sort(), [50010, 50011]);
    assert.notEqual(hosts[0]?.instanceName, hosts[1]?.instanceName, 'instance names are unique per host');
    const result = await runIn(lab, ns, ['listen', 'twin', '--output', join(dir, 'twin.wav'), '--timeout', '2']);
    assert.equal(result.code, 2, 'a usage problem: the name does not pick one host');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] as string, /^auralync: 2 hosts are named 'twin' \([0-9a-f]{4} at 127\.0\.0\.1:5001[01], [0-9a-f]{4} at 127\.0\.0\.1:5001[01]\)/);
  });

  it('logs bad records once, ignores garbage and keeps listing the good host', async () => {
    const ns = lab.addLoopback('rogue');
    const host = lab.spawnCli(ns, hostArgs('Good host'), config('rogue'));
    await new OutputLog(host).waitFor(/advertised as/, 10_000);
    // A rogue responder on the same link: bad port, no TXT, garbage TXT, and undecodable packets.
    const rogueScript = `
      const mdns = require('multicast-dns')();
      const dgram = require('node:dgram');
      const raw = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      const T = '_auralync._tcp.local';
      const ptr = (i) => ({ name: T, type: 'PTR', ttl: 120, data: i + '.' + T });
      mdns.on('query', (q) => {
        if (!q.questions.some((x) => x.name === T)) return;
        mdns.respond({
          answers: [ptr('Bad port (0000)'), ptr('No TXT (0001)'), ptr('Garbage TXT (0002)')],
          additionals: [
            { name: 'Bad port (0000).' + T, type: 'SRV', ttl: 120, data: { port: 0, target: 'rogue' } },
            { name: 'Bad port (0000).' + T, type: 'TXT', ttl: 120, data: ['protocol=2', 'name=Bad port', 'id=00000000aaaa'] },
            { name: 'No TXT (0001).' + T, type: 'SRV', ttl: 120, data: { port: 50010, target: 'rogue' } },
            { name: 'Garbage TXT (0002).' + T, type: 'SRV', ttl: 120, data: { port: 50011, target: 'rogue' } },
            { name: 'Garbage TXT (0002).' + T, type: 'TXT', ttl: 120, data: [Buffer.from([0xff, 0xfe, 0x00, 0x3d]), 'id=zz', '=', 'listeners=lots'] },
          ],
        });
        raw.send(Buffer.from('\\x00\\x00\\x84\\x00\\x00\\x00\\x00\\x05garbage, not DNS'), 5353, '224.0.0.251');
        raw.send(require('node:crypto').randomBytes(40), 5353, '224.0.0.251');
      });
      console.error('rogue ready');
    `;
    // multicast-dns comes with bonjour-service; run from the project root so require() finds it.
    const rogue = lab.spawnIn(ns, process.execPath, ['-e', rogueScript], projectRoot);
    await new OutputLog(rogue).waitFor(/rogue ready/, 5000);
      const result = await runIn(lab, ns, ['hosts', '--timeout', '5']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^NAME.*\nGood host\s+127\.0\.0\.1\s+50007\s+pcm\s+0\s+no\s+[0-9a-f]{4}$/);
      const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
      for (const [name, reason] of [['Bad port \\(0000\\)', 'bad port 0'], ['No TXT \\(0001\\)', 'no TXT record'], ['Garbage TXT \\(0002\\)', 'id']]) {
        const matching = warnings.filter((line) => new RegExp(`'${name}'.*${reason}`).test(line));
        assert.equal(matching.length, 1, `one warning for ${name}; stderr:\n${result.stderr}`);
      }
      assert.ok(warnings.length <= 5, `few warnings in 5 s of garbage:\n${result.stderr}`);
  });

  it('says why nothing was found and how to connect by address', async () => {
    const ns = lab.addLoopback('empty');
    const listing = await runIn(lab, ns, ['hosts', '--timeout', '1']);
    assert.equal(listing.code, 0);
    assert.equal(listing.stdout, '');
    assert.match(listing.stderr, /no AuraLync host answered within 1 s.*firewall.*subnet.*client isolation.*auralync listen 192\.168\.x\.y/);
    const listen = await runIn(lab, ns, ['listen', 'Nobody here', '--timeout', '1', '--output', join(dir, 'nobody.wav')]);
    assert.equal(listen.code, 1);
    assert.equal(listen.stderr.trim().split('\n').length, 1, listen.stderr);
    assert.match(listen.stderr, /^auralync: no host named 'Nobody here' found: no AuraLync host answered.*auralync listen 192\.168\.x\.y/);
  });
});
