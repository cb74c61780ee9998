import assert from 'node:assert/strict';
import { PcmDecoder, PcmEncoder } from '../../src/core/pcm-codec.js';

describe('PCM codec', () => {
  it('is lossless for every float32 value in range', () => {
    const samples = new Float32Array(960).map((_, i) => Math.fround(Math.sin(i) * 0.999));
    assert.deepEqual([...new PcmDecoder().decode(new PcmEncoder().encode(samples))], [...samples]);
  });

  it('refuses payloads that are not whole stereo frames', () => {
    assert.throws(() => new PcmDecoder().decode(new Uint8Array(12)), /whole stereo frames/);
    assert.throws(() => new PcmDecoder().decode(new Uint8Array(0)), /whole stereo frames/);
  });

  it('conceals with silence of the asked length', () => {
    assert.equal(new PcmDecoder().conceal(480).length, 960);
  });
});
