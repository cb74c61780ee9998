/** An AudioSource a test drives by hand: emit() delivers one 10 ms block. */
import { BLOCK_FRAMES, CHANNELS } from '../../src/core/audio-format.js';
import type { AudioSource, AudioSourceHandlers } from '../../src/ports/audio-source.js';

export class FakeAudioSource implements AudioSource {
  readonly description = 'fake source';
  handlers: AudioSourceHandlers | undefined;
  stopped = false;
  private emitted = 0;

  start(handlers: AudioSourceHandlers): Promise<void> {
    this.handlers = handlers;
    return Promise.resolve();
  }

  /** Delivers one block whose samples encode the block number (so gaps are visible). */
  emit(): void {
    const samples = new Float32Array(BLOCK_FRAMES * CHANNELS).fill((this.emitted % 1000) / 1000);
    this.handlers?.onBlock({ samples, captureTimeMs: this.emitted * 10 });
    this.emitted++;
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
