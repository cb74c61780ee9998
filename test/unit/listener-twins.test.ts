/** How many twin connections a listener opens: what it wants, as far as its host keeps them (Welcome.twinSlots). */
import assert from 'node:assert/strict';
import { ListenerSession } from '../../src/app/listener-session.js';
import { Backoff } from '../../src/core/backoff.js';
import { decodeJsonBody, encodeJsonFrame, FrameReader, FrameType } from '../../src/core/v2-frames.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { NullSink } from '../../src/adapters/audio/null-sink.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryChannel } from '../fakes/memory-channel.js';

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** The Hellos of every connection a listener (wanting `twins`) opens to a host whose Welcome adds `welcomeExtra`. */
async function hellosWith(twins: number | undefined, welcomeExtra: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const clock = new ManualClock();
  const hellos: Record<string, unknown>[] = [];
  const hostEnds: MemoryChannel[] = [];
  const connector: ChannelConnector = {
    connect(): Promise<ByteChannel> {
      const [host, listener] = MemoryChannel.pair();
      const reader = new FrameReader();
      host.onData((bytes) => {
        for (const frame of reader.push(bytes)) if (frame.type === FrameType.Hello) hellos.push(decodeJsonBody(frame.body));
      });
      hostEnds.push(host);
      return Promise.resolve(listener);
    },
  };
  const session = new ListenerSession({
    host: '127.0.0.1', port: 50007, connector, sink: new NullSink(clock), clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'ann',
    backoff: new Backoff(100, 100, () => 0.5), twins,
  });
  await session.start();
  await flush();
  const welcome = { protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 480, hostName: 'h', twinToken: Buffer.alloc(16, 5).toString('base64'), ...welcomeExtra };
  hostEnds[0]?.write(encodeJsonFrame(FrameType.Welcome, welcome));
  await flush();
  await session.stop();
  return hellos;
}

describe("a listener's twin connections", () => {
  it('opens as many as it wants, each in a slot of its own, where the host keeps them', async () => {
    const hellos = await hellosWith(2, { twinSlots: 2 });
    assert.equal(hellos.length, 3, 'the primary and two twins');
    assert.equal(hellos[0]?.twins, true, 'the primary offers twins');
    assert.deepEqual(hellos.slice(1).map((h) => [h.twinOf, h.twinSlot]), [
      [Buffer.alloc(16, 5).toString('base64'), undefined],
      [Buffer.alloc(16, 5).toString('base64'), 1],
    ], 'slot 0 says no slot (as older listeners), slot 1 says it');
  });

  it('opens one twin to a host that does not say how many it keeps (built before 2026-12-05)', async () => {
    assert.equal((await hellosWith(2, {})).length, 2);
  });

  it('opens no more than the host keeps, and none when asked for none', async () => {
    assert.equal((await hellosWith(3, { twinSlots: 2 })).length, 3);
    const none = await hellosWith(0, { twinSlots: 2 });
    assert.equal(none.length, 1);
    assert.equal(none[0]?.twins, false, 'and does not offer them');
  });
});
