import assert from 'node:assert/strict';
import { Backoff } from '../../src/core/backoff.js';

describe('backoff', () => {
  it('doubles up to the cap and resets after success', () => {
    const backoff = new Backoff(100, 1000, () => 0.5);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [100, 200, 400, 800, 1000, 1000]);
    backoff.reset();
    assert.equal(backoff.next(), 100);
  });

  it('jitters within ±20 % and never beyond the cap', () => {
    assert.equal(new Backoff(100, 1000, () => 0).next(), 80);
    assert.equal(new Backoff(100, 1000, () => 0.999999).next(), 120);
    const capped = new Backoff(1000, 1000, () => 0.999999);
    assert.equal(capped.next(), 1000);
  });

  it('refuses nonsense', () => {
    assert.throws(() => new Backoff(0, 10), RangeError);
    assert.throws(() => new Backoff(10, 5), RangeError);
  });
});
