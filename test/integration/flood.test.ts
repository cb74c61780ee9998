/** Floods on 127.0.0.1 (issue 7): idle connections, slow handshakes and connect/disconnect churn must not hurt a listener already playing. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavFileSink } from '../../src/adapters/audio/file-sink.js';
import { TcpConnector } from '../../src/adapters/net/tcp-connector.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { ListenerSession } from '../../src/app/listener-session.js';
import { FrameType } from '../../src/core/v2-frames.js';
import { findOffset, readWavS16, writeTestWav } from '../support/audio-files.js';
import { startLoopbackHost } from '../support/loopback-host.js';
import { waitFor } from '../support/wait-for.js';

/** Idle connections to open: 1 000, or fewer where the open-file limit (both ends live in this process) is lower. */
function idleConnections(): number {
  const limits = (() => {
    try {
      return readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return '';
    }
  })();
  const soft = Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? 1024);
  const count = Math.min(1000, Math.floor((soft - 400) / 2));
  if (count < 1000) console.log(`      open-file limit ${soft}: ${count} idle connections instead of 1 000 (.ci/run raises it)`);
  return count;
}

/** The well-behaved listener whose stream every flood must leave intact; resolves once it plays. */
async function startGoodListener(port: number, output: string, accessCode?: string): Promise<ListenerSession> {
  const listener = new ListenerSession({
    host: '127.0.0.1',
    port,
    connector: new TcpConnector(),
    sink: await WavFileSink.create(output),
    clock: systemClock,
    protocol: 'v2',
    boost: 1,
    latencyMs: 60,
    name: 'good',
    accessCode,
  });
  await listener.start();
  await waitFor(() => listener.stats().framesReceived > 4800, 5000, 'the good listener to play');
  return listener;
}

describe('floods on 127.0.0.1', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-flood-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('up to 1 000 idle connections and 200 connect/disconnect cycles: the playing listener misses nothing and stays bit-exact', async () => {
    const input = join(dir, 'in.wav');
    const output = join(dir, 'out.wav');
    const original = writeTestWav(input, { seconds: 8, kind: 'noise' });
    const host = await startLoopbackHost(input, 'pcm', { maxListeners: 16 });
    const listener = await startGoodListener(host.port, output);
    const sockets: Socket[] = [];
    try {
      const idle = idleConnections();
      for (let i = 0; i < idle; i++) {
        const socket = connect({ host: '127.0.0.1', port: host.port });
        socket.on('error', () => {});
        sockets.push(socket);
      }
      for (let i = 0; i < 200; i++) {
        const socket = connect({ host: '127.0.0.1', port: host.port });
        socket.on('error', () => {});
        socket.on('connect', () => socket.destroy());
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const listeners = host.stats().listeners;
      assert.ok(listeners.length <= 16, `the listener limit held: ${listeners.length}`);
      assert.ok(listeners.some((l) => l.name === 'good'), 'the good listener kept its place');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(listener.stats().missingPackets, 0, 'no packet dropped for the good listener');
    assert.equal(listener.stats().reconnects, 0);
    await listener.stop();
    await host.stop();
    const out = readWavS16(output);
    const offset = findOffset(original, out.samples);
    assert.ok(offset >= 0);
    assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length), 'bit-exact through the flood');
  });

  it('slow-loris handshakes and wrong-code churn against a host with an access code: all cut at the deadline, the listener misses nothing', async () => {
    const input = join(dir, 'in.wav');
    const output = join(dir, 'out.wav');
    const original = writeTestWav(input, { seconds: 12, kind: 'noise' });
    const code = 'K7QX-M2PD';
    const host = await startLoopbackHost(input, 'pcm', { maxListeners: 16, accessCode: code });
    const refused: string[] = [];
    host.on((event) => {
      if (event.type === 'refused') refused.push(event.reason);
    });
    const listener = await startGoodListener(host.port, output, code);
    // A Hello header promising 4 000 bytes, then one byte every 200 ms: never finished.
    const header = Buffer.from([FrameType.Hello, 0, 0, 0x0f, 0xa0]);
    const slow: Socket[] = [];
    const closedAt = new Map<Socket, number>();
    const openedAt = Date.now();
    const drip = setInterval(() => {
      for (const socket of slow) if (!socket.destroyed) socket.write(Buffer.from(' '));
    }, 200);
    try {
      for (let i = 0; i < 300; i++) {
        const socket = connect({ host: '127.0.0.1', port: host.port });
        socket.on('error', () => {});
        socket.on('connect', () => socket.write(header));
        socket.on('close', () => closedAt.set(socket, Date.now()));
        slow.push(socket);
      }
      // Churn of listeners with wrong codes: each is refused (and counted by the rate limit).
      for (let i = 0; i < 20; i++) {
        const wrong = new ListenerSession({
          host: '127.0.0.1', port: host.port, connector: new TcpConnector(), sink: await WavFileSink.create(join(dir, `wrong-${i}.wav`)),
          clock: systemClock, protocol: 'v2', boost: 1, latencyMs: 60, name: `wrong ${i}`, accessCode: `WRONG-${i}000`,
        });
        const rejected = new Promise<string>((resolve) => wrong.on((event) => event.type === 'rejected' && resolve(event.code)));
        await wrong.start();
        const why = await rejected;
        await wrong.stop();
        assert.ok(why === 'bad-code' || why === 'rate-limited', why);
        assert.equal(wrong.stats().framesReceived, 0, 'a wrong code gets no audio');
      }
      await waitFor(() => slow.every((socket) => closedAt.has(socket)), 12_000, 'the host to cut every slow handshake');
    } finally {
      clearInterval(drip);
      for (const socket of slow) socket.destroy();
    }
    const latest = Math.max(...closedAt.values()) - openedAt;
    assert.ok(latest < 10_000, `slow handshakes cut by the 5 s deadline (last after ${latest} ms)`);
    assert.ok(refused.includes('wrong access code'), refused.join('; '));
    assert.ok(refused.some((r) => /too many wrong access codes/.test(r)), 'guesses were rate-limited');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(listener.stats().missingPackets, 0, 'no packet dropped for the good listener');
    assert.equal(listener.stats().reconnects, 0);
    await listener.stop();
    await host.stop();
    const out = readWavS16(output);
    const offset = findOffset(original, out.samples);
    assert.ok(offset >= 0);
    assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length), 'bit-exact (decrypted) through the attack');
  });
});
