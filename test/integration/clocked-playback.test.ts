/** The device path without a device: a host on 127.0.0.1 → listener → jitter buffer → limiter → a sink pulled by a timer. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NullSink } from '../../src/adapters/audio/null-sink.js';
import { TcpConnector } from '../../src/adapters/net/tcp-connector.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { ListenerSession } from '../../src/app/listener-session.js';
import { writeTestWav } from '../support/audio-files.js';
import { startLoopbackHost } from '../support/loopback-host.js';
import { waitFor } from '../support/wait-for.js';

describe('playback on a clocked sink', function () {
  this.timeout(30_000);
  let dir: string;
  const running: { stop(): Promise<void> }[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-clocked-'));
  });
  after(async () => {
    for (const session of running.reverse()) await session.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('buffers to the target, plays the stream boosted but never past full scale, and knows its latency', async () => {
    const input = join(dir, 'tones.wav');
    writeTestWav(input, { seconds: 10, kind: 'tones' }); // peaks ≈ 0.43 of full scale
    const host = await startLoopbackHost(input, 'pcm', { hostName: 'clocked' });
    running.push(host);
    let peak = 0;
    let loudFrames = 0;
    const sink = new NullSink(systemClock, (samples) => {
      for (const value of samples) {
        peak = Math.max(peak, Math.abs(value));
        if (Math.abs(value) > 0.5) loudFrames++;
      }
    });
    const listener = new ListenerSession({
      host: '127.0.0.1',
      port: host.port,
      connector: new TcpConnector(),
      sink,
      clock: systemClock,
      protocol: 'v2',
      boost: 4,
      latencyMs: 80,
      name: 'clocked listener',
    });
    await listener.start();
    running.push(listener);
    await waitFor(() => listener.stats().state === 'playing', 5000, 'playback to start');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const stats = listener.stats();
    assert.ok(loudFrames > 48_000, 'boost 4x made the ~0.43 peaks loud');
    assert.ok(peak <= 1, `limiter kept every sample within full scale (peak ${peak})`);
    assert.equal(stats.targetMs, 80);
    assert.ok(stats.latencyMs !== undefined && stats.latencyMs > 40 && stats.latencyMs < 400, `latency estimate ${stats.latencyMs} ms`);
    const hostView = host.stats().listeners[0];
    assert.equal(hostView?.name, 'clocked listener');
    await waitFor(() => host.stats().listeners[0]?.latencyMs !== undefined, 3000, 'the listener to report its health to the host');
  });

  it("counts the output's own underruns (a gap PulseAudio played) in its stats and in the health the host sees", async () => {
    const input = join(dir, 'tone.wav');
    writeTestWav(input, { seconds: 10, kind: 'tones' });
    const host = await startLoopbackHost(input, 'pcm', { hostName: 'gappy' });
    running.push(host);
    /** A sink whose device says it ran dry `underruns` times. */
    class DryingSink extends NullSink {
      underruns = 0;
    }
    const sink = new DryingSink(systemClock);
    const listener = new ListenerSession({
      host: '127.0.0.1',
      port: host.port,
      connector: new TcpConnector(),
      sink,
      clock: systemClock,
      protocol: 'v2',
      boost: 1,
      latencyMs: 80,
      name: 'gappy listener',
    });
    await listener.start();
    running.push(listener);
    await waitFor(() => listener.stats().state === 'playing', 5000, 'playback to start');
    const before = listener.stats().underruns;
    sink.underruns = 5;
    assert.equal(listener.stats().underruns - before, 5, "the output's underruns are not in the listener's count");
    await waitFor(() => (host.stats().listeners[0]?.underruns ?? 0) >= 5, 3000, "the host to see the output's underruns");
  });
});
