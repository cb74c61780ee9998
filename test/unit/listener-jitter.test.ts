/** The jitter a listener measures and reports to its host (issue 6's health): from the packets' capture stamps. */
import assert from 'node:assert/strict';
import { ListenerSession } from '../../src/app/listener-session.js';
import { PcmEncoder } from '../../src/core/pcm-codec.js';
import { decodeJsonBody, encodeAudioFrame, encodeJsonFrame, FrameReader, FrameType } from '../../src/core/v2-frames.js';
import type { StreamSink } from '../../src/ports/audio-sink.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryChannel } from '../fakes/memory-channel.js';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

const nullSink: StreamSink = { kind: 'stream', description: 'nowhere', write: () => Promise.resolve(), close: () => Promise.resolve() };
const welcome = { protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 240, hostName: 'den' };

/** A listener on an in-memory link; `host` is the host's end, `reports` the jitter of each Stats it sent. */
async function connectedListener() {
  const clock = new ManualClock();
  let host: MemoryChannel | undefined;
  const connector: ChannelConnector = {
    connect: (): Promise<ByteChannel> => {
      const [hostEnd, listenerEnd] = MemoryChannel.pair();
      host = hostEnd;
      return Promise.resolve(listenerEnd);
    },
  };
  const session = new ListenerSession({ host: '10.0.0.5', port: 50007, connector, sink: nullSink, clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'ann' });
  await session.start();
  await flush();
  assert.ok(host !== undefined, 'connected');
  const reports: unknown[] = [];
  const reader = new FrameReader();
  host.onData((bytes) => {
    for (const frame of reader.push(bytes)) if (frame.type === FrameType.Stats) reports.push(decodeJsonBody(frame.body).jitterMs);
  });
  host.write(encodeJsonFrame(FrameType.Welcome, welcome));
  assert.equal(session.stats().jitterMs, undefined, 'no figure before audio comes');
  return { clock, host, session, reports };
}

/**
 * Sends 15 s of 5 ms packets, each `transitMs` after its capture; every 100th is held `stallMs` more and,
 * as over TCP, holds back those behind it.
 */
function stream(clock: ManualClock, host: MemoryChannel, stallMs: number): void {
  const payload = new PcmEncoder().encode(new Float32Array(480));
  const transitMs = 10;
  let lastArrival = clock.now();
  const start = clock.now();
  for (let i = 0; i < 3000; i++) {
    const captureMs = 1_000_000 + i * 5;
    const arrival = Math.max(start + i * 5 + transitMs + (i % 100 === 50 ? stallMs : 0), lastArrival);
    clock.advance(arrival - lastArrival);
    lastArrival = arrival;
    host.write(encodeAudioFrame(i, captureMs, payload));
  }
}

describe('the jitter a listener reports', () => {
  it('is how much later than the fastest the latest 0.5 % of packets came, in its stats and in what the host hears', async () => {
    const { clock, host, session, reports } = await connectedListener();
    stream(clock, host, 30);
    assert.equal(session.stats().jitterMs, 30);
    assert.ok(reports.length >= 25, `Stats twice a second: ${reports.length} in 15 s`);
    assert.equal(reports.at(-1), 30, 'the host is told the same');
    await session.stop();
  });

  it('is 0 on a link that delivers every packet equally late', async () => {
    const { clock, host, session, reports } = await connectedListener();
    stream(clock, host, 0);
    assert.equal(session.stats().jitterMs, 0);
    assert.equal(reports.at(-1), 0);
    await session.stop();
  });
});
