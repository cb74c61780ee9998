import assert from 'node:assert/strict';
import { startNear, type RecordingAnchor } from '../support/recording-clock.js';

/** Anchors of 5 ms blocks captured from t = 1000 ms, each stamped `late(i)` ms after its capture. */
function anchors(count: number, late: (i: number) => number): RecordingAnchor[] {
  return Array.from({ length: count }, (_, i) => ({ ms: 1000 + late(i), frame: i * 240 }));
}

describe('placing a recording on the clock (bench support)', () => {
  it('takes the earliest anchor near the frame: a late first stamp does not shift the recording', () => {
    // Delivered in 20 ms fragments: blocks 0-3 of each fragment arrive 15, 10, 5, 0 ms late; the very
    // first one 18 ms later still (PulseAudio's first fragment of a new recorder).
    const list = anchors(800, (i) => (i === 0 ? 33 : 15 - 5 * (i % 4)));
    assert.equal(list[0]!.ms, 1033);
    assert.equal(startNear(list, 400 * 240, 48_000), 1000);
  });

  it('looks only within the span, so a stamp far away (another drift, a stall) does not count', () => {
    const list = anchors(800, (i) => (i < 100 ? 0 : 7));
    assert.equal(startNear(list, 700 * 240, 48_000), 1007);
    assert.equal(startNear(list, 10 * 240, 48_000), 1000);
  });

  it('falls back to the first anchor with none near, and is NaN with none at all', () => {
    assert.equal(startNear(anchors(3, () => 4), 10_000_000, 48_000), 1004);
    assert.ok(Number.isNaN(startNear([], 0, 48_000)));
  });
});
