/** The listener's latency estimate counts the codec delay its host's Welcome gives, else its decoder's own figure. */
import assert from 'node:assert/strict';
import { ListenerSession } from '../../src/app/listener-session.js';
import { Backoff } from '../../src/core/backoff.js';
import { encodeAudioFrame, encodeJsonFrame, FrameType } from '../../src/core/v2-frames.js';
import type { AudioDecoder } from '../../src/ports/audio-codec.js';
import type { ClockedSink } from '../../src/ports/audio-sink.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryChannel } from '../fakes/memory-channel.js';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

const PACKET_FRAMES = 480;

/** A decoder of an older host's figure (312 frames), turning any payload into one quiet packet. */
class QuietDecoder implements AudioDecoder {
  readonly delayFrames = 312;
  decode(): Float32Array {
    return new Float32Array(PACKET_FRAMES * 2).fill(0.1);
  }
  conceal(frames: number): Float32Array {
    return new Float32Array(frames * 2);
  }
}

/** A device pulled by the test: render() is called when the test says. */
class PulledSink implements ClockedSink {
  readonly kind = 'clocked';
  readonly description = 'pulled';
  render: ((frames: number) => Float32Array) | undefined;
  async start(render: (frames: number) => Float32Array): Promise<void> {
    this.render = render;
  }
  outputLatencyMs(): number {
    return 0;
  }
  async stop(): Promise<void> {}
}

/** A listener fed 10 Opus packets by a host whose Welcome carries `welcomeExtra`; its estimate once playing. */
async function estimateWith(welcomeExtra: Record<string, unknown>): Promise<number | undefined> {
  const clock = new ManualClock();
  const sink = new PulledSink();
  let hostEnd: MemoryChannel | undefined;
  const connector: ChannelConnector = {
    connect(): Promise<ByteChannel> {
      const [host, listener] = MemoryChannel.pair();
      hostEnd = host;
      return Promise.resolve(listener);
    },
  };
  const session = new ListenerSession({
    host: '127.0.0.1', port: 50007, connector, sink, clock, protocol: 'v2', boost: 1, latencyMs: 40, name: 'ann',
    backoff: new Backoff(100, 100, () => 0.5), opusDecoderFactory: () => new QuietDecoder(),
  });
  await session.start();
  await flush();
  const welcome = { protocol: 2, codec: 'opus', sampleRate: 48000, channels: 2, packetFrames: PACKET_FRAMES, hostName: 'h', ...welcomeExtra };
  hostEnd?.write(encodeJsonFrame(FrameType.Welcome, welcome));
  // Two arrivals with 100 ms of silence rendered between, as a device pulling would see them (a first start
  // waits that long past the first packet): the second starts playing.
  for (let seq = 0; seq < 5; seq++) hostEnd?.write(encodeAudioFrame(seq, seq * 10, new Uint8Array([0xf0, 1, 2])));
  await flush();
  sink.render?.(4800);
  for (let seq = 5; seq < 10; seq++) hostEnd?.write(encodeAudioFrame(seq, seq * 10, new Uint8Array([0xf0, 1, 2])));
  await flush();
  sink.render?.(240);
  const stats = session.stats();
  await session.stop();
  assert.equal(stats.state, 'playing');
  return stats.latencyMs;
}

describe("listener's latency estimate and the codec delay", () => {
  it("counts the host's codecDelayFrames, and its decoder's figure for a host that does not say", async () => {
    const told = await estimateWith({ codecDelayFrames: 120 });
    const untold = await estimateWith({});
    const pcmLike = await estimateWith({ codecDelayFrames: 0 });
    assert.ok(told !== undefined && untold !== undefined && pcmLike !== undefined, 'an estimate while playing');
    assert.equal(Math.round((told - pcmLike) * 1000) / 1000, 2.5, '120 frames = 2.5 ms');
    assert.equal(Math.round((untold - pcmLike) * 1000) / 1000, 6.5, 'an older host: 312 frames = 6.5 ms');
  });
});
