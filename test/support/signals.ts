/** Test signals and the measurements made on them (pure numbers). */

/** A stereo float signal: `silenceS` of silence, a `toneS` sine at `toneHz`/`amplitude`, then a `sweepS` sweep 300 Hz → 3 kHz. */
export function toneThenSweep(options: { silenceS: number; toneS: number; sweepS: number; toneHz: number; amplitude: number; sampleRate?: number }): Float32Array {
  const rate = options.sampleRate ?? 48_000;
  const silence = Math.round(options.silenceS * rate);
  const tone = Math.round(options.toneS * rate);
  const sweep = Math.round(options.sweepS * rate);
  const out = new Float32Array((silence + tone + sweep) * 2);
  for (let i = 0; i < tone; i++) {
    const v = options.amplitude * Math.sin((2 * Math.PI * options.toneHz * i) / rate);
    out[2 * (silence + i)] = v;
    out[2 * (silence + i) + 1] = v;
  }
  let phase = 0;
  for (let i = 0; i < sweep; i++) {
    const f = 300 * 10 ** (i / sweep); // 300 Hz → 3 kHz, exponential
    phase += (2 * Math.PI * f) / rate;
    const v = options.amplitude * Math.sin(phase);
    out[2 * (silence + tone + i)] = v;
    out[2 * (silence + tone + i) + 1] = v;
  }
  return out;
}

/** Power of `samples` (mono) at `hz` by the Goertzel algorithm, normalised so a full-scale sine gives 0.25 (amplitude²/4). */
export function goertzelPower(samples: ArrayLike<number>, hz: number, sampleRate = 48_000): number {
  const k = (2 * Math.PI * hz) / sampleRate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = (samples[i] as number) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (samples.length * samples.length);
}

/** Left channel of interleaved stereo. */
export function leftChannel(samples: Float32Array): Float32Array {
  return Float32Array.from({ length: samples.length / 2 }, (_, i) => samples[2 * i] as number);
}

/** Interleaved stereo sine, both channels alike, starting at phase frame `startFrame` (48 kHz). */
export function stereoSine(frames: number, hz: number, amplitude: number, startFrame = 0): Float32Array {
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * hz * (startFrame + i)) / 48_000);
    out[i * 2] = v;
    out[i * 2 + 1] = v;
  }
  return out;
}

/**
 * The loudest `seconds` stretch of a mono recording (48 kHz), searched in 10 ms steps: where a tone is,
 * whatever the start-up delays were, and clear of a dropout should a starved test daemon have caused one.
 */
export function loudestStretch(mono: Float32Array, seconds: number): Float32Array {
  const length = Math.round(seconds * 48_000);
  let best = -1;
  let bestAt = 0;
  for (let at = 0; at + length <= mono.length; at += 480) {
    const level = rms(mono.subarray(at, at + length));
    if (level > best) {
      best = level;
      bestAt = at;
    }
  }
  return mono.subarray(bestAt, bestAt + length);
}

/** RMS of a mono signal. */
export function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += (samples[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/**
 * The lag [frames] by which `later` trails `earlier` (both mono, same rate), searched in [0, maxLagFrames]:
 * a coarse pass on 10x-decimated envelopes-free signals, then a fine pass around the best coarse lag.
 */
export function delayFrames(earlier: Float32Array, later: Float32Array, maxLagFrames: number): number {
  const decimate = (x: Float32Array) => Float32Array.from({ length: Math.floor(x.length / 10) }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < 10; j++) sum += x[i * 10 + j] as number;
    return sum / 10;
  });
  const correlate = (a: Float32Array, b: Float32Array, lag: number) => {
    let sum = 0;
    const n = Math.min(a.length, b.length - lag);
    for (let i = 0; i < n; i++) sum += (a[i] as number) * (b[i + lag] as number);
    return sum;
  };
  const a10 = decimate(earlier);
  const b10 = decimate(later);
  let best = 0;
  let bestValue = -Infinity;
  for (let lag = 0; lag <= maxLagFrames / 10; lag++) {
    const value = correlate(a10, b10, lag);
    if (value > bestValue) [best, bestValue] = [lag * 10, value];
  }
  let fine = best;
  bestValue = -Infinity;
  for (let lag = Math.max(0, best - 20); lag <= best + 20; lag++) {
    const value = correlate(earlier, later, lag);
    if (value > bestValue) [fine, bestValue] = [lag, value];
  }
  return fine;
}
