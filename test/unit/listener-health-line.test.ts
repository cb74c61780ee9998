/** How a host shows one listener's health: the tray's Listeners menu and `auralync host`'s status block. */
import assert from 'node:assert/strict';
import { describeDrift, describeHealthFigures, describeListenerHealth } from '../../src/app/listener-health-line.js';

describe('a listener health line', () => {
  it('shows every figure the listener reported', () => {
    const line = describeListenerHealth({ name: 'Ann', latencyMs: 84.4, jitterMs: 12.6, underruns: 1, droppedFrames: 3, driftPpm: 38.7 });
    assert.equal(line, 'Ann: 84 ms, jitter 13 ms, 1 underrun, 3 drops, drift +39 ppm');
    assert.equal(describeHealthFigures({ latencyMs: 84.4, jitterMs: 12.6, underruns: 1, droppedFrames: 3, driftPpm: 38.7 }), '84 ms, jitter 13 ms, 1 underrun, 3 drops, drift +39 ppm', 'the same without the name');
  });

  it('says the latency is unknown and leaves out what was never reported (an original v1 client)', () => {
    assert.equal(describeListenerHealth({ name: '10.0.0.7', latencyMs: undefined, droppedFrames: 1 }), '10.0.0.7: latency unknown, 1 drop');
  });

  it('says a listener whose connection is lost is reconnecting, and nothing of its old figures', () => {
    assert.equal(describeListenerHealth({ name: 'Ann', latencyMs: 84, jitterMs: 12, underruns: 0, droppedFrames: 0, driftPpm: 3, reconnecting: true }), 'Ann: reconnecting');
  });

  it('signs the drift on both sides of zero', () => {
    assert.deepEqual([-12.2, 0, 0.4, 250].map(describeDrift), ['drift -12 ppm', 'drift 0 ppm', 'drift 0 ppm', 'drift +250 ppm']);
  });
});
