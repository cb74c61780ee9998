import assert from 'node:assert/strict';
import { Resampler } from '../../src/core/resampler.js';
import { prng } from '../support/prng.js';

/** Interleaved stereo sine: left at `amplitude`, right at half of it (so a channel mix-up shows). */
function stereoSine(hz: number, rate: number, frames: number, amplitude: number): Float32Array {
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
    out[i * 2] = v;
    out[i * 2 + 1] = v / 2;
  }
  return out;
}

/** One channel of an interleaved stereo buffer. */
function channel(samples: Float32Array, index: number): Float64Array {
  const out = new Float64Array(samples.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = samples[i * 2 + index] as number;
  return out;
}

function rms(values: ArrayLike<number>, from = 0, to = values.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (values[i] as number) ** 2;
  return Math.sqrt(sum / (to - from));
}

function zeroCrossings(values: Float64Array, from: number, to: number): number {
  let count = 0;
  for (let i = from + 1; i < to; i++) if (((values[i - 1] as number) < 0) !== ((values[i] as number) < 0)) count++;
  return count;
}

const db = (ratio: number): number => 20 * Math.log10(ratio);

describe('Resampler', () => {
  for (const [inputRate, outputRate] of [[44_100, 48_000], [48_000, 44_100]] as const) {
    it(`${inputRate} -> ${outputRate} Hz keeps a 1 kHz sine's frequency, level and purity`, () => {
      const resampler = new Resampler({ inputRate, outputRate });
      const out = resampler.process(stereoSine(1000, inputRate, inputRate, 0.5));
      // Output frame k is the input at time k / outputRate: compare with the ideal sine, after start-up.
      const settle = 4 * resampler.latencyFrames;
      const end = out.length / 2;
      const left = channel(out, 0);
      const right = channel(out, 1);
      let noise = 0;
      let signal = 0;
      for (let k = settle; k < end; k++) {
        const ideal = 0.5 * Math.sin((2 * Math.PI * 1000 * k) / outputRate);
        signal += ideal ** 2;
        noise += ((left[k] as number) - ideal) ** 2 + ((right[k] as number) - ideal / 2) ** 2 / 0.25;
      }
      const snrDb = 10 * Math.log10(signal / (noise / 2));
      assert.ok(snrDb > 60, `SNR ${snrDb.toFixed(1)} dB`);
      assert.ok(Math.abs(db(rms(left, settle, end) / (0.5 / Math.SQRT2))) < 0.1, 'left level within 0.1 dB');
      assert.ok(Math.abs(db(rms(right, settle, end) / (0.25 / Math.SQRT2))) < 0.1, 'right level within 0.1 dB');
      const seconds = (end - settle) / outputRate;
      assert.ok(Math.abs(zeroCrossings(left, settle, end) - 2000 * seconds) <= 2, 'still 1000 Hz');
    });
  }

  it('gives the same output however the input is chunked', () => {
    const random = prng(7);
    const input = new Float32Array(2 * 20_000).map(() => random() * 2 - 1);
    for (const [inputRate, outputRate] of [[48_000, 44_100], [44_100, 48_000]] as const) {
      const whole = new Resampler({ inputRate, outputRate }).process(input);
      const chunked = new Resampler({ inputRate, outputRate });
      const parts: Float32Array[] = [];
      for (let at = 0; at < input.length / 2;) {
        const frames = Math.min(Math.floor(random() * 700), input.length / 2 - at);
        parts.push(chunked.process(input.subarray(at * 2, (at + frames) * 2)));
        at += frames;
      }
      const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
      assert.equal(joined.length, whole.length);
      let worst = 0;
      for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs((whole[i] as number) - (joined[i] as number)));
      assert.ok(worst <= 1e-6, `largest difference ${worst}`);
    }
  });

  it('filters out what would alias when going down to 44.1 kHz', () => {
    for (const [hz, minimumDb] of [[21_000, 40], [22_500, 70], [23_000, 70]] as const) {
      const resampler = new Resampler({ inputRate: 48_000, outputRate: 44_100 });
      const out = channel(resampler.process(stereoSine(hz, 48_000, 48_000, 1)), 0);
      const attenuationDb = -db(rms(out, 1000, out.length) / Math.SQRT1_2);
      assert.ok(attenuationDb >= minimumDb, `${hz} Hz down only ${attenuationDb.toFixed(1)} dB`);
    }
  });

  it('returns about input * ratio frames, exactly that after flush()', () => {
    const resampler = new Resampler({ inputRate: 48_000, outputRate: 44_100 });
    const out = resampler.process(new Float32Array(2 * 48_000));
    const expected = 44_100 - resampler.latencyFrames * (44_100 / 48_000);
    assert.ok(Math.abs(out.length / 2 - expected) <= 2, `${out.length / 2} frames`);
    assert.equal((out.length + resampler.flush().length) / 2, 44_100);
  });

  it('handles any channel count', () => {
    const mono = new Resampler({ inputRate: 48_000, outputRate: 44_100, channels: 1 });
    const stereo = new Resampler({ inputRate: 48_000, outputRate: 44_100 });
    const sine = stereoSine(440, 48_000, 4800, 0.5);
    const left = Float32Array.from(channel(sine, 0));
    assert.deepEqual([...mono.process(left)], [...channel(stereo.process(sine), 0)].map(Math.fround));
    assert.throws(() => stereo.process(new Float32Array(3)), RangeError);
  });

  it('glides the ratio for drift correction and clamps it to ±5000 ppm', () => {
    const frames = (ppm: number): number => {
      const resampler = new Resampler({ inputRate: 48_000, outputRate: 48_000 });
      resampler.setRatioAdjustPpm(ppm);
      return resampler.process(new Float32Array(2 * 96_000)).length / 2;
    };
    const unadjusted = frames(0);
    // +1000 ppm over 2 s: 96 more frames, less the ~4.8 not gained during the ~100 ms (4800-frame) glide.
    const extra = frames(1000) - unadjusted;
    assert.ok(Math.abs(extra - (96 - 4.8)) <= 2, `${extra} extra frames`);
    assert.equal(frames(1e6), frames(5000));
    assert.equal(frames(-1e6), frames(-5000));
    assert.throws(() => new Resampler({ inputRate: 1, outputRate: 1 }).setRatioAdjustPpm(Number.NaN), RangeError);
  });

  it('refuses rates that are not positive numbers', () => {
    for (const rate of [0, -44_100, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new Resampler({ inputRate: rate, outputRate: 48_000 }), RangeError);
      assert.throws(() => new Resampler({ inputRate: 48_000, outputRate: rate }), RangeError);
    }
    assert.throws(() => new Resampler({ inputRate: 48_000, outputRate: 44_100, channels: 0 }), RangeError);
  });
});
