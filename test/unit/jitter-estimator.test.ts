import assert from 'node:assert/strict';
import { JitterEstimator } from '../../src/core/jitter-estimator.js';

function feed(estimator: JitterEstimator, seconds: number, delayMs: (i: number) => number, startMs = 0): void {
  for (let i = 0; i < seconds * 50; i++) {
    const capture = startMs + i * 20;
    estimator.observe(capture + 1000 + delayMs(i), capture, 20);
  }
}

describe('jitter estimator', () => {
  it('keeps the target small on a quiet link', () => {
    const estimator = new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 });
    feed(estimator, 10, () => 2);
    assert.equal(estimator.jitterMs, 0);
    assert.equal(estimator.targetMs(), 30, 'one 20 ms packet + 5 ms margin, raised to the 30 ms floor');
  });

  it('grows the target to cover a noisy link (delay 5 ms ± 20 ms)', () => {
    const estimator = new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    feed(estimator, 10, () => 5 + random() * 40);
    assert.ok(estimator.jitterMs > 35 && estimator.jitterMs <= 40, `jitter ${estimator.jitterMs}`);
    // One packet + 1.75 times the jitter (what a 15 s window does not see comes later) + 5 ms.
    assert.ok(estimator.targetMs() >= 85 && estimator.targetMs() <= 95, `target ${estimator.targetMs()}`);
  });

  it('never proposes more than its maximum', () => {
    const estimator = new JitterEstimator({ minTargetMs: 30, maxTargetMs: 120, windowMs: 5000 });
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    feed(estimator, 5, () => random() * 300);
    assert.equal(estimator.targetMs(), 120);
  });

  it('grows for a stall it could cover, and forgets it once it is a small share of the last minutes', () => {
    const estimator = new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300, windowMs: 5000 });
    // A 150 ms Wi-Fi stall: packets held back, then delivered in a burst (each delayed a little less).
    feed(estimator, 5, (i) => (i >= 100 && i < 108 ? 150 - (i - 100) * 20 : 2));
    // p99.5 of 5 s (250 packets) is the 2nd-longest transit: 130 of the 150 ms above the 2 ms floor.
    assert.equal(estimator.jitterMs, 128);
    assert.equal(estimator.longJitterMs, 128);
    assert.equal(estimator.targetMs(), Math.round(20 + 1.75 * 128 + 5));
    assert.equal(estimator.outageBacklogPackets, 0);
    // The short window forgets the stall after 5 s; in the long view its 8 packets are under 0.5 % after a minute.
    feed(estimator, 5, () => 2, 5000);
    assert.equal(estimator.jitterMs, 0);
    assert.ok(estimator.targetMs() > 100, `target ${estimator.targetMs()} 5 s later`);
    feed(estimator, 60, () => 2, 10_000);
    assert.equal(estimator.targetMs(), 30);
  });

  it('covers the headroom it is given times the long view', () => {
    const stalled = (i: number) => (i >= 100 && i < 108 ? 150 - (i - 100) * 20 : 2);
    const targets = [undefined, 1.5, 2.5].map((headroom) => {
      const estimator = new JitterEstimator({ minTargetMs: 30, maxTargetMs: 600, windowMs: 5000, headroom });
      feed(estimator, 5, stalled);
      return estimator.targetMs();
    });
    assert.deepEqual(targets, [Math.round(20 + 1.75 * 128 + 5), Math.round(20 + 1.5 * 128 + 5), Math.round(20 + 2.5 * 128 + 5)]);
  });

  it('measures the long view as lateness, so clocks drifting apart do not pass for jitter', () => {
    const estimator = new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 });
    // The host's clock runs 500 ppm slow: the transit grows 150 ms over 5 minutes, steadily.
    feed(estimator, 300, (i) => 2 + i * 20 * 500e-6);
    // Within each 15 s the transit grows 7.5 ms; that much is seen, not the 150 ms of the 5 minutes.
    assert.ok(estimator.longJitterMs < 10, `long-view jitter ${estimator.longJitterMs} ms`);
    assert.ok(estimator.targetMs() <= 40, `target ${estimator.targetMs()}`);
  });

  it('leaves out the backlog of an outage no target could cover (3 s link down)', () => {
    const estimator = new JitterEstimator({ minTargetMs: 30, maxTargetMs: 300 });
    // Packets 250..399 are held for the outage and arrive together when the link returns, then all is normal.
    feed(estimator, 10, (i) => (i >= 250 && i < 400 ? 3000 - (i - 250) * 20 : 2));
    assert.equal(estimator.targetMs(), 30, 'the outage did not inflate the target');
    assert.ok(estimator.outageBacklogPackets >= 140 && estimator.outageBacklogPackets <= 150, `left out ${estimator.outageBacklogPackets}`);
  });

  it('refuses nonsense bounds', () => {
    assert.throws(() => new JitterEstimator({ minTargetMs: 100, maxTargetMs: 50 }), RangeError);
    assert.throws(() => new JitterEstimator({ minTargetMs: 1, maxTargetMs: 50 }), RangeError);
  });
});
