/**
 * The signal of the side-by-side benchmark and what is measured on it (pure numbers): a marker sweep, a
 * long 1 kHz tone, a second marker; the delay at each marker (so its growth over the run), and the 10 ms
 * windows of the received tone that are not clean (a dropout, a click, a jump).
 */
import { delayFrames } from '../../test/support/signals.js';

const RATE = 48_000;
/** Frames of each 10 ms analysis window: exactly 10 periods of 1 kHz. */
const WINDOW = 480;
const TONE_HZ = 1000;
const AMPLITUDE = 0.5;
const MARKER_S = 0.4;
const LEAD_S = 0.5;

/** Where the parts of the signal are [frames from its start]. */
export interface ToneLayout {
  readonly marker1: number;
  readonly toneStart: number;
  readonly toneEnd: number;
  readonly marker2: number;
  readonly frames: number;
}

/** 0.5 s silence, a 0.4 s sweep, `toneS` of 1 kHz at 0.5, a second sweep, 0.3 s silence (stereo, 48 kHz). */
export function markedTone(toneS: number): { samples: Float32Array; layout: ToneLayout } {
  const marker1 = Math.round(LEAD_S * RATE);
  const toneStart = marker1 + Math.round(MARKER_S * RATE);
  const toneEnd = toneStart + Math.round(toneS * RATE);
  const marker2 = toneEnd;
  const frames = marker2 + Math.round((MARKER_S + 0.3) * RATE);
  const out = new Float32Array(frames * 2);
  const sweep = (start: number) => {
    let phase = 0;
    const n = Math.round(MARKER_S * RATE);
    for (let i = 0; i < n; i++) {
      phase += (2 * Math.PI * 300 * 10 ** (i / n)) / RATE;
      out[2 * (start + i)] = out[2 * (start + i) + 1] = AMPLITUDE * Math.sin(phase);
    }
  };
  sweep(marker1);
  for (let i = toneStart; i < toneEnd; i++) out[2 * i] = out[2 * i + 1] = AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * (i - toneStart)) / RATE);
  sweep(marker2);
  return { samples: out, layout: { marker1, toneStart, toneEnd, marker2, frames } };
}

/** Delay of `received` behind `sent` at the marker starting at frame `marker` of `sent` [frames]. */
export function delayAt(sent: Float32Array, received: Float32Array, marker: number, maxLagFrames: number): number {
  const length = Math.round(MARKER_S * RATE);
  return delayFrames(sent.subarray(marker, marker + length), received.subarray(marker, marker + length + maxLagFrames), maxLagFrames);
}

/**
 * The delay at frame `at` of the signal [frames], from the delays at its two markers: interpolated, as the delay
 * may grow during the run.
 */
export function delayAtFrame(layout: ToneLayout, delay1: number, delay2: number, at: number): number {
  return delay1 + ((delay2 - delay1) * (at - layout.marker1)) / (layout.marker2 - layout.marker1);
}

/** Amplitude of 1 kHz in a 10 ms window and the energy left over [mean square]. */
function fit(window: Float32Array): { amplitude: number; residual: number } {
  let c = 0;
  let s = 0;
  let energy = 0;
  for (let i = 0; i < window.length; i++) {
    const x = window[i] as number;
    const w = (2 * Math.PI * TONE_HZ * i) / RATE;
    c += x * Math.cos(w);
    s += x * Math.sin(w);
    energy += x * x;
  }
  const a = (2 / window.length) * c;
  const b = (2 / window.length) * s;
  const amplitude = Math.hypot(a, b);
  return { amplitude, residual: Math.max(0, energy / window.length - (amplitude * amplitude) / 2) };
}

/**
 * Counts 10 ms windows of the received tone that are not clean: level more than 3 dB off the tone's
 * (`levelOff`: a dropout, a gap of silence), or else more than 1 % of the window's energy not at 1 kHz
 * (`impure`: a click, a jump of a few samples). `received` is
 * aligned by the delays at the two markers, interpolated (the delay may grow during the run). `badAt`: where
 * each bad window starts in the sent signal [frames].
 */
export function badWindows(
  received: Float32Array,
  layout: ToneLayout,
  delay1: number,
  delay2: number,
): { windows: number; bad: number; levelOff: number; impure: number; firstBadS: number | undefined; badAt: number[] } {
  const from = layout.toneStart + RATE / 5;
  const to = layout.toneEnd - RATE / 5;
  let windows = 0;
  let bad = 0;
  let levelOff = 0;
  let impure = 0;
  let firstBadS: number | undefined;
  const badAt: number[] = [];
  for (let at = from; at + WINDOW <= to; at += WINDOW) {
    const start = Math.round(at + delayAtFrame(layout, delay1, delay2, at));
    if (start + WINDOW > received.length) break;
    const { amplitude, residual } = fit(received.subarray(start, start + WINDOW));
    windows++;
    const off = Math.abs(20 * Math.log10(Math.max(amplitude, 1e-9) / AMPLITUDE)) > 3;
    const noisy = residual > 0.01 * ((AMPLITUDE * AMPLITUDE) / 2);
    if (off) levelOff++;
    else if (noisy) impure++;
    if (off || noisy) {
      bad++;
      firstBadS ??= (at - layout.toneStart) / RATE;
      badAt.push(at);
    }
  }
  return { windows, bad, levelOff, impure, firstBadS, badAt };
}
