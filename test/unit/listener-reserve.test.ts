/**
 * A sink that can hold part of the listener's target (ClockedSink.setReserveMs) gets all of it but the
 * jitter buffer's small share; the listener's target, level and drift control count both parts.
 */
import assert from 'node:assert/strict';
import { ListenerSession } from '../../src/app/listener-session.js';
import { Backoff } from '../../src/core/backoff.js';
import { JitterBuffer } from '../../src/core/jitter-buffer.js';
import { RateMatchedPlayout } from '../../src/core/rate-matched-playout.js';
import type { ClockedSink } from '../../src/ports/audio-sink.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryChannel } from '../fakes/memory-channel.js';

/** A device that never pulls, and says it holds `level` ms beyond its margin. */
class ReservingSink implements ClockedSink {
  readonly kind = 'clocked';
  readonly description = 'reserving';
  /** Each setReserveMs call, and whether it came before start(). */
  readonly reserves: { ms: number; beforeStart: boolean }[] = [];
  level = 0;
  private started = false;
  async start(): Promise<void> {
    this.started = true;
  }
  setReserveMs(ms: number): void {
    this.reserves.push({ ms, beforeStart: !this.started });
  }
  reserveLevelMs(): number {
    return this.level;
  }
  outputLatencyMs(): number {
    return 0;
  }
  async stop(): Promise<void> {}
}

/** A device that cannot hold a reserve. */
class PlainSink implements ClockedSink {
  readonly kind = 'clocked';
  readonly description = 'plain';
  async start(): Promise<void> {}
  outputLatencyMs(): number {
    return 0;
  }
  async stop(): Promise<void> {}
}

const neverConnects: ChannelConnector = {
  connect(): Promise<ByteChannel> {
    const [, listener] = MemoryChannel.pair();
    return Promise.resolve(listener);
  },
};

function listener(sink: ClockedSink, latencyMs: number, adaptive?: { minMs: number; maxMs: number }): ListenerSession {
  return new ListenerSession({
    host: '127.0.0.1', port: 50007, connector: neverConnects, sink, clock: new ManualClock(), protocol: 'v2', boost: 1,
    latencyMs, adaptiveLatency: adaptive, name: 'ann', backoff: new Backoff(100, 100, () => 0.5),
  });
}

describe('the sink holds most of the target', () => {
  it('a fixed target: the sink is asked for all but 5 ms of it, before it opens (to size its buffer) and after', async () => {
    const sink = new ReservingSink();
    const session = listener(sink, 25);
    await session.start();
    sink.level = 12;
    const stats = session.stats();
    await session.stop();
    assert.deepEqual(sink.reserves, [
      { ms: 20, beforeStart: true },
      { ms: 20, beforeStart: false },
    ]);
    assert.equal(stats.targetMs, 25, 'the target the user set, both parts together');
    assert.equal(stats.bufferedMs, 12, 'the empty jitter buffer plus what the reserve holds');
  });

  it("an adaptive target: the device's buffer is sized for the target it starts at, the reserve for the current", async () => {
    const sink = new ReservingSink();
    const session = listener(sink, 60, { minMs: 30, maxMs: 500 });
    await session.start();
    const stats = session.stats();
    await session.stop();
    assert.deepEqual(sink.reserves, [
      { ms: 55, beforeStart: true },
      { ms: 55, beforeStart: false },
    ]);
    assert.equal(stats.targetMs, 60);
  });

  it('a sink that cannot hold a reserve leaves the whole target in the jitter buffer', async () => {
    const session = listener(new PlainSink(), 25);
    await session.start();
    const stats = session.stats();
    await session.stop();
    assert.equal(stats.targetMs, 25);
    assert.equal(stats.bufferedMs, 0);
  });

  it('the drift controller holds the jitter buffer and the reserve together at their joint target', () => {
    /** The speed correction after 2 s of renders with the jitter buffer at 7.5 ms and the reserve at `reserveLevel`. */
    const correctionWith = (reserveLevel: number): number => {
      const jitter = new JitterBuffer({ targetMs: 5 });
      const playout = new RateMatchedPlayout(jitter);
      playout.setReserve(20, () => reserveLevel);
      let seq = 0;
      for (let i = 0; i < 400; i++) {
        // A 5 ms packet before each 5 ms render: after each the jitter buffer holds its 5 ms and half an arrival.
        jitter.push(seq, seq * 5, new Float32Array(480).fill(0.1));
        seq++;
        playout.render(240);
      }
      return playout.controller.correctionPpm;
    };
    const atTarget = correctionWith(17.5); // 7.5 + 17.5: the joint target, 5 + 20
    const above = correctionWith(32.5);
    const below = correctionWith(2.5);
    assert.ok(Math.abs(atTarget) < 300, `at the joint target: ${atTarget.toFixed(0)} ppm`);
    assert.ok(above > atTarget + 1000, `15 ms above it plays faster: ${above.toFixed(0)} ppm`);
    assert.ok(below < atTarget - 1000, `15 ms below it plays slower: ${below.toFixed(0)} ppm`);
  });
});
