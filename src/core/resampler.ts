/** Streaming band-limited sample-rate conversion (48 kHz <-> 44.1 kHz for AuraLync v1), with drift trim. */

/** Options of a Resampler. */
export interface ResamplerOptions {
  /** Rate of the samples given to process() [Hz], > 0. */
  readonly inputRate: number;
  /** Rate of the samples process() returns [Hz], > 0. */
  readonly outputRate: number;
  /** Interleaved channels, integer 1..32 (default 2). */
  readonly channels?: number;
}

/** Taps on each side of the centre, counted at the lower of the two rates (more taps: steeper filter). */
const HALF_TAPS = 32;
/** Cutoff (-6 dB point) as a fraction of the lower rate's Nyquist: flat to ~18 kHz, ≥ 55 dB down at 21 kHz for 44.1 kHz. */
const CUTOFF = 0.88;
/** Kaiser window shape: β = 8 gives ~80 dB of stopband attenuation. */
const KAISER_BETA = 8;
/** Phases of the polyphase table; coefficients between phases are linearly interpolated (error < -100 dB). */
const PHASES = 512;
/** Largest drift correction setRatioAdjustPpm() accepts [ppm]. */
const MAX_ADJUST_PPM = 5000;
/** Time constant of the glide to a new drift correction [output frames per unit of 1/e]: ~100 ms at 48 kHz. */
const ADJUST_GLIDE_FRAMES = 4800;

/** Zeroth-order modified Bessel function of the first kind, for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 64; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/**
 * Arbitrary-ratio windowed-sinc (Kaiser) resampler for interleaved Float32 audio. Output frame k sits at input
 * time k * inputRate / outputRate, so nothing is shifted in time; the cost is latencyFrames of look-ahead.
 * Chunking does not matter: any split of the input gives the same output, bit for bit.
 */
export class Resampler {
  /** Rate of the input [Hz]. */
  readonly inputRate: number;
  /** Rate of the output [Hz]. */
  readonly outputRate: number;
  /** Interleaved channels. */
  readonly channels: number;

  /** Taps in one polyphase row (2 * half width, in input frames). */
  readonly #taps: number;
  /** Input frames the filter reaches ahead of (and behind) the output position. */
  readonly #half: number;
  /** (PHASES + 1) rows of #taps coefficients; row p is the filter offset by p / PHASES of an input frame. */
  readonly #table: Float32Array;
  /** Input frames per output frame without drift correction. */
  readonly #baseStep: number;
  #step: number;
  #targetStep: number;
  /** Interleaved input not yet fully used; frame 0 is the oldest the filter still needs. */
  #history: Float32Array;
  #historyFrames = 0;
  /** Position of the next output frame: history frame #index plus #fraction (0 <= #fraction < 1). */
  #index = 0;
  #fraction = 0;

  constructor(options: ResamplerOptions) {
    const { inputRate, outputRate, channels = 2 } = options;
    for (const [name, rate] of [['inputRate', inputRate], ['outputRate', outputRate]] as const) {
      if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`${name} must be a positive number of Hz, got ${rate}`);
    }
    if (!Number.isInteger(channels) || channels < 1 || channels > 32) {
      throw new RangeError(`channels must be an integer from 1 to 32, got ${channels}`);
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.channels = channels;
    this.#baseStep = inputRate / outputRate;
    this.#step = this.#baseStep;
    this.#targetStep = this.#baseStep;

    // Downsampling: widen the filter in input frames so its cutoff follows the (lower) output rate.
    const scale = Math.min(1, outputRate / inputRate);
    const width = HALF_TAPS / scale;
    this.#half = Math.ceil(width);
    this.#taps = 2 * this.#half;
    this.#table = buildTable(this.#half, width, CUTOFF * scale);
    // The output at position 0 needs #half frames of the past: start with them silent.
    this.#history = new Float32Array((this.#taps + 1024) * channels);
    this.#historyFrames = this.#half - 1;
    this.#index = this.#half - 1;
  }

  /** Input frames that must arrive after an instant before the output for that instant can be computed. */
  get latencyFrames(): number {
    return this.#half;
  }

  /** Current conversion ratio, output frames per input frame (drift correction included). */
  get ratio(): number {
    return 1 / this.#step;
  }

  /**
   * Scales the conversion ratio by (1 + ppm * 1e-6), clamped to ±5000 ppm; positive ppm gives more output.
   * The change glides in over ~100 ms, so correcting clock drift makes no audible step.
   */
  setRatioAdjustPpm(ppm: number): void {
    if (!Number.isFinite(ppm)) throw new RangeError(`ratio adjustment must be a finite number of ppm, got ${ppm}`);
    const clamped = Math.max(-MAX_ADJUST_PPM, Math.min(MAX_ADJUST_PPM, ppm));
    this.#targetStep = this.#baseStep / (1 + clamped * 1e-6);
  }

  /** Consumes interleaved input (any number of whole frames) and returns every output frame now computable. */
  process(input: Float32Array): Float32Array {
    const ch = this.channels;
    if (input.length % ch !== 0) throw new RangeError(`input of ${input.length} samples is not whole ${ch}-channel frames`);
    this.#append(input);

    const last = this.#historyFrames - 1 - this.#half; // highest #index whose taps have all arrived
    if (this.#index > last) return new Float32Array(0);
    const minStep = Math.min(this.#step, this.#targetStep);
    const capacity = Math.floor((last - this.#index + 1 - this.#fraction) / minStep) + 2;
    const out = new Float32Array(capacity * ch);

    const table = this.#table;
    const taps = this.#taps;
    const history = this.#history;
    let index = this.#index;
    let fraction = this.#fraction;
    let step = this.#step;
    const target = this.#targetStep;
    let frames = 0;
    while (index <= last) {
      const phase = fraction * PHASES;
      const row = Math.floor(phase);
      const mix = phase - row;
      const rowA = row * taps;
      const rowB = rowA + taps;
      const first = index - this.#half + 1;
      if (ch === 2) {
        let left = 0;
        let right = 0;
        let at = first * 2;
        for (let t = 0; t < taps; t++, at += 2) {
          const a = table[rowA + t] as number;
          const c = a + mix * ((table[rowB + t] as number) - a);
          left += c * (history[at] as number);
          right += c * (history[at + 1] as number);
        }
        out[frames * 2] = left;
        out[frames * 2 + 1] = right;
      } else {
        for (let k = 0; k < ch; k++) {
          let acc = 0;
          let at = first * ch + k;
          for (let t = 0; t < taps; t++, at += ch) {
            const a = table[rowA + t] as number;
            acc += (a + mix * ((table[rowB + t] as number) - a)) * (history[at] as number);
          }
          out[frames * ch + k] = acc;
        }
      }
      frames++;
      if (step !== target) {
        step += (target - step) / ADJUST_GLIDE_FRAMES;
        if (Math.abs(target - step) < 1e-12) step = target;
      }
      fraction += step;
      const whole = Math.floor(fraction);
      fraction -= whole;
      index += whole;
    }
    this.#index = index;
    this.#fraction = fraction;
    this.#step = step;
    return frames === capacity ? out : out.slice(0, frames * ch);
  }

  /** Ends the stream: feeds latencyFrames of silence and returns the output still held back. */
  flush(): Float32Array {
    return this.process(new Float32Array(this.#half * this.channels));
  }

  /** Forgets all input and any glide in progress (the drift correction itself is kept). */
  reset(): void {
    this.#history.fill(0);
    this.#historyFrames = this.#half - 1;
    this.#index = this.#half - 1;
    this.#fraction = 0;
    this.#step = this.#targetStep;
  }

  /** Appends input to the history, first dropping frames the filter will never reach again. */
  #append(input: Float32Array): void {
    const ch = this.channels;
    const drop = Math.max(0, Math.min(this.#index - this.#half + 1, this.#historyFrames));
    if (drop > 0) {
      this.#history.copyWithin(0, drop * ch, this.#historyFrames * ch);
      this.#historyFrames -= drop;
      this.#index -= drop;
    }
    const needed = (this.#historyFrames + input.length / ch) * ch;
    if (needed > this.#history.length) {
      const grown = new Float32Array(Math.max(needed, this.#history.length * 2));
      grown.set(this.#history.subarray(0, this.#historyFrames * ch));
      this.#history = grown;
    }
    this.#history.set(input, this.#historyFrames * ch);
    this.#historyFrames += input.length / ch;
  }
}

/**
 * Polyphase table: row p, tap t holds h(t - (half - 1) - p / PHASES), where h is a Kaiser-windowed sinc with
 * cutoff `cutoff` (fraction of the input Nyquist) and window half width `width` input frames. Each row is
 * normalised to unit DC gain so every phase (and every blend of two) passes a constant unchanged.
 */
function buildTable(half: number, width: number, cutoff: number): Float32Array {
  const taps = 2 * half;
  const table = new Float32Array((PHASES + 1) * taps);
  const norm = besselI0(KAISER_BETA);
  const row = new Float64Array(taps);
  for (let p = 0; p <= PHASES; p++) {
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const x = t - (half - 1) - p / PHASES;
      const r = x / width;
      let value = 0;
      if (Math.abs(r) < 1) {
        const sinc = x === 0 ? cutoff : Math.sin(Math.PI * cutoff * x) / (Math.PI * x);
        value = sinc * (besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / norm);
      }
      row[t] = value;
      sum += value;
    }
    for (let t = 0; t < taps; t++) table[p * taps + t] = (row[t] as number) / sum;
  }
  return table;
}
