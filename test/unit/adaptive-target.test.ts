import assert from 'node:assert/strict';
import { AdaptiveTarget } from '../../src/core/adaptive-target.js';
import { JitterEstimator } from '../../src/core/jitter-estimator.js';

/** Feeds 20 ms packets from `fromMs` for `seconds`, each `delayMs(t)` late; returns every target change [t, ms]. */
function run(adaptive: AdaptiveTarget, state: { targetMs: number }, fromMs: number, seconds: number, delayMs: (t: number) => number): [number, number][] {
  const changes: [number, number][] = [];
  for (let t = fromMs; t < fromMs + seconds * 1000; t += 20) {
    const next = adaptive.observe(t + 1000 + delayMs(t), t, 20, state.targetMs);
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

  it('comes down only after 10 s of a lower proposal, 10 ms a step, and stops at what the link needs', () => {
    const adaptive = new AdaptiveTarget(new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300, windowMs: 5000 }));
    const state = { targetMs: 90 };
    const changes = run(adaptive, state, 0, 120, () => 2);
    assert.ok(changes.length > 0);
    assert.ok((changes[0] as [number, number])[0] >= 10_000, `first step down at ${(changes[0] as [number, number])[0]} ms`);
    for (let i = 0; i < changes.length; i++) {
      const [atMs, targetMs] = changes[i] as [number, number];
      assert.equal(targetMs, 90 - 10 * (i + 1), 'one 10 ms step at a time');
      if (i > 0) assert.ok(atMs - (changes[i - 1] as [number, number])[0] >= 10_000, 'at least 10 s apart');
    }
    assert.equal(state.targetMs, 30, 'down to the floor a quiet link needs');
  });

  it('keeps a target within 10 ms above the proposal', () => {
    const adaptive = new AdaptiveTarget(new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 }));
    const state = { targetMs: 39 };
    assert.deepEqual(run(adaptive, state, 0, 60, () => 2), []);
  });
});
