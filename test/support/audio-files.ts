/** Test audio: deterministic WAV files to feed a host, and readers for what listeners wrote. */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseWavHeader, wavHeader } from '../../src/core/wav-format.js';

/** Writes a 16-bit WAV: 'noise' (seeded, unique at every offset) or 'tones' (440 + 1000 Hz). */
export function writeTestWav(path: string, options: { seconds: number; sampleRate?: number; channels?: number; kind: 'noise' | 'tones' }): Int16Array {
  const sampleRate = options.sampleRate ?? 48_000;
  const channels = options.channels ?? 2;
  const frames = Math.round(options.seconds * sampleRate);
  const data = new Int16Array(frames * channels);
  let seed = 12345;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      let value: number;
      if (options.kind === 'noise') {
        seed = (seed * 1103515245 + 12345) >>> 0;
        value = ((seed >>> 8) % 40000) - 20000;
      } else {
        const t = i / sampleRate;
        value = Math.round(8000 * Math.sin(2 * Math.PI * 440 * t + c) + 6000 * Math.sin(2 * Math.PI * 1000 * t));
      }
      data[i * channels + c] = value;
    }
  }
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([wavHeader({ sampleRate, channels, sampleFormat: 's16', dataBytes: body.length }), body]));
  return data;
}

/** Reads a 16-bit WAV's samples (interleaved). */
export function readWavS16(path: string): { sampleRate: number; channels: number; samples: Int16Array } {
  const bytes = readFileSync(path);
  const info = parseWavHeader(bytes);
  if (info === 'need-more') throw new Error(`${path}: truncated WAV`);
  if (info.sampleFormat !== 's16') throw new Error(`${path}: not 16-bit`);
  const length = Math.min(info.dataBytes ?? Infinity, bytes.length - info.dataOffset);
  const copy = Buffer.from(bytes.subarray(info.dataOffset, info.dataOffset + length));
  return { sampleRate: info.sampleRate, channels: info.channels, samples: new Int16Array(copy.buffer, copy.byteOffset, copy.length / 2) };
}

/** Where `needle`'s first `probe` samples appear in `haystack` (frame-aligned), or -1. */
export function findOffset(haystack: Int16Array, needle: Int16Array, probe = 64, channels = 2): number {
  outer: for (let i = 0; i + probe <= haystack.length; i += channels) {
    for (let j = 0; j < probe; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Signal-to-noise ratio [dB] of `actual` against `reference`, after the best alignment within ±maxLag frames. */
export function alignedSnrDb(reference: Float64Array | Float32Array, actual: Float64Array | Float32Array, maxLag: number): { snrDb: number; lag: number } {
  let best = { snrDb: -Infinity, lag: 0 };
  const n = Math.min(reference.length, actual.length) - maxLag;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let signal = 0;
    let noise = 0;
    for (let i = maxLag; i < n; i++) {
      const r = reference[i] as number;
      const a = actual[i + lag] as number;
      signal += r * r;
      noise += (r - a) * (r - a);
    }
    const snrDb = 10 * Math.log10(signal / Math.max(noise, 1e-20));
    if (snrDb > best.snrDb) best = { snrDb, lag };
  }
  return best;
}
