import assert from 'node:assert/strict';
import { AdaptiveTarget } from '../../src/core/adaptive-target.js';
import { JitterEstimator } from '../../src/core/jitter-estimator.js';

/**
 * Feeds 20 ms packets from `fromMs` for `seconds`, each `delayMs(t)` late, the buffer's level `levelMs(target)`
 * (by default where the target is); returns every target change [t, ms].
 */
function run(
  adaptive: AdaptiveTarget,
  state: { targetMs: number },
  fromMs: number,
  seconds: number,
  delayMs: (t: number) => number,
  levelMs: (targetMs: number, t: number) => number | undefined = (targetMs) => targetMs,
): [number, number][] {
  const changes: [number, number][] = [];
  for (let t = fromMs; t < fromMs + seconds * 1000; t += 20) {
    const next = adaptive.observe(t + 1000 + delayMs(t), t, 20, state.targetMs, levelMs(state.targetMs, t));
    if (next !== undefined) {
      changes.push([t, next]);
      state.targetMs = next;
    }
  }
  return changes;
}

describe('adaptive target', () => {
  it('rises at the next 2 s check when the link gets worse', () => {
    const adaptive = new AdaptiveTarget(new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 }));
    const state = { targetMs: 30 };
    assert.deepEqual(run(adaptive, state, 0, 10, () => 2), [], 'a quiet link at the floor keeps it');
    // From 10 s on, every 5th packet 60 ms late.
    const changes = run(adaptive, state, 10_000, 4, (t) => (t % 100 === 0 ? 62 : 2));
    assert.ok(changes.length >= 1, 'the target moved');
    const [atMs, targetMs] = changes[0] as [number, number];
    assert.ok(atMs - 10_000 <= 2000, `first rise ${atMs - 10_000} ms after the link got worse`);
    assert.ok(targetMs >= 20 + 60 + 5, `target ${targetMs}: a packet + the 60 ms + the margin`);
  });

  it('comes down 10 ms a step, one step a check (2 s) while the buffer follows, to what the link needs', () => {
    const adaptive = new AdaptiveTarget(new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300, windowMs: 5000 }));
    const state = { targetMs: 90 };
    const changes = run(adaptive, state, 0, 30, () => 2);
    assert.ok(changes.length > 0);
    assert.ok((changes[0] as [number, number])[0] >= 2000, `first step down at ${(changes[0] as [number, number])[0]} ms`);
    for (let i = 0; i < changes.length; i++) {
      const [atMs, targetMs] = changes[i] as [number, number];
      assert.equal(targetMs, 90 - 10 * (i + 1), 'one 10 ms step at a time');
      if (i > 0) assert.ok(atMs - (changes[i - 1] as [number, number])[0] >= 2000, 'at least 2 s apart');
    }
    assert.equal(state.targetMs, 30, 'down to the floor a quiet link needs');
  });

  it('steps down only as fast as the buffer follows: not while it is more than 10 ms above the target', () => {
    const adaptive = new AdaptiveTarget(new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300, windowMs: 5000 }));
    const state = { targetMs: 90 };
    // The buffer glides down from 90 at 1 ms/s, whatever the target does.
    const level = (_target: number, t: number) => Math.max(30, 90 - t / 1000);
    const changes = run(adaptive, state, 0, 40, () => 2, level);
    assert.ok(changes.length >= 3, `${changes.length} steps`);
    for (const [atMs, targetMs] of changes) {
      assert.ok(level(0, atMs) <= targetMs + 10 + 10, `at ${atMs} ms the buffer (${level(0, atMs)}) was within 10 ms of the target before the step (${targetMs + 10})`);
    }
    // Not playing (no level): no step at all.
    const idle = new AdaptiveTarget(new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 }));
    assert.deepEqual(run(idle, { targetMs: 90 }, 0, 30, () => 2, () => undefined), []);
  });

  it('keeps a target within 10 ms above the proposal', () => {
    const adaptive = new AdaptiveTarget(new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 }));
    const state = { targetMs: 39 };
    assert.deepEqual(run(adaptive, state, 0, 60, () => 2), []);
  });
});
