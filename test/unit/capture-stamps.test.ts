import assert from 'node:assert/strict';
import { CaptureStamps, PERSISTENT_LATE_MS } from '../../src/core/capture-stamps.js';

const BLOCK = 5;

/** Stamps for `readings` from a fresh CaptureStamps. */
function stampAll(readings: readonly number[]): number[] {
  const stamps = new CaptureStamps(BLOCK);
  return readings.map((r) => stamps.next(r));
}

function gaps(stamps: readonly number[]): number[] {
  return stamps.slice(1).map((t, i) => t - (stamps[i] as number));
}

describe('capture stamps', () => {
  it('follow on-time readings exactly', () => {
    const readings = Array.from({ length: 100 }, (_, i) => 1000 + i * BLOCK);
    assert.deepEqual(stampAll(readings), readings);
  });

  it('ignore the event loop delaying a few readings by less than a block', () => {
    const readings = Array.from({ length: 100 }, (_, i) => 1000 + i * BLOCK + (i % 7 === 3 ? 3 : 0));
    const stamps = stampAll(readings);
    for (const [i, stamp] of stamps.entries()) assert.ok(Math.abs(stamp - (1000 + i * BLOCK)) < 0.2, `block ${i} stamped ${stamp}`);
  });

  it('keep one block apart through the burst after a 200 ms stall, and are on time after it', () => {
    // Blocks 0-39 on time; 40-79 were captured during a stall and all read at its end; then on time again.
    const readings = Array.from({ length: 200 }, (_, i) => (i >= 40 && i < 80 ? 1000 + 80 * BLOCK : 1000 + i * BLOCK));
    const stamps = stampAll(readings);
    for (let i = 40; i < 80; i++) assert.equal(stamps[i], 1000 + i * BLOCK, `block ${i} in the burst`);
    const g = gaps(stamps);
    assert.ok(Math.min(...g) >= BLOCK / 2 && Math.max(...g) <= BLOCK * 1.01 + 1e-9, `gaps ${Math.min(...g)}..${Math.max(...g)}`);
    assert.equal(stamps.at(-1), readings.at(-1));
  });

  it('after a burst longer than PERSISTENT_LATE_MS of stall, still one block on: its readings all fall at one moment', () => {
    const stallBlocks = (2 * PERSISTENT_LATE_MS) / BLOCK;
    const readings = Array.from({ length: stallBlocks + 20 }, (_, i) => (i >= 10 && i < 10 + stallBlocks ? 1000 + (10 + stallBlocks) * BLOCK : 1000 + i * BLOCK));
    const stamps = stampAll(readings);
    for (let i = 10; i < 10 + stallBlocks; i++) assert.equal(stamps[i], 1000 + i * BLOCK, `block ${i} in the burst`);
  });

  it('catch up with readings that stay a block or more late (stamps that started early), at most 1 % fast', () => {
    // The first reading is 10 ms early against all that follow (a start-up burst): before, the stamps stayed
    // 10 ms early for good.
    const readings = Array.from({ length: 2000 }, (_, i) => (i === 0 ? 990 : 1000 + i * BLOCK));
    const stamps = stampAll(readings);
    const lateAt = (i: number) => (readings[i] as number) - (stamps[i] as number);
    assert.ok(lateAt(100) > 9, `already ${lateAt(100)} ms late at 0.5 s: caught up within a burst's span`);
    // 1 s to see it is no burst, then 10 ms at 1 % of 5 ms per block: 200 blocks (1 s) more.
    const caughtUp = stamps.findIndex((s, i) => i > 0 && (readings[i] as number) - s < 0.01);
    assert.ok(caughtUp > 0 && caughtUp * BLOCK <= PERSISTENT_LATE_MS + 1100, `caught up at block ${caughtUp}`);
    assert.ok(Math.max(...gaps(stamps)) <= BLOCK * 1.01 + 1e-9);
    assert.ok(lateAt(1999) < 0.01);
  });

  it('refuses a block length that is not positive', () => {
    assert.throws(() => new CaptureStamps(0), RangeError);
  });
});
