import assert from 'node:assert/strict';
import { BLOCK_FRAMES, CHANNELS, framesToMs } from '../../src/core/audio-format.js';
import { BlockChunker } from '../../src/core/block-chunker.js';

describe('BlockChunker', () => {
  it('cuts buffers of any length into whole blocks, in order, each with the reading of its first frame', () => {
    const blocks: { first: number; length: number; readingMs: number }[] = [];
    const chunker = new BlockChunker((samples, readingMs) => blocks.push({ first: samples[0] as number, length: samples.length, readingMs }));
    // Frames numbered 0, 1, 2… (both channels carry the number), in buffers of 100, 500 and 120 frames.
    let next = 0;
    const buffer = (frames: number) => Float32Array.from({ length: frames * CHANNELS }, (_, i) => next + Math.floor(i / CHANNELS));
    for (const [frames, endMs] of [[100, 10], [500, 20], [120, 30]] as const) {
      chunker.push(buffer(frames), endMs);
      next += frames;
    }
    assert.deepEqual(blocks.map((b) => [b.first, b.length]), [[0, BLOCK_FRAMES * CHANNELS], [240, BLOCK_FRAMES * CHANNELS], [480, BLOCK_FRAMES * CHANNELS]]);
    // Block 0 began in the first buffer, 100 frames before its end; block 1 in the second, 360 frames before its end.
    assert.equal(blocks[0]?.readingMs, 10 - framesToMs(100));
    assert.equal(blocks[1]?.readingMs, 20 - framesToMs(360));
    assert.equal(blocks[2]?.readingMs, 20 - framesToMs(120));
  });

  it('passes a buffer of exactly one block through as it is', () => {
    const seen: Float32Array[] = [];
    const chunker = new BlockChunker((samples) => seen.push(samples));
    const one = new Float32Array(BLOCK_FRAMES * CHANNELS);
    chunker.push(one, 5);
    assert.equal(seen[0], one);
  });
});
