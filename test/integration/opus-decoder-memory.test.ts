/** The Opus decoder must not leak: a film is hours of packets (audify's decoder leaked ~780 MB an hour). */
import assert from 'node:assert/strict';
import { AudifyOpusEncoder } from '../../src/adapters/audio/audify-opus-encoder.js';
import { OpusscriptDecoder } from '../../src/adapters/audio/opusscript-decoder.js';
import { OPUS_FRAMES } from '../../src/core/audio-format.js';

describe('Opus decoder memory', function () {
  this.timeout(60_000);

  it('stays flat over 20 000 packets (400 s of audio)', () => {
    const samples = new Float32Array(OPUS_FRAMES * 2).map((_, i) => 0.3 * Math.sin(i / 7));
    const packet = new AudifyOpusEncoder().encode(samples);
    const decoder = new OpusscriptDecoder();
    for (let i = 0; i < 2000; i++) decoder.decode(packet); // warm-up: wasm heap and JIT settle first
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 20_000; i++) decoder.decode(packet);
    const growthMb = (process.memoryUsage().rss - before) / 1e6;
    // audify's decoder grew 86 MB over the same run; allow for allocator noise, not for a leak.
    assert.ok(growthMb < 20, `RSS grew ${growthMb.toFixed(1)} MB`);
  });
});
