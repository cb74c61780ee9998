/** Volume boost with a peak limiter, so a boosted quiet stream never clips. */
import { CHANNELS, SAMPLE_RATE } from './audio-format.js';

/** Options of a BoostLimiter; every field has a default. */
export interface BoostLimiterOptions {
  /** Linear amplitude gain, 1..10 (default 1). */
  readonly boost?: number;
  /** Largest absolute output sample, in (threshold, 1] (default 0.989 ≈ -0.1 dBFS). */
  readonly ceiling?: number;
  /** Level where the soft knee begins, in (0, ceiling) (default 0.9 ≈ -0.9 dBFS); below it nothing changes. */
  readonly threshold?: number;
  /** How long the gain holds after a peak before it releases [ms], 0..100 (default 10). */
  readonly holdMs?: number;
  /** Release time constant of the peak envelope [ms], 1..1000 (default 60: ~20 dB recovered in ~150 ms). */
  readonly releaseMs?: number;
  /** Sample rate [Hz] (default 48 000). */
  readonly sampleRate?: number;
  /** Interleaved channels, linked so the stereo image stays put (default 2). */
  readonly channels?: number;
}

/** Smallest boost setBoost() accepts (unity gain). */
export const MIN_BOOST = 1;
/** Largest boost setBoost() accepts (+20 dB). */
export const MAX_BOOST = 10;
/** A new boost glides in over this long [ms], so turning the knob does not click. */
const BOOST_GLIDE_MS = 10;

/**
 * Boost then limit, in place. The limiter follows a peak envelope with instant attack (no look-ahead, so no
 * latency), a hold, and an exponential release; its static curve is the identity up to `threshold` and a tanh
 * soft knee from there that approaches, but never reaches, `ceiling`. So every output sample satisfies
 * |y| <= ceiling, and at boost 1 a signal that stays at or under `threshold` passes bit for bit.
 */
export class BoostLimiter {
  /** Largest absolute output sample. */
  readonly ceiling: number;
  /** Level where limiting begins. */
  readonly threshold: number;
  readonly #channels: number;
  /** Largest float32 that is <= ceiling: the last-resort clamp, so rounding to float32 cannot overshoot. */
  readonly #ceilingF32: number;
  readonly #kneeRange: number;
  readonly #holdFrames: number;
  /** Per-frame multiplier of the envelope during release. */
  readonly #releaseCoef: number;
  readonly #glideFrames: number;
  #boost: number;
  #targetBoost: number;
  #boostStep = 0;
  /** Peak envelope of the boosted signal (linear amplitude). */
  #envelope = 0;
  #holdLeft = 0;
  #gain = 1;

  constructor(options: BoostLimiterOptions = {}) {
    const {
      boost = 1, ceiling = 0.989, threshold = 0.9, holdMs = 10, releaseMs = 60, sampleRate = SAMPLE_RATE, channels = CHANNELS,
    } = options;
    checkBoost(boost);
    if (!(ceiling > 0 && ceiling <= 1)) throw new RangeError(`ceiling must be in (0, 1], got ${ceiling}`);
    if (!(threshold > 0 && threshold < ceiling)) throw new RangeError(`threshold must be in (0, ceiling), got ${threshold}`);
    if (!(holdMs >= 0 && holdMs <= 100)) throw new RangeError(`holdMs must be in [0, 100], got ${holdMs}`);
    if (!(releaseMs >= 1 && releaseMs <= 1000)) throw new RangeError(`releaseMs must be in [1, 1000], got ${releaseMs}`);
    if (!(sampleRate > 0 && Number.isFinite(sampleRate))) throw new RangeError(`sampleRate must be positive, got ${sampleRate}`);
    if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
    this.ceiling = ceiling;
    this.threshold = threshold;
    this.#channels = channels;
    this.#ceilingF32 = float32AtMost(ceiling);
    this.#kneeRange = ceiling - threshold;
    this.#holdFrames = Math.round((holdMs * sampleRate) / 1000);
    this.#releaseCoef = Math.exp(-1000 / (releaseMs * sampleRate));
    this.#glideFrames = Math.max(1, Math.round((BOOST_GLIDE_MS * sampleRate) / 1000));
    this.#boost = boost;
    this.#targetBoost = boost;
  }

  /** The boost being glided to (or applied), 1..10. */
  get boost(): number {
    return this.#targetBoost;
  }

  /** How far the limiter is pulling the level down now [dB], >= 0 (0: not limiting). */
  get gainReductionDb(): number {
    return this.#gain >= 1 ? 0 : -20 * Math.log10(this.#gain);
  }

  /** Sets the linear boost, 1..10; throws RangeError outside that or for a non-finite value. Glides over 10 ms. */
  setBoost(boost: number): void {
    checkBoost(boost);
    this.#targetBoost = boost;
    this.#boostStep = (boost - this.#boost) / this.#glideFrames;
  }

  /** Boosts and limits interleaved samples in place (whole frames); NaN and ±Infinity become 0. Returns `samples`. */
  process(samples: Float32Array): Float32Array {
    const ch = this.#channels;
    if (samples.length % ch !== 0) throw new RangeError(`${samples.length} samples are not whole ${ch}-channel frames`);
    const threshold = this.threshold;
    const clamp = this.#ceilingF32;
    let boost = this.#boost;
    let envelope = this.#envelope;
    let holdLeft = this.#holdLeft;
    let gain = this.#gain;
    for (let frame = 0; frame < samples.length; frame += ch) {
      if (boost !== this.#targetBoost) boost = this.#glideBoost(boost);
      let peak = 0;
      for (let i = frame; i < frame + ch; i++) {
        const x = samples[i] as number;
        if (!Number.isFinite(x)) samples[i] = 0;
        else if (Math.abs(x) > peak) peak = Math.abs(x);
      }
      peak *= boost;
      if (peak >= envelope) {
        // Instant attack: the gain for this very frame already accounts for its peak.
        gain = this.#staticGain(peak);
        envelope = peak;
        holdLeft = this.#holdFrames;
      } else if (envelope > threshold) {
        if (holdLeft > 0) holdLeft--;
        else {
          envelope *= this.#releaseCoef;
          gain = this.#staticGain(envelope);
        }
      }
      const scale = boost * gain;
      if (scale === 1) continue; // bit-exact identity: unity boost, not limiting
      for (let i = frame; i < frame + ch; i++) {
        const y = (samples[i] as number) * scale;
        samples[i] = y > clamp ? clamp : y < -clamp ? -clamp : y;
      }
    }
    this.#boost = boost;
    this.#envelope = envelope;
    this.#holdLeft = holdLeft;
    this.#gain = gain;
    return samples;
  }

  /** Forgets the envelope (as after silence); the boost is kept. */
  reset(): void {
    this.#envelope = 0;
    this.#holdLeft = 0;
    this.#gain = 1;
    this.#boost = this.#targetBoost;
  }

  /** One frame's step of the boost glide; lands exactly on the target. */
  #glideBoost(boost: number): number {
    const next = boost + this.#boostStep;
    const target = this.#targetBoost;
    return (this.#boostStep > 0 ? next >= target : next <= target) ? target : next;
  }

  /** Gain that maps a peak of `level` onto the soft-knee curve: 1 up to the threshold, then tanh towards the ceiling. */
  #staticGain(level: number): number {
    if (level <= this.threshold) return 1;
    const range = this.#kneeRange;
    return (this.threshold + range * Math.tanh((level - this.threshold) / range)) / level;
  }
}

/** Throws RangeError unless 1 <= boost <= 10. */
function checkBoost(boost: number): void {
  if (!Number.isFinite(boost) || boost < MIN_BOOST || boost > MAX_BOOST) {
    throw new RangeError(`boost must be a number from ${MIN_BOOST} to ${MAX_BOOST}, got ${boost}`);
  }
}

/** The largest float32 value that is not above `value` (value > 0). */
function float32AtMost(value: number): number {
  const rounded = Math.fround(value);
  if (rounded <= value) return rounded;
  const bits = new Uint32Array(new Float32Array([rounded]).buffer);
  bits[0] = (bits[0] as number) - 1;
  return new Float32Array(bits.buffer)[0] as number;
}
