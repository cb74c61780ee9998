import assert from 'node:assert/strict';
import { countNearStalls, coveredMs, mergeStalls } from '../../bench/support/machine-stalls.js';

describe('machine stalls (bench/vs-snapcast with BENCH_SNAP_STALL_METER)', () => {
  it('merges the cores\' stalls where they overlap and says how many cores each stopped', () => {
    const merged = mergeStalls([
      { startMs: 1000, endMs: 1020, core: 1 },
      { startMs: 1001, endMs: 1021, core: 0 },
      { startMs: 2000, endMs: 2012, core: 0 },
      { startMs: 3000, endMs: 3030, core: 1 },
      { startMs: 3025, endMs: 3040, core: 1 },
    ]);
    assert.deepEqual(merged, [
      { startMs: 1000, endMs: 1021, cores: 2 },
      { startMs: 2000, endMs: 2012, cores: 1 },
      { startMs: 3000, endMs: 3040, cores: 1 },
    ]);
    assert.deepEqual(mergeStalls([]), []);
  });

  it('puts a moment down to a stall from shortly before it to its aftermath, and no other', () => {
    const stalls = [{ startMs: 1000, endMs: 1030 }];
    // 20 ms before it, inside it, 250 ms after its end: counted; 21 ms before and 251 ms after: not.
    assert.equal(countNearStalls([980, 1010, 1280], stalls, 20, 250), 3);
    assert.equal(countNearStalls([979, 1281], stalls, 20, 250), 0);
    assert.equal(countNearStalls([1010], [], 20, 250), 0);
  });

  it('measures how much of a stretch is near a stall, overlaps and the stretch\'s ends counted once', () => {
    // Reaches: 980..1280 and 1180..1450 overlap (980..1450), clipped to 1000..2000: 450 ms; 1900..2000 adds 100.
    const stalls = [
      { startMs: 1200, endMs: 1200 },
      { startMs: 1000, endMs: 1030 },
      { startMs: 1920, endMs: 1925 },
    ];
    assert.equal(coveredMs(stalls, 20, 250, 1000, 2000), 550);
    assert.equal(coveredMs([], 20, 250, 1000, 2000), 0);
  });
});
