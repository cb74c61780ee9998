import assert from 'node:assert/strict';
import { BoostLimiter } from '../../src/core/boost-limiter.js';
import { prng } from '../support/prng.js';

const RATE = 48_000;
const CEILING = 0.989;

/** Interleaved stereo sine, the same on both channels, starting at frame `from`. */
function sine(hz: number, amplitude: number, frames: number, from = 0): Float32Array {
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) out[i * 2] = out[i * 2 + 1] = amplitude * Math.sin((2 * Math.PI * hz * (i + from)) / RATE);
  return out;
}

/** Power of one frequency in the left channel of `samples[from..]` (Goertzel). */
function goertzel(samples: Float32Array, hz: number, from: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < samples.length / 2; i++) {
    const s0 = (samples[i * 2] as number) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/** Odd-harmonic distortion of a 1 kHz tone [dB relative to the fundamental]. */
function harmonicsDb(samples: Float32Array, from: number): number {
  const harmonics = [3000, 5000, 7000].reduce((sum, hz) => sum + goertzel(samples, hz, from), 0);
  return 10 * Math.log10(harmonics / goertzel(samples, 1000, from));
}

function peak(samples: Float32Array): number {
  return samples.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
}

/** Runs `samples` through `limiter` in 10 ms blocks, as the capture path does. */
function inBlocks(limiter: BoostLimiter, samples: Float32Array): Float32Array {
  for (let at = 0; at < samples.length; at += 960) limiter.process(samples.subarray(at, at + 960));
  return samples;
}

describe('BoostLimiter', () => {
  it('never exceeds the ceiling at 10x, on full-scale noise, a full-scale sine, and garbage', () => {
    const random = prng(1);
    const noise = new Float32Array(2 * RATE).map(() => random() * 2 - 1);
    noise[0] = 1;
    noise[1] = -1;
    assert.ok(peak(inBlocks(new BoostLimiter({ boost: 10 }), noise)) <= CEILING);
    assert.ok(peak(inBlocks(new BoostLimiter({ boost: 10 }), sine(1000, 1, RATE))) <= CEILING);
    const garbage = Float32Array.from([Number.NaN, 1e30, Number.POSITIVE_INFINITY, -1e30, Number.NEGATIVE_INFINITY, 2]);
    const out = new BoostLimiter({ boost: 10 }).process(garbage);
    assert.ok(out.every((x) => Number.isFinite(x) && Math.abs(x) <= CEILING));
    assert.equal(out[0], 0);
    assert.equal(out[2], 0);
  });

  it('is a bit-exact identity at 1x while the signal stays at or under the 0.9 threshold', () => {
    const random = prng(2);
    const input = new Float32Array(2 * RATE).map(() => Math.fround((random() * 2 - 1) * 0.9));
    input[100] = 0.9;
    input[101] = -0.9;
    input[102] = -0;
    const output = inBlocks(new BoostLimiter(), input.slice());
    assert.ok(Buffer.from(output.buffer).equals(Buffer.from(input.buffer)));
  });

  it('distorts a 10x-boosted 0.5 sine far less than hard clipping would', () => {
    const boosted = inBlocks(new BoostLimiter({ boost: 10 }), sine(1000, 0.5, RATE / 2));
    const clipped = sine(1000, 0.5, RATE / 2).map((x) => Math.max(-CEILING, Math.min(CEILING, x * 10)));
    const settled = RATE / 10;
    const limiterDb = harmonicsDb(boosted, settled);
    const clipperDb = harmonicsDb(clipped, settled);
    assert.ok(limiterDb < clipperDb - 20, `limiter ${limiterDb.toFixed(1)} dB vs clipping ${clipperDb.toFixed(1)} dB`);
    assert.ok(limiterDb < -60, `limiter harmonics at ${limiterDb.toFixed(1)} dB`);
    assert.ok(peak(boosted.subarray(settled * 2)) > 0.95, 'the limited sine is still loud');
  });

  it('recovers to unity gain within 300 ms after a loud burst', () => {
    const limiter = new BoostLimiter({ boost: 10 });
    const random = prng(3);
    inBlocks(limiter, new Float32Array(2 * (RATE / 10)).map(() => random() * 2 - 1));
    assert.ok(limiter.gainReductionDb > 15, `reduction ${limiter.gainReductionDb} dB during the burst`);
    // Afterwards a quiet tone (peaks 0.05 * 10 = 0.5) must come back to the full 10x within 300 ms.
    const quiet = sine(1000, 0.05, (RATE * 3) / 10);
    const out = inBlocks(limiter, quiet.slice());
    assert.equal(limiter.gainReductionDb, 0);
    const last = (RATE * 29) / 100;
    for (let i = last * 2; i < out.length; i++) assert.equal(out[i], Math.fround((quiet[i] as number) * 10));
  });

  it('applies the boost, gliding to a new one without a step', () => {
    const limiter = new BoostLimiter();
    limiter.setBoost(2);
    assert.equal(limiter.boost, 2);
    const out = inBlocks(limiter, new Float32Array(2 * 960).fill(0.25));
    assert.ok(out[0] as number < 0.26, 'glides in rather than jumping');
    assert.equal(out[out.length - 1], 0.5);
  });

  it('refuses a boost outside 1..10', () => {
    for (const bad of [0, 0.99, 10.01, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new BoostLimiter().setBoost(bad), RangeError);
      assert.throws(() => new BoostLimiter({ boost: bad }), RangeError);
    }
    assert.doesNotThrow(() => new BoostLimiter().setBoost(10));
    assert.throws(() => new BoostLimiter({ threshold: 0.99 }), RangeError);
    assert.throws(() => new BoostLimiter({ ceiling: 1.5 }), RangeError);
  });
});
