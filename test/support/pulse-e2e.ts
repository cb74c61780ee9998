/**
 * One end-to-end run through a private PulseAudio: a tone + sweep is played into al_src, `auralync host`
 * captures al_src's monitor, `auralync listen` plays into al_out, and both monitors are recorded on one clock.
 * Used by the real-audio test (which asserts on it) and by bench/e2e-pulse (which reports it).
 */
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeS16, wavHeader } from '../../src/core/wav-format.js';
import { spawnCli, waitForOutput } from './cli.js';
import { offsetFrames, recordMonitor } from './monitor-recorder.js';
import { delayFrames, goertzelPower, leftChannel, toneThenSweep } from './signals.js';
import { freePort } from './free-port.js';

/** What one run measured. */
export interface E2eResult {
  /** Delay from al_src's monitor to al_out's monitor [ms]. */
  readonly delayMs: number;
  /** Level of the 1 kHz tone as played into al_src [dB re a sine of amplitude 1/√2], median of ten 100 ms windows. */
  readonly sentDb: number;
  /** The same, as it came out of al_out. */
  readonly receivedDb: number;
  /** Power at 1 kHz over the larger of the powers at 900 and 1100 Hz in the received tone: median of ten 100 ms windows. */
  readonly toneToNeighbourRatio: number;
  /** Frames of the tone found in the received recording (48 000 = the whole measured second). */
  readonly receivedToneFrames: number;
  /** The line `auralync listen` printed when stopped (undefined when a `startListener` ran instead). */
  readonly listenerSummary: string | undefined;
}


const levelDb = (power: number) => 10 * Math.log10(power / 0.125);

/** Median of `measure` over ten 100 ms windows: one scheduling hiccup on a loaded machine must not decide a figure. */
function medianOfWindows(x: Float32Array, measure: (window: Float32Array) => number): number {
  const values = Array.from({ length: 10 }, (_, i) => measure(x.subarray(i * 4800, (i + 1) * 4800)));
  return values.sort((p, q) => p - q)[5] as number;
}

/** Median level of the 1 kHz tone over ten 100 ms windows [dB]. */
function medianDb(x: Float32Array): number {
  return medianOfWindows(x, (window) => levelDb(goertzelPower(window, 1000)));
}

/** Starts a listener on the host at 127.0.0.1:`port`, playing into al_out; resolves once it is listening. */
export type ListenerStarter = (port: number) => Promise<ChildProcess>;

/**
 * Runs host and listener (PulseAudio env must already be in process.env), plays the signal, measures.
 * `listenArgs` are extra listener arguments (e.g. ['--latency', '40']); `startListener` replaces the
 * `auralync listen` child (bench/e2e-pulse runs its probe listener, to read the listener's own estimate).
 */
export async function runPulseE2e(dir: string, codec: 'opus' | 'pcm', listenArgs: string[] = [], startListener?: ListenerStarter): Promise<E2eResult> {
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    const host = spawnCli(['host', '--device', 'al_src', '--port', String(port), '--codec', codec, '--name', 'pulse host']);
    children.push(host);
    await waitForOutput(host, /hosting 'pulse host' on port/, 15_000);
    let listener: ChildProcess | undefined;
    if (startListener !== undefined) children.push(await startListener(port));
    else {
      listener = spawnCli(['listen', `127.0.0.1:${port}`, '--device', 'al_out', '--name', 'pulse listener', ...listenArgs]);
      children.push(listener);
      await waitForOutput(listener, /listening to pulse host/, 15_000);
    }

    const signal = toneThenSweep({ silenceS: 0.5, toneS: 2, sweepS: 1, toneHz: 1000, amplitude: 0.5 });
    const wav = join(dir, `signal-${codec}-${Date.now()}.wav`);
    const body = encodeS16(signal);
    writeFileSync(wav, Buffer.concat([wavHeader({ sampleRate: 48_000, channels: 2, sampleFormat: 's16', dataBytes: body.length }), body]));

    const [sent, received] = await Promise.all([recordMonitor('Monitor of al_src'), recordMonitor('Monitor of al_out')]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await new Promise<void>((resolve, reject) => execFile('paplay', ['-d', 'al_src', wav], (err) => (err ? reject(err) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await Promise.all([sent.stop(), received.stop()]);
    let listenerSummary: string | undefined;
    if (listener !== undefined) {
      const summary = waitForOutput(listener, /stopped after .*\n/, 10_000);
      listener.kill('SIGINT');
      listenerSummary = (await summary).trim();
    }

    // Both recordings on one timeline (frames since `sent` started), then the delay between them.
    const a = leftChannel(sent.samples());
    const bRaw = leftChannel(received.samples());
    const onset = a.findIndex((v) => Math.abs(v) > 0.1);
    if (onset < 0) throw new Error('the tone never reached al_src (paplay failed?)');
    const offset = offsetFrames(sent, received, onset);
    const b = new Float32Array(Math.max(0, bRaw.length + offset));
    if (offset >= 0) b.set(bRaw, offset);
    else b.set(bRaw.subarray(-offset));
    // The delay from the sweep alone: a steady tone correlates equally well at every whole period, so a
    // glitch in it could pull a whole-signal correlation to a wrong lag.
    const sweepStart = onset + 2 * 48_000;
    const lag = delayFrames(a.subarray(sweepStart, sweepStart + 48_000), b.subarray(sweepStart, sweepStart + 2 * 48_000), 48_000);
    const window = (x: Float32Array, start: number) => x.subarray(start + 12_000, start + 12_000 + 48_000);
    const receivedTone = window(b, onset + lag);
    return {
      delayMs: lag / 48,
      sentDb: medianDb(window(a, onset)),
      receivedDb: receivedTone.length === 48_000 ? medianDb(receivedTone) : -Infinity,
      toneToNeighbourRatio: medianOfWindows(receivedTone, (w) => goertzelPower(w, 1000) / Math.max(goertzelPower(w, 900), goertzelPower(w, 1100), 1e-30)),
      receivedToneFrames: receivedTone.length,
      listenerSummary,
    };
  } finally {
    for (const child of children) child.kill('SIGINT');
  }
}

/**
 * Prints a run's figures and asserts the tone arrived whole: a full second of it found, its level within
 * `maxLevelErrorDb` of what was sent, its energy at 1 kHz, a plausible delay. For the real-audio tests.
 */
export function assertToneCarried(codec: string, result: E2eResult, maxLevelErrorDb: number): void {
  console.log(`      ${codec}: end-to-end delay ${result.delayMs.toFixed(1)} ms; level sent ${result.sentDb.toFixed(2)} dB, received ${result.receivedDb.toFixed(2)} dB`);
  console.log(`      listener: ${result.listenerSummary}`);
  assert.equal(result.receivedToneFrames, 48_000, 'a full second of the tone reached al_out');
  assert.ok(
    Math.abs(result.receivedDb - result.sentDb) < maxLevelErrorDb,
    `level preserved within ${maxLevelErrorDb} dB (sent ${result.sentDb.toFixed(2)}, received ${result.receivedDb.toFixed(2)})`,
  );
  assert.ok(result.toneToNeighbourRatio > 1000, `the received energy is at 1 kHz (ratio ${result.toneToNeighbourRatio.toExponential(1)})`);
  assert.ok(result.delayMs > 0 && result.delayMs < 1000, `delay ${result.delayMs} ms is plausible`);
}
