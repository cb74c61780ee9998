/** How soon a listener tries again: quickly for a while after its stream dropped, with the usual backoff otherwise. */
import assert from 'node:assert/strict';
import { ListenerSession, type ListenerEvent } from '../../src/app/listener-session.js';
import { Backoff } from '../../src/core/backoff.js';
import { AuraError } from '../../src/core/errors.js';
import { encodeJsonFrame, FrameType } from '../../src/core/v2-frames.js';
import type { StreamSink } from '../../src/ports/audio-sink.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryChannel } from '../fakes/memory-channel.js';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

const nullSink: StreamSink = { kind: 'stream', description: 'nowhere', write: () => Promise.resolve(), close: () => Promise.resolve() };

/** A network the test turns on and off: while off, every connect fails at once as an unreachable host does. */
class SwitchedConnector implements ChannelConnector {
  up = true;
  hostEnd: MemoryChannel | undefined;
  connect(host: string, port: number): Promise<ByteChannel> {
    if (!this.up) return Promise.reject(new AuraError('ERR_HOST_UNREACHABLE', `cannot reach ${host}:${port}: no route to host`));
    const [hostEnd, listenerEnd] = MemoryChannel.pair();
    this.hostEnd = hostEnd;
    return Promise.resolve(listenerEnd);
  }
}

function listener() {
  const clock = new ManualClock();
  const connector = new SwitchedConnector();
  const session = new ListenerSession({
    host: '10.0.0.5', port: 50007, connector, sink: nullSink, clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'ann',
    // No jitter: 250, 500, 1000, 2000, 4000, 5000 ms.
    backoff: new Backoff(250, 5000, () => 0.5),
  });
  const events: ListenerEvent[] = [];
  session.on((event) => events.push(event));
  return { clock, connector, session, events };
}

/** The next `count` waits the listener announces, letting each run out. */
async function waits(clock: ManualClock, events: ListenerEvent[], count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    await flush();
    const event = events.at(-1);
    assert.ok(event?.type === 'reconnecting', `a reconnect announced (wait ${i + 1}), not ${event?.type}`);
    seen.push(event.inMs);
    clock.advance(event.inMs);
  }
  await flush();
  return seen;
}

const welcome = { protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 240, hostName: 'den' };

describe('reconnect pace', () => {
  it('backs off as usual (250 ms doubling to 5 s) toward a host it never streamed from', async () => {
    const { clock, connector, session, events } = listener();
    connector.up = false;
    await session.start();
    assert.deepEqual(await waits(clock, events, 7), [250, 500, 1000, 2000, 4000, 5000, 5000]);
    await session.stop();
  });

  it('does not hurry back to a host that drops each stream as soon as it welcomes it', async () => {
    const { clock, connector, session, events } = listener();
    await session.start();
    for (let i = 0; i < 3; i++) {
      await flush();
      connector.hostEnd?.write(encodeJsonFrame(FrameType.Welcome, welcome));
      await flush();
      connector.hostEnd?.destroy();
      await flush();
      const wait = events.at(-1);
      assert.ok(wait?.type === 'reconnecting' && wait.inMs > 0, `a wait before trying again: ${JSON.stringify(wait)}`);
      clock.advance(wait.inMs);
    }
    await session.stop();
  });

  it('gives a host up after 1.5 s without a byte once it has welcomed us (3 s before its welcome)', async () => {
    const { clock, connector, session, events } = listener();
    await session.start();
    for (let ms = 0; ms < 2500; ms += 250) {
      clock.advance(250);
      await flush();
    }
    assert.ok(!events.some((e) => e.type === 'reconnecting'), 'a host still to answer gets 3 s');
    connector.hostEnd?.write(encodeJsonFrame(FrameType.Welcome, welcome));
    await flush();
    for (let ms = 0; ms < 1500; ms += 250) {
      clock.advance(250);
      await flush();
    }
    assert.ok(!events.some((e) => e.type === 'stream-lost'), 'not yet at 1.5 s');
    clock.advance(250);
    await flush();
    const lost = events.find((e) => e.type === 'stream-lost');
    assert.ok(lost?.type === 'stream-lost' && lost.reason === 'no data from the host for 1.5 s', JSON.stringify(lost));
    await session.stop();
  });

  it('tries again at once after its stream dropped, then every 250 ms at most for 30 s, then backs off as usual, and plays again when the host answers', async () => {
    const { clock, connector, session, events } = listener();
    await session.start();
    await flush();
    connector.hostEnd?.write(encodeJsonFrame(FrameType.Welcome, welcome));
    await flush();
    assert.equal(session.stats().state, 'buffering');
    // The link goes: nothing more from the host, and nothing gets through.
    connector.up = false;
    for (let ms = 0; ms <= 1600 && !events.some((e) => e.type === 'stream-lost'); ms += 100) {
      clock.advance(100);
      await flush();
    }
    assert.ok(events.some((e) => e.type === 'stream-lost'), 'the drop is announced');
    const quick = await waits(clock, events, 130);
    assert.deepEqual(quick.slice(0, 4), [0, 250, 250, 250]);
    assert.ok(quick.every((ms) => ms <= 250 || ms === 5000), `only quick waits, then the backoff's ceiling: ${quick.join(', ')}`);
    const firstSlow = quick.indexOf(5000);
    assert.ok(firstSlow > 0, 'it backs off once the drop is 30 s old');
    const quickTotal = quick.slice(0, firstSlow).reduce((sum, ms) => sum + ms, 0);
    assert.ok(quickTotal >= 29_500 && quickTotal <= 30_500, `quick for ~30 s (${quickTotal} ms)`);
    connector.up = true;
    clock.advance(5000);
    await flush();
    connector.hostEnd?.write(encodeJsonFrame(FrameType.Welcome, welcome));
    await flush();
    assert.equal(session.stats().state, 'buffering', 'connected again');
    assert.ok(session.stats().reconnects > 110);
    await session.stop();
  });
});
