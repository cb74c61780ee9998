/**
 * Host → listeners over real TCP on 127.0.0.1: a host fed from a WAV file, listeners writing WAV files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavFileSink } from '../../src/adapters/audio/file-sink.js';
import { TcpConnector } from '../../src/adapters/net/tcp-connector.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import type { HostEvent } from '../../src/app/host-session.js';
import { ListenerSession, type ListenerEvent } from '../../src/app/listener-session.js';
import { Backoff } from '../../src/core/backoff.js';
import type { CodecName } from '../../src/core/handshake.js';
import { encodeV1Packet } from '../../src/core/v1-packets.js';
import { encodeJsonFrame, FrameType } from '../../src/core/v2-frames.js';
import { opusDecoderFactory } from '../../src/adapters/audio/audio-backend.js';
import { findOffset, readWavS16, writeTestWav } from '../support/audio-files.js';
import { startLoopbackHost } from '../support/loopback-host.js';
import { waitFor } from '../support/wait-for.js';

describe('streaming over TCP on 127.0.0.1', function () {
  this.timeout(60_000);
  let dir: string;
  const running: { stop(): Promise<void> }[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-stream-'));
  });

  afterEach(async () => {
    for (const session of running.splice(0).reverse()) await session.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startHost(input: string, codec: CodecName = 'pcm', port = 0) {
    const events: HostEvent[] = [];
    const host = await startLoopbackHost(input, codec, { port });
    host.on((event) => events.push(event));
    running.push(host);
    return { host, events, ended: () => events.some((e) => e.type === 'source-ended') };
  }

  async function startListener(port: number, output: string, protocol: 'v1' | 'v2' = 'v2') {
    const events: ListenerEvent[] = [];
    const listener = new ListenerSession({
      opusDecoderFactory: opusDecoderFactory(),
      host: '127.0.0.1',
      port,
      connector: new TcpConnector(),
      sink: await WavFileSink.create(output),
      clock: systemClock,
      protocol,
      boost: 1,
      latencyMs: 60,
      name: output,
      backoff: new Backoff(50, 200),
    });
    listener.on((event) => events.push(event));
    await listener.start();
    running.push(listener);
    return { listener, events };
  }

  it('delivers PCM bit-exact to three listeners at once', async () => {
    const input = join(dir, 'in.wav');
    const original = writeTestWav(input, { seconds: 3, kind: 'noise' });
    const { host, ended } = await startHost(input, 'pcm');
    const listeners = await Promise.all([0, 1, 2].map((i) => startListener(host.port, join(dir, `out${i}.wav`))));
    await waitFor(ended, 10_000, 'the input to end');
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const { listener } of listeners) {
      assert.equal(listener.stats().missingPackets, 0);
      await listener.stop();
    }
    for (let i = 0; i < 3; i++) {
      const out = readWavS16(join(dir, `out${i}.wav`));
      assert.equal(out.sampleRate, 48_000);
      assert.ok(out.samples.length > original.length * 0.8, `listener ${i} got ${out.samples.length} of ${original.length} samples`);
      const offset = findOffset(original, out.samples);
      assert.ok(offset >= 0, `listener ${i}: output found in the input`);
      assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length), `listener ${i} is bit-exact`);
    }
  });

  it('delivers Opus to three listeners at over 25 dB SNR after alignment', async () => {
    const input = join(dir, 'in.wav');
    const original = writeTestWav(input, { seconds: 3, kind: 'tones' });
    const { host, ended } = await startHost(input, 'opus');
    const listeners = await Promise.all([0, 1, 2].map((i) => startListener(host.port, join(dir, `opus${i}.wav`))));
    await waitFor(ended, 10_000, 'the input to end');
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const { listener, events } of listeners) {
      assert.ok(events.some((e) => e.type === 'connected' && e.codec === 'opus'), 'the stream was Opus');
      assert.equal(listener.stats().missingPackets, 0);
      await listener.stop();
    }
    const left = (samples: Int16Array) => Float64Array.from({ length: samples.length / 2 }, (_, i) => (samples[2 * i] as number) / 32768);
    const reference = left(original);
    for (let i = 0; i < 3; i++) {
      const out = left(readWavS16(join(dir, `opus${i}.wav`)).samples);
      assert.ok(out.length > 48_000, `listener ${i} got ${out.length} frames`);
      // The test signal repeats every 1200 frames (440 + 1000 Hz), so any alignment within two periods finds the best.
      const window = out.subarray(12_000, 36_000);
      let best = -Infinity;
      for (let offset = 0; offset < 2400; offset++) {
        let signal = 0;
        let noise = 0;
        for (let k = 0; k < window.length; k++) {
          const r = reference[offset + k] as number;
          const d = r - (window[k] as number);
          signal += r * r;
          noise += d * d;
        }
        best = Math.max(best, 10 * Math.log10(signal / Math.max(noise, 1e-20)));
      }
      console.log(`      opus listener ${i}: SNR ${best.toFixed(1)} dB after alignment`);
      assert.ok(best > 25, `listener ${i}: SNR ${best.toFixed(1)} dB`);
    }
  });

  it('gives the other listeners zero gaps while one stops reading, with bounded host queues', async () => {
    const input = join(dir, 'in.wav');
    const original = writeTestWav(input, { seconds: 8, kind: 'noise' });
    const { host, ended, events } = await startHost(input, 'pcm');
    // The stalled listener: says hello, then never reads another byte.
    const stalled: Socket = connect({ host: '127.0.0.1', port: host.port });
    stalled.on('error', () => {});
    stalled.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name: 'stalled' }));
    stalled.pause();
    const good = await Promise.all([0, 1].map((i) => startListener(host.port, join(dir, `good${i}.wav`))));
    let maxQueued = 0;
    while (!ended()) {
      for (const listener of host.stats().listeners) maxQueued = Math.max(maxQueued, listener.queuedFrames);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stalledStats = host.stats().listeners.find((l) => l.name === 'stalled');
    const stalledLeft = events.some((e) => e.type === 'listener-left' && e.name === 'stalled');
    assert.ok(maxQueued <= 20, `host queue per listener stayed ≤ 200 ms of audio (max ${maxQueued} packets)`);
    assert.ok(stalledLeft || (stalledStats?.droppedFrames ?? 0) > 0, 'the stalled listener lost its own stale audio or was removed');
    for (const [i, { listener }] of good.entries()) {
      assert.equal(listener.stats().missingPackets, 0, `good listener ${i} missed nothing`);
      await listener.stop();
      const out = readWavS16(join(dir, `good${i}.wav`));
      const offset = findOffset(original, out.samples);
      assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length), `good listener ${i} is bit-exact`);
    }
    stalled.destroy();
  });

  it('rejoins a restarted host and the stream resumes', async () => {
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: 20, kind: 'tones' });
    const first = await startHost(input, 'pcm');
    const port = first.host.port;
    const { listener, events } = await startListener(port, join(dir, 'out.wav'));
    await waitFor(() => listener.stats().framesReceived > 4800, 5000, 'audio from the first host');
    await first.host.stop();
    await waitFor(() => events.some((e) => e.type === 'stream-lost'), 5000, 'the listener to notice');
    const before = listener.stats().framesReceived;
    await startHost(input, 'pcm', port);
    await waitFor(() => listener.stats().framesReceived > before + 4800, 10_000, 'audio from the restarted host');
    assert.equal(events.filter((e) => e.type === 'connected').length, 2);
  });

  it('a listener whose connection goes quiet comes back on a new one: the host replaces the old one and counts it once', async () => {
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: 20, kind: 'tones' });
    const { host, events } = await startHost(input, 'pcm');
    const relay = await startRelay(host.port);
    try {
      const { listener, events: heard } = await startListener(relay.port, join(dir, 'out.wav'));
      await waitFor(() => listener.stats().framesReceived > 9600, 5000, 'audio through the relay');
      // Both ends stay up and nothing crosses, as on Wi-Fi that swallows every packet.
      relay.stallAll();
      await waitFor(() => heard.some((e) => e.type === 'stream-lost'), 5000, 'the listener to give the quiet connection up');
      const before = listener.stats().framesReceived;
      await waitFor(() => listener.stats().framesReceived > before + 9600, 5000, 'audio on the new connection');
      const roster = events.filter((e) => e.type.startsWith('listener-')).map((e) => e.type);
      assert.deepEqual(roster, ['listener-joined', 'listener-rejoined'], 'one join, then a rejoin: never a leave');
      assert.equal(host.stats().listeners.length, 1, 'the old connection is gone at once, not 4.5 s later');
    } finally {
      relay.close();
    }
  });

  it('serves the v1 stream to a client that sends nothing: 4-byte big-endian length + 1024 float32 stereo frames', async () => {
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: 3, kind: 'tones' });
    const { host } = await startHost(input, 'opus');
    const socket = connect({ host: '127.0.0.1', port: host.port });
    const chunks: Buffer[] = [];
    socket.on('data', (bytes) => chunks.push(bytes));
    await waitFor(() => Buffer.concat(chunks).length > 3 * 8196, 5000, 'three v1 packets');
    socket.destroy();
    const wire = Buffer.concat(chunks);
    for (let i = 0, offset = 0; i < 3; i++, offset += 8196) assert.equal(wire.readUInt32BE(offset), 8192);
  });

  it('plays an original v1 server (44.1 kHz) resampled to 48 kHz', async () => {
    // A v1 server as the original AuraLync wrote it: packets of 1024 frames of a 1 kHz sine, 44.1 kHz.
    let phase = 0;
    const server = createServer((socket) => {
      socket.on('error', () => {});
      const timer = setInterval(() => {
        const samples = new Float32Array(2048);
        for (let i = 0; i < 1024; i++, phase++) samples[2 * i] = samples[2 * i + 1] = 0.5 * Math.sin((2 * Math.PI * 1000 * phase) / 44_100);
        socket.write(encodeV1Packet(samples));
      }, 23);
      socket.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    running.push({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    const { listener } = await startListener(address.port, join(dir, 'v1.wav'), 'v1');
    await waitFor(() => listener.stats().framesReceived > 48_000, 5000, 'a second of v1 audio');
    await listener.stop();
    const out = readWavS16(join(dir, 'v1.wav'));
    assert.equal(out.sampleRate, 48_000);
    // Count zero crossings of the left channel over the middle: 1 kHz → ~2000 per second at 48 kHz.
    const left = Array.from({ length: out.samples.length / 2 }, (_, i) => out.samples[2 * i] as number).slice(4800, 4800 + 48_000 / 2);
    let crossings = 0;
    for (let i = 1; i < left.length; i++) if ((left[i - 1] as number) < 0 !== (left[i] as number) < 0) crossings++;
    assert.ok(Math.abs(crossings - 1000) <= 5, `1 kHz preserved: ${crossings} crossings in 0.5 s`);
    const peak = Math.max(...left.map(Math.abs)) / 32768;
    assert.ok(Math.abs(peak - 0.5) < 0.02, `level preserved: peak ${peak.toFixed(3)}`);
  });

  it('closes a peer that sends garbage and keeps streaming to the others', async () => {
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: 3, kind: 'noise' });
    const { host } = await startHost(input, 'pcm');
    const { listener } = await startListener(host.port, join(dir, 'out.wav'));
    const garbage = connect({ host: '127.0.0.1', port: host.port });
    garbage.on('error', () => {});
    garbage.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    let closed = false;
    garbage.on('close', () => (closed = true));
    await waitFor(() => closed, 3000, 'the host to drop the garbage peer');
    const before = listener.stats().framesReceived;
    await waitFor(() => listener.stats().framesReceived > before + 9600, 5000, 'the good listener to keep receiving');
    assert.equal(listener.stats().missingPackets, 0);
  });
});

/**
 * A TCP relay on 127.0.0.1 to `port`. stallAll() freezes every connection it carries (nothing crosses either
 * way and neither end is told), while new connections pass as usual.
 */
async function startRelay(port: number): Promise<{ port: number; stallAll(): void; close(): void }> {
  const pairs: { inbound: Socket; outbound: Socket; stalled: boolean }[] = [];
  const server = createServer((inbound) => {
    const outbound = connect({ host: '127.0.0.1', port });
    const pair = { inbound, outbound, stalled: false };
    pairs.push(pair);
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]] as const) {
      from.on('data', (bytes) => {
        if (!pair.stalled) to.write(bytes);
      });
      from.on('error', () => {});
      from.on('close', () => {
        if (!pair.stalled) to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    stallAll: () => {
      for (const pair of pairs) pair.stalled = true;
    },
    close: () => {
      server.close();
      for (const { inbound, outbound } of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
    },
  };
}
