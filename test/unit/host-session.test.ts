import assert from 'node:assert/strict';
import { HostSession, type HostEvent } from '../../src/app/host-session.js';
import { DEFAULT_PEER_TIMINGS } from '../../src/app/host-peer.js';
import { decodeAudioBody, decodeJsonBody, encodeJsonFrame, encodePing, FrameReader, FrameType, type Frame } from '../../src/core/v2-frames.js';
import { V1PacketReader } from '../../src/core/v1-packets.js';
import { FakeAudioSource } from '../fakes/fake-audio-source.js';
import { FakeChannelServer } from '../fakes/fake-channel-server.js';
import { ManualClock } from '../fakes/manual-clock.js';
import type { MemoryChannel } from '../fakes/memory-channel.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function makeHost(options: { maxListeners?: number } = {}) {
  const clock = new ManualClock();
  const source = new FakeAudioSource();
  const server = new FakeChannelServer();
  const events: HostEvent[] = [];
  const host = new HostSession({ source, server, clock, port: 0, codec: 'pcm', hostName: 'test host', maxQueueMs: 200, ...options });
  host.on((event) => events.push(event));
  await host.start();
  return { clock, source, server, events, host };
}

/** A v2 client: collects frames the host sends. */
function v2Client(channel: MemoryChannel, name = 'ann') {
  const reader = new FrameReader();
  const frames: Frame[] = [];
  channel.onData((bytes) => frames.push(...reader.push(bytes)));
  channel.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name }));
  return {
    frames,
    audioSeqs: () => frames.filter((f) => f.type === FrameType.Audio).map((f) => decodeAudioBody(f.body).seq),
  };
}

describe('host session', () => {
  it('welcomes a v2 listener and streams numbered audio', async () => {
    const { source, server, events } = await makeHost();
    const client = v2Client(server.connect());
    await flush();
    assert.equal(client.frames[0]?.type, FrameType.Welcome);
    assert.equal(decodeJsonBody((client.frames[0] as Frame).body).codec, 'pcm');
    for (let i = 0; i < 5; i++) source.emit();
    await flush();
    assert.deepEqual(client.audioSeqs(), [0, 1, 2, 3, 4]);
    assert.ok(events.some((e) => e.type === 'listener-joined' && e.name === 'ann'));
  });

  it('sends the v1 stream to a client that says nothing', async () => {
    const { source, server, clock } = await makeHost();
    const channel = server.connect();
    const reader = new V1PacketReader();
    const packets: Float32Array[] = [];
    channel.onData((bytes) => packets.push(...reader.push(bytes)));
    clock.advance(DEFAULT_PEER_TIMINGS.v1SniffMs + 1);
    for (let i = 0; i < 20; i++) source.emit();
    await flush();
    assert.ok(packets.length >= 3, `got ${packets.length} v1 packets`);
    assert.ok(packets.every((p) => p.length === 2048), 'each v1 packet is 1024 stereo frames');
  });

  it('drops only the stalled listener\'s stale audio: the others get every packet', async () => {
    const { source, server, host } = await makeHost();
    const good = [v2Client(server.connect(), 'a'), v2Client(server.connect(), 'b')];
    v2Client(server.connect(20_000), 'slow');
    await flush();
    for (let i = 0; i < 1000; i++) {
      source.emit();
      if (i % 10 === 0) await flush();
    }
    await flush();
    for (const client of good) assert.deepEqual(client.audioSeqs(), Array.from({ length: 1000 }, (_, i) => i));
    const slow = host.stats().listeners.find((l) => l.name === 'slow');
    assert.ok(slow, 'the slow listener is still listed');
    assert.ok(slow.queuedFrames <= 20, `queue bounded at 200 ms of audio, holds ${slow.queuedFrames}`);
    assert.ok(slow.droppedFrames > 900, `dropped ${slow.droppedFrames}`);
    assert.equal(host.stats().listeners.find((l) => l.name === 'a')?.droppedFrames, 0);
  });

  it('removes a listener whose writes stall, and one that goes silent', async () => {
    const { source, server, clock, events } = await makeHost();
    const quiet = v2Client(server.connect(), 'quiet');
    v2Client(server.connect(1000), 'stuck');
    await flush();
    for (let i = 0; i < 10; i++) source.emit();
    await flush();
    clock.advance(DEFAULT_PEER_TIMINGS.stallMs + 600);
    const left = events.filter((e): e is Extract<HostEvent, { type: 'listener-left' }> => e.type === 'listener-left');
    assert.deepEqual(left.map((e) => e.name).sort(), ['quiet', 'stuck']);
    assert.ok(quiet.frames.length > 0);
  });

  it('keeps a listener that pings, and answers each ping with a pong', async () => {
    const { server, clock, events } = await makeHost();
    const channel = server.connect();
    const client = v2Client(channel);
    for (let t = 0; t < 10; t++) {
      clock.advance(1000);
      channel.write(encodePing(t));
      await flush();
    }
    assert.equal(events.filter((e) => e.type === 'listener-left').length, 0);
    assert.equal(client.frames.filter((f) => f.type === FrameType.Pong).length, 10);
  });

  it('closes only the peer that sends garbage', async () => {
    const { source, server, events } = await makeHost();
    const good = v2Client(server.connect(), 'good');
    const bad = server.connect();
    bad.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await flush();
    assert.equal(bad.closed, true);
    source.emit();
    await flush();
    assert.deepEqual(good.audioSeqs(), [0]);
    assert.equal(events.filter((e) => e.type === 'listener-left').length, 0, 'a peer that never joined is not announced as leaving');
  });

  it('refuses listeners beyond the maximum with a reason', async () => {
    const { server } = await makeHost({ maxListeners: 1 });
    v2Client(server.connect(), 'first');
    const second = v2Client(server.connect(), 'second');
    await flush();
    assert.equal(second.frames[0]?.type, FrameType.Reject);
    assert.match(String(decodeJsonBody((second.frames[0] as Frame).body).reason), /full/);
  });

  it('stops cleanly twice and says goodbye', async () => {
    const { server, host, source } = await makeHost();
    const client = v2Client(server.connect());
    await flush();
    const stopping = host.stop();
    await Promise.all([stopping, host.stop()]);
    assert.equal(source.stopped, true);
    assert.equal(server.closed, true);
    assert.ok(client.frames.some((f) => f.type === FrameType.Bye));
  });
});
