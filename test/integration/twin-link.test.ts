/**
 * Twin connections on real sockets (127.0.0.1): a listener's second and third connections carry the same
 * packets; the listener takes each once (bit-exact, nothing doubled); the host lists one listener; and
 * when connections stall as TCP does behind a lost segment (held here for 400 ms, then released in a
 * burst), one left running keeps the sound going where the stalled ones alone run dry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavFileSink } from '../../src/adapters/audio/file-sink.js';
import { NullSink } from '../../src/adapters/audio/null-sink.js';
import { TcpConnector } from '../../src/adapters/net/tcp-connector.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import type { HostSession } from '../../src/app/host-session.js';
import { ListenerSession } from '../../src/app/listener-session.js';
import type { AudioSink } from '../../src/ports/audio-sink.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { findOffset, readWavS16, writeTestWav } from '../support/audio-files.js';
import { startLoopbackHost } from '../support/loopback-host.js';
import { waitFor } from '../support/wait-for.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** TCP, where the first `stallable` connections' incoming bytes can be held back and then released at once. */
class StallableConnector implements ChannelConnector {
  private readonly tcp = new TcpConnector();
  private held: Buffer[][] | undefined;
  private readonly deliver: ((bytes: Buffer) => void)[] = [];
  connections = 0;

  constructor(private readonly stallable = 1) {}

  async connect(host: string, port: number, timeoutMs: number): Promise<ByteChannel> {
    const channel = await this.tcp.connect(host, port, timeoutMs);
    const index = this.connections++;
    if (index >= this.stallable) return channel; // the last twin (or a later connection) runs free
    const onData = channel.onData.bind(channel);
    channel.onData = (handler) => {
      this.deliver[index] = handler;
      onData((bytes) => (this.held === undefined ? handler(bytes) : this.held[index]?.push(bytes)));
    };
    return channel;
  }

  /** Holds the stallable connections' bytes for `ms`, then hands them all over (a head-of-line stall on each). */
  async stall(ms: number): Promise<void> {
    this.held = Array.from({ length: this.stallable }, () => []);
    await sleep(ms);
    const held = this.held;
    this.held = undefined;
    held.forEach((chunks, index) => chunks.forEach((bytes) => this.deliver[index]?.(bytes)));
  }
}

describe('twin connection (real TCP on 127.0.0.1)', function () {
  this.timeout(30_000);
  let dir: string;
  let host: HostSession | undefined;
  let listener: ListenerSession | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-twin-'));
  });

  afterEach(async () => {
    await listener?.stop();
    await host?.stop();
    listener = undefined;
    host = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function listen(port: number, options: { sink: AudioSink; twins: number; connector: ChannelConnector; accessCode?: string }): ListenerSession {
    return new ListenerSession({
      host: '127.0.0.1',
      port,
      connector: options.connector,
      sink: options.sink,
      clock: systemClock,
      protocol: 'v2',
      boost: 1,
      latencyMs: 60,
      name: 'Ann',
      twins: options.twins,
      accessCode: options.accessCode,
    });
  }

  for (const accessCode of [undefined, 'K7QX-M2PD']) {
    it(`takes each packet once from either connection: the file is bit-exact, and the host lists one listener${accessCode ? ' (access code: encrypted on both)' : ''}`, async () => {
      const input = join(dir, 'in.wav');
      const output = join(dir, 'out.wav');
      const original = writeTestWav(input, { seconds: 6, kind: 'noise' });
      host = await startLoopbackHost(input, 'pcm', { accessCode });
      const joined: string[] = [];
      host.on((event) => {
        if (event.type === 'listener-joined') joined.push(event.name);
      });
      listener = listen(host.port, { sink: await WavFileSink.create(output), twins: 2, connector: new TcpConnector(), accessCode });
      await listener.start();
      await waitFor(() => listener!.twinsConnected === 2, 5000, 'both twins to connect');
      await waitFor(() => listener!.stats().framesReceived > 48_000 * 2, 10_000, 'two seconds of audio');
      assert.deepEqual(joined, ['Ann'], 'one listener joined, not two');
      assert.equal(host.stats().listeners.length, 1);
      await listener.stop();
      listener = undefined;
      const out = readWavS16(output);
      const offset = findOffset(original, out.samples);
      assert.ok(offset >= 0 && out.samples.length >= 48_000 * 2 * 2, 'the output is a run of the input');
      assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length), 'bit-exact: no packet doubled or lost');
      await waitFor(() => host!.stats().listeners.length === 0, 5000, 'the host to see the listener (and its twin) go');
    });
  }

  const stalls = [
    { twins: 1, stalled: 1, bridged: true, what: 'a 400 ms stall of the first connection is bridged by the twin: no underrun' },
    { twins: 0, stalled: 1, bridged: false, what: 'a 400 ms stall of the first connection without a twin runs the buffer dry' },
    { twins: 2, stalled: 2, bridged: true, what: 'a 400 ms stall of two connections at once is bridged by the third' },
    { twins: 1, stalled: 2, bridged: false, what: 'a 400 ms stall of both connections of a single twin runs the buffer dry' },
  ];
  for (const { twins, stalled, bridged, what } of stalls) {
    it(what, async () => {
      const input = join(dir, 'in.wav');
      writeTestWav(input, { seconds: 10, kind: 'tones' });
      host = await startLoopbackHost(input, 'pcm');
      const connector = new StallableConnector(stalled);
      listener = listen(host.port, { sink: new NullSink(systemClock), twins, connector });
      await listener.start();
      await waitFor(() => listener!.stats().state === 'playing', 5000, 'playing');
      await waitFor(() => listener!.twinsConnected === twins, 5000, 'the twins to connect');
      await sleep(500);
      const before = listener.stats();
      await connector.stall(400);
      await sleep(500);
      const after = listener.stats();
      assert.equal(connector.connections, twins + 1);
      if (bridged) {
        assert.equal(after.underruns - before.underruns, 0, 'no underrun');
        assert.equal(after.missingPackets - before.missingPackets, 0, 'no packet missing');
      } else {
        assert.ok(after.underruns > before.underruns, 'the 60 ms buffer ran dry (the case a twin is for)');
      }
      assert.equal(after.reconnects, 0);
    });
  }
});
