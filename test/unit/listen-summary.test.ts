/** The line `auralync listen` prints when it stops (pure formatting). */
import assert from 'node:assert/strict';
import { RunMedians, describeListenSummary } from '../../src/app/listen-summary.js';
import type { ListenerStats } from '../../src/app/listener-session.js';

const base: ListenerStats = {
  state: 'playing',
  hostName: 'Living room',
  codec: 'opus',
  bufferedMs: 40,
  targetMs: 40,
  latencyMs: 70,
  jitterMs: 12,
  underruns: 3,
  outputUnderruns: 2,
  trimmedMs: 12.4,
  missingPackets: 1,
  bytesReceived: 1,
  framesReceived: 48_000 * 64.1,
  reconnects: 1,
  driftPpm: 38.6,
};

describe('listen summary line', () => {
  it('gives a device listener its audio, underruns (the output\'s apart), losses, trims, reconnects and drift', () => {
    assert.equal(
      describeListenSummary(base, 65_400, false),
      'stopped after 65 s: 64.1 s of audio received, 3 underruns (2 in the output), 1 missing, 12 ms trimmed, 1 reconnect, drift +39 ppm',
    );
  });

  it('leaves out the output part when the output had none, and signs a negative drift', () => {
    const line = describeListenSummary({ ...base, underruns: 1, outputUnderruns: 0, driftPpm: -120.2, reconnects: 0 }, 9_600, false);
    assert.equal(line, 'stopped after 10 s: 64.1 s of audio received, 1 underrun, 1 missing, 12 ms trimmed, 0 reconnects, drift -120 ppm');
  });

  it('gives a file or pipe listener only what applies to it', () => {
    const line = describeListenSummary({ ...base, missingPackets: 0, reconnects: 0 }, 12_000, true);
    assert.equal(line, 'stopped after 12 s: 64.1 s of audio received, 0 missing, 0 reconnects');
  });

  it('ends with the median latency and jitter of the run, as sampled while it played', () => {
    const medians = new RunMedians();
    for (const latencyMs of [80, 61.6, 62.2, 63, 200]) medians.add({ latencyMs, jitterMs: 7 });
    medians.add({ latencyMs: undefined, jitterMs: undefined }); // buffering: nothing known, nothing counted
    const line = describeListenSummary({ ...base, outputUnderruns: 0 }, 65_400, false, medians);
    assert.equal(
      line,
      'stopped after 65 s: 64.1 s of audio received, 3 underruns, 1 missing, 12 ms trimmed, 1 reconnect, drift +39 ppm, latency 63 ms, jitter 7 ms (medians)',
    );
  });

  it('gives a file listener only the jitter, and nothing when no sample knew either', () => {
    const medians = new RunMedians();
    medians.add({ latencyMs: undefined, jitterMs: 4.4 });
    medians.add({ latencyMs: undefined, jitterMs: 9 });
    medians.add({ latencyMs: undefined, jitterMs: 30 });
    assert.equal(medians.latencyMs, undefined);
    assert.equal(describeListenSummary({ ...base, missingPackets: 0, reconnects: 0 }, 12_000, true, medians), 'stopped after 12 s: 64.1 s of audio received, 0 missing, 0 reconnects, jitter 9 ms (median)');
    assert.match(describeListenSummary(base, 12_000, false, new RunMedians()), /drift \+39 ppm$/);
  });
});
