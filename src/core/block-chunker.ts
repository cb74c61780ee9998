/**
 * Cuts a capture device's buffers, whatever their length, into blocks of exactly BLOCK_FRAMES frames, each
 * with the clock reading of its first frame (for CaptureStamps).
 */
import { BLOCK_FRAMES, CHANNELS, framesToMs } from './audio-format.js';

/** Re-chunks interleaved stereo buffers into BLOCK_FRAMES blocks. */
export class BlockChunker {
  private pending = new Float32Array(BLOCK_FRAMES * CHANNELS);
  private pendingFrames = 0;
  private pendingStartMs = 0;

  /** @param onBlock gets each whole block (a fresh array, or the device's own when it is exactly one block) and the reading of its first frame [ms]. */
  constructor(private readonly onBlock: (samples: Float32Array, readingMs: number) => void) {}

  /** Takes one buffer (whole frames) whose last frame was read at `endMs`. */
  push(samples: Float32Array, endMs: number): void {
    const frames = samples.length / CHANNELS;
    if (frames === BLOCK_FRAMES && this.pendingFrames === 0) {
      // The usual case with audify: one device buffer is one block, a fresh buffer each time.
      this.onBlock(samples, endMs - framesToMs(BLOCK_FRAMES));
      return;
    }
    let offset = 0;
    while (offset < frames) {
      if (this.pendingFrames === 0) this.pendingStartMs = endMs - framesToMs(frames - offset);
      const take = Math.min(BLOCK_FRAMES - this.pendingFrames, frames - offset);
      this.pending.set(samples.subarray(offset * CHANNELS, (offset + take) * CHANNELS), this.pendingFrames * CHANNELS);
      this.pendingFrames += take;
      offset += take;
      if (this.pendingFrames === BLOCK_FRAMES) {
        const block = this.pending;
        this.pending = new Float32Array(BLOCK_FRAMES * CHANNELS);
        this.pendingFrames = 0;
        this.onBlock(block, this.pendingStartMs);
      }
    }
  }
}
