import assert from 'node:assert/strict';
import { outputPathSizes } from '../../src/adapters/audio/audify-playback-sink.js';

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
});
