/**
 * What a clocked sink pulls from: the jitter buffer, played through a resampler whose speed the drift
 * controller trims by a few hundred ppm, so the buffer stays at its target for hours (issue 6).
 */
import { CHANNELS } from './audio-format.js';
import { DriftController } from './drift-controller.js';
import { JitterBuffer } from './jitter-buffer.js';
import { Resampler } from './resampler.js';

/** Frames pulled from the jitter buffer at a time: 2.5 ms, so the output FIFO adds at most that much delay. */
const PULL_FRAMES = 120;

/** Jitter buffer + drift-corrected resampling, rendered on the sink's clock. */
export class RateMatchedPlayout {
  private readonly resampler = new Resampler({ inputRate: 48_000, outputRate: 48_000, channels: CHANNELS });
  private fifo = new Float32Array(0);
  private reserveMs = 0;
  private reserveLevelMs: () => number = () => 0;

  constructor(
    /** The buffer audio comes from. */
    readonly jitter: JitterBuffer,
    /** The controller that trims playback speed. */
    readonly controller: DriftController = new DriftController(),
  ) {}

  /**
   * Part of the buffering is kept past the sink (ClockedSink.setReserveMs): `reserveMs` more is the target,
   * and `levelMs()` says how much of it is held there now. The drift controller then keeps the two
   * together at the jitter buffer's target plus the reserve.
   */
  setReserve(reserveMs: number, levelMs: () => number): void {
    this.reserveMs = reserveMs;
    this.reserveLevelMs = levelMs;
  }

  /** Exactly `frames` interleaved stereo frames for the sink; also advances the drift controller. */
  render(frames: number): Float32Array {
    while (this.fifo.length < frames * CHANNELS) {
      // Until the buffer plays, the rest of the request is asked of it at once: it starts holding its target
      // beyond what the render that starts it takes (JitterBuffer.render), so that render must be the whole request.
      const pull = this.jitter.state === 'playing' ? PULL_FRAMES : Math.max(PULL_FRAMES, frames - this.fifo.length / CHANNELS);
      const produced = this.resampler.process(this.jitter.render(pull));
      if (produced.length === 0) continue;
      const grown = new Float32Array(this.fifo.length + produced.length);
      grown.set(this.fifo);
      grown.set(produced, this.fifo.length);
      this.fifo = grown;
    }
    const out = this.fifo.slice(0, frames * CHANNELS);
    this.fifo = this.fifo.subarray(frames * CHANNELS);
    const stats = this.jitter.stats;
    if (stats.state === 'playing') {
      const ppm = this.controller.update(stats.bufferedMs + this.reserveLevelMs(), stats.targetMs + this.reserveMs, frames / 48_000);
      // Faster consumption = fewer output frames per input frame = a negative ratio adjustment.
      this.resampler.setRatioAdjustPpm(-ppm);
    } else {
      this.controller.resetLevel();
    }
    return out;
  }

  /**
   * Whether render(frames) would be all received audio: true unless the buffer is playing and holds too
   * little (render would fade to silence and count an underrun). While it is buffering, render's silence
   * is meant, so true. One pull of margin covers the resampler taking a frame more or less.
   */
  canRender(frames: number): boolean {
    if (this.jitter.state !== 'playing') return true;
    const held = this.fifo.length / CHANNELS + this.jitter.bufferedFrames;
    return held >= frames + PULL_FRAMES;
  }

  /**
   * The level the drift controller holds at the target, smoothed [ms] (the jitter buffer plus the reserve);
   * undefined unless the buffer plays (a re-buffer or a new connection forgets it).
   */
  get smoothedLevelMs(): number | undefined {
    return this.jitter.state === 'playing' ? this.controller.smoothedLevelMs : undefined;
  }

  /** Audio held between the jitter buffer and the sink [ms]: the FIFO plus the resampler's look-ahead. */
  get pipelineMs(): number {
    return ((this.fifo.length / CHANNELS + this.resampler.latencyFrames) * 1000) / 48_000;
  }
}
