import assert from 'node:assert/strict';
import { outputPathSizes } from '../../src/adapters/audio/audify-playback-sink.js';
import { pacatPathSizes, withReserve } from '../../src/adapters/audio/pacat-playback-sink.js';

describe('output path sizes', () => {
  it("'lean' trims buffers and queue on Linux, not PulseAudio's buffer; 'standard' keeps the slack for event-loop stalls", () => {
    assert.deepEqual(outputPathSizes('standard', 'linux'), { deviceFrames: 480, aheadMs: 30, pulseMs: 20 });
    assert.deepEqual(outputPathSizes('lean', 'linux'), { deviceFrames: 240, aheadMs: 15, pulseMs: 20 });
  });

  it("'lean' is the standard path where it was never measured (WASAPI, Core Audio)", () => {
    for (const platform of ['win32', 'darwin'] as const) {
      assert.deepEqual(outputPathSizes('lean', platform), outputPathSizes('standard', platform), platform);
    }
  });

  it("pacat's margin gives way to a reserve down to its least, so PulseAudio holds the standard 40 ms or more, not 40 on top", () => {
    const standard = pacatPathSizes('standard');
    assert.deepEqual(withReserve(standard, 0), standard);
    const at = (reserveMs: number) => {
      const sizes = withReserve(standard, reserveMs);
      return [sizes.aheadMs, sizes.pulseMs, sizes.aheadMs + reserveMs];
    };
    assert.deepEqual(at(5), [35, 35, 40]);
    assert.deepEqual(at(20), [20, 20, 40]);
    assert.deepEqual(at(55), [20, 20, 75]);
    assert.equal(withReserve(standard, 55).chunkFrames, standard.chunkFrames);
  });

  it("pacat's lean margin is already its least: a reserve only adds", () => {
    const lean = pacatPathSizes('lean');
    assert.deepEqual(withReserve(lean, 15), lean);
  });
});
