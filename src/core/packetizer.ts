/** Re-chunks a stream of audio blocks into packets of a fixed number of frames, keeping capture times. */
import { CHANNELS, SAMPLE_RATE, type AudioBlock } from './audio-format.js';

/** Collects interleaved stereo samples and emits them in runs of exactly `packetFrames` frames. */
export class Packetizer {
  private buffer: Float32Array;
  private filledFrames = 0;
  private firstFrameTimeMs = 0;

  /**
   * @param packetFrames frames per emitted packet (≥ 1)
   * @param sampleRate rate of the incoming samples [Hz], for time stamps
   */
  constructor(
    readonly packetFrames: number,
    private readonly sampleRate = SAMPLE_RATE,
  ) {
    if (!Number.isInteger(packetFrames) || packetFrames < 1) throw new RangeError('packetFrames must be an integer ≥ 1');
    this.buffer = new Float32Array(packetFrames * CHANNELS);
  }

  /** Adds a block; returns every full packet now ready (each a fresh array with its first frame's capture time). */
  push(block: AudioBlock): AudioBlock[] {
    const out: AudioBlock[] = [];
    const frames = block.samples.length / CHANNELS;
    let offset = 0;
    while (offset < frames) {
      if (this.filledFrames === 0) this.firstFrameTimeMs = block.captureTimeMs + (offset * 1000) / this.sampleRate;
      const take = Math.min(frames - offset, this.packetFrames - this.filledFrames);
      this.buffer.set(block.samples.subarray(offset * CHANNELS, (offset + take) * CHANNELS), this.filledFrames * CHANNELS);
      this.filledFrames += take;
      offset += take;
      if (this.filledFrames === this.packetFrames) {
        out.push({ samples: this.buffer, captureTimeMs: this.firstFrameTimeMs });
        this.buffer = new Float32Array(this.packetFrames * CHANNELS);
        this.filledFrames = 0;
      }
    }
    return out;
  }
}
