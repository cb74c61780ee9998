/** connectStaggered: a fresh attempt every few hundred ms while a link swallows them, the first answer kept. */
import assert from 'node:assert/strict';
import { connectStaggered } from '../../src/app/staggered-connect.js';
import { AuraError } from '../../src/core/errors.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryChannel } from '../fakes/memory-channel.js';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** One connect attempt the test answers by hand. */
interface Attempt {
  readonly atMs: number;
  readonly timeoutMs: number;
  answer(): MemoryChannel;
  fail(message: string): void;
}

/** A connector whose attempts wait until the test answers them, or until their own timeout on the clock. */
class HandAnsweredConnector implements ChannelConnector {
  readonly attempts: Attempt[] = [];
  constructor(private readonly clock: ManualClock) {}
  connect(host: string, port: number, timeoutMs: number): Promise<ByteChannel> {
    return new Promise<ByteChannel>((resolve, reject) => {
      const cancel = this.clock.setTimeout(() => reject(new AuraError('ERR_HOST_UNREACHABLE', `cannot reach ${host}:${port}: timed out`)), timeoutMs);
      this.attempts.push({
        atMs: this.clock.now(),
        timeoutMs,
        answer: () => {
          cancel();
          const [, listenerEnd] = MemoryChannel.pair();
          resolve(listenerEnd);
          return listenerEnd;
        },
        fail: (message) => {
          cancel();
          reject(new AuraError('ERR_HOST_UNREACHABLE', message));
        },
      });
    });
  }
}

function setUp() {
  const clock = new ManualClock();
  const connector = new HandAnsweredConnector(clock);
  const outcome: { channel?: ByteChannel; error?: unknown } = {};
  connectStaggered({ connector, clock, host: '10.0.0.5', port: 50007, everyMs: 500, timeoutMs: 3000 }).then(
    (channel) => (outcome.channel = channel),
    (error: unknown) => (outcome.error = error),
  );
  return { clock, connector, outcome };
}

/** Moves the clock on in 100 ms steps, letting promises settle between them. */
async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 100) {
    clock.advance(Math.min(100, ms - done));
    await flush();
  }
}

describe('connectStaggered', () => {
  it('starts a fresh attempt every 500 ms while none is answered, and connects with the first that gets through', async () => {
    const { clock, connector, outcome } = setUp();
    await advance(clock, 1200); // the link swallows attempts at 0, 500 and 1000 ms
    assert.deepEqual(connector.attempts.map((a) => a.atMs), [0, 500, 1000]);
    assert.deepEqual(connector.attempts.map((a) => a.timeoutMs), [3000, 2500, 2000], 'none outlives the whole');
    await advance(clock, 300); // the link is back: the attempt of 1500 ms is answered
    assert.equal(connector.attempts.length, 4);
    const channel = connector.attempts[3]?.answer();
    await flush();
    assert.equal(outcome.channel, channel);
    await advance(clock, 3000);
    assert.equal(connector.attempts.length, 4, 'no attempt after the connection');
    assert.equal(outcome.error, undefined);
  });

  it('closes an earlier attempt that is answered after a later one won', async () => {
    const { clock, connector, outcome } = setUp();
    await advance(clock, 500);
    const winner = connector.attempts[1]?.answer();
    await flush();
    const late = connector.attempts[0]?.answer();
    await flush();
    assert.equal(outcome.channel, winner);
    assert.equal(late?.closed, true, 'the late connection is closed, not leaked');
    assert.equal(winner?.closed, false);
  });

  it('fails at once, as one attempt would, when its only attempt fails at once (no route, a refusal)', async () => {
    const { clock, connector, outcome } = setUp();
    connector.attempts[0]?.fail('cannot reach 10.0.0.5:50007: no route to host');
    await flush();
    assert.match(String((outcome.error as Error | undefined)?.message), /no route to host/);
    await advance(clock, 3000);
    assert.equal(connector.attempts.length, 1, 'no attempt after it failed');
  });

  it('keeps waiting on attempts still out when a later one fails at once', async () => {
    const { clock, connector, outcome } = setUp();
    await advance(clock, 500);
    connector.attempts[1]?.fail('cannot reach 10.0.0.5:50007: no route to host');
    await advance(clock, 100);
    assert.equal(outcome.error, undefined, 'the first attempt may still get through');
    const channel = connector.attempts[0]?.answer();
    await flush();
    assert.equal(outcome.channel, channel);
  });

  it('gives up after its timeout when nothing got through, having tried every 500 ms', async () => {
    const { clock, connector, outcome } = setUp();
    await advance(clock, 2900);
    assert.equal(outcome.error, undefined);
    await advance(clock, 200);
    const error = (outcome as { error?: unknown }).error; // read afresh: the assertion above narrowed it
    assert.ok(error instanceof AuraError && error.code === 'ERR_HOST_UNREACHABLE', String(error));
    assert.deepEqual(connector.attempts.map((a) => a.atMs), [0, 500, 1000, 1500, 2000, 2500]);
    assert.equal(outcome.channel, undefined);
  });

  it('refuses a pace that makes no sense', () => {
    const clock = new ManualClock();
    const connector = new HandAnsweredConnector(clock);
    assert.throws(() => connectStaggered({ connector, clock, host: 'h', port: 1, everyMs: 0, timeoutMs: 3000 }), RangeError);
    assert.throws(() => connectStaggered({ connector, clock, host: 'h', port: 1, everyMs: 500, timeoutMs: 100 }), RangeError);
  });
});
