/**
 * Does the delay stay put over a long stream, and if it moves, where? The host plays a WAV paced on the
 * system clock (`host --input`: no capture, so the source is exact), one listener plays it into the null
 * sink al_out through PulseAudio (bench/support/probe-listener with PROBE_DEVICE), and al_out's monitor is
 * recorded here. Prints JSON: the delay's growth on the clock between the signal's two markers [ms/min],
 * beside the trend of the listener's own figures over the same time (its latency estimate, which follows a
 * frame from the host's stamp to the output, and its jitter buffer: least-squares slopes [ms/min]), its
 * drift estimate, its underruns (the jitter buffer's, and its output's own where it counts them), and the
 * CPU the hypervisor took meanwhile (steal). If the growth shows in
 * the listener's figures, it is ours; if not, it comes after our stream's PulseAudio buffer.
 * BENCH_GROWTH_SOURCE=capture makes the host capture al_src's monitor (`host --device al_src`, as users run
 * it) while this bench plays the same signal into al_src (then the signal is paced by al_src's clock, and the
 * growth on the clock includes that clock's error: tens to hundreds of ppm, ~1-9 ms/min). Each moment an underrun was counted is listed
 * (`underrunMoments`) with what the listener saw in that sample: the longest pause between packets, its own
 * event loop's longest delay, its buffer — a stalled process or a late packet, or neither.
 * BENCH_GROWTH_SECONDS (600), BENCH_GROWTH_LATENCY (60: the listener's --latency; `auto` adapts, as by default), BENCH_GROWTH_CODEC (pcm),
 * BENCH_GROWTH_SOURCE (file). Needs pulseaudio and audify.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeS16, wavHeader } from '../src/core/wav-format.js';
import { freePort } from '../test/support/free-port.js';
import { recordMonitor } from '../test/support/monitor-recorder.js';
import { startPulse, stopPulse } from '../test/support/pulse.js';
import { leftChannel } from '../test/support/signals.js';
import { cpuTicks, stealPercentSince } from './support/cpu-steal.js';
import { round } from './support/stats.js';
import { spawnProbe } from './support/probe-process.js';
import { stopAll } from './support/stop-children.js';
import { delayAt, markedTone } from './support/tone-check.js';

const SECONDS = Number(process.env.BENCH_GROWTH_SECONDS ?? 600);
/** The listener's fixed --latency [ms], or undefined for `auto` (the adaptive target a user gets by default). */
const LATENCY_MS = process.env.BENCH_GROWTH_LATENCY === 'auto' ? undefined : Number(process.env.BENCH_GROWTH_LATENCY ?? 60);
const CODEC = process.env.BENCH_GROWTH_CODEC === 'opus' ? 'opus' : 'pcm';
const SOURCE = process.env.BENCH_GROWTH_SOURCE === 'capture' ? 'capture' : 'file';
const RATE = 48_000;
/** Silence before the signal [frames]: the listener connects and settles meanwhile. */
const LEAD_FRAMES = 8 * RATE;
/** The listener's figures before this are left out of the trends [ms]: its drift estimate is still settling. */
const TREND_FROM_MS = 20_000;
/** The null sinks' keepers' latency [ms], as in bench/vs-snapcast (see test/support/pulse.sh). */
const KEEPER_MS = '60';
const here = dirname(fileURLToPath(import.meta.url));
const MAIN_JS = join(here, '..', 'src', 'main.js');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Least-squares slope of ys over xs. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    sxx += ((xs[i] as number) - mx) ** 2;
  }
  return sxy / sxx;
}

export async function runDelayOverTime(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-growth-'));
  process.env.AURALYNC_PULSE_KEEPER_MS = KEEPER_MS;
  try {
    Object.assign(process.env, await startPulse());
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { bench: 'delay-over-time', skipped: (err as Error).message.split('\n')[0] };
  }
  const children: ChildProcess[] = [];
  try {
    const { samples, layout } = markedTone(SECONDS);
    const sent = new Float32Array(samples.length + LEAD_FRAMES * 2);
    sent.set(samples, LEAD_FRAMES * 2);
    const wav = join(dir, 'signal.wav');
    const body = encodeS16(sent);
    writeFileSync(wav, Buffer.concat([wavHeader({ sampleRate: RATE, channels: 2, sampleFormat: 's16', dataBytes: body.length }), body]));

    const recording = await recordMonitor('Monitor of al_out');
    const before = cpuTicks();
    const env = { ...process.env, AURALYNC_DISCOVERY: 'off' };
    const port = await freePort();
    const from = SOURCE === 'file' ? ['--input', wav] : ['--device', 'al_src'];
    const host = spawn(process.execPath, [MAIN_JS, 'host', ...from, '--port', String(port), '--name', 'bench', '--codec', CODEC], { env, stdio: 'ignore' });
    children.push(host);
    await sleep(1000);
    const playMs = ((layout.frames + LEAD_FRAMES) / RATE) * 1000;
    const probe = spawnProbe(port, Math.ceil(playMs / 1000), 500, { PROBE_DEVICE: 'al_out', ...(LATENCY_MS === undefined ? {} : { PROBE_LATENCY_MS: String(LATENCY_MS) }) });
    children.push(probe.child);
    const figures = probe.samples;
    if (SOURCE === 'capture') {
      const player = spawn('paplay', ['-d', 'al_src', wav], { stdio: 'ignore' });
      children.push(player);
    }
    await sleep(playMs + 1000);
    const stealPct = stealPercentSince(before);
    await stopAll(children);
    await recording.stop();

    // The growth on the clock: how much longer the two markers were apart in al_out's recording, by its stamps,
    // than in the file. In frames too (al_out's clock against the file's 48 kHz).
    const sentLeft = leftChannel(sent);
    const got = leftChannel(recording.samples());
    const onset = got.findIndex((v) => Math.abs(v) > 0.05);
    if (onset < 0) return { bench: 'delay-over-time', error: 'nothing of the signal arrived at al_out' };
    const marker1 = LEAD_FRAMES + layout.marker1;
    const marker2 = LEAD_FRAMES + layout.marker2;
    // The recording shifted so that the signal's onset sits 10 ms after marker1's place in `sent`.
    const shift = onset - (marker1 + 480);
    if (shift < 0) return { bench: 'delay-over-time', error: `the signal arrived ${-shift} frames earlier than it can have been sent` };
    const aligned = new Float32Array(sentLeft.length + RATE);
    aligned.set(got.subarray(Math.max(0, shift), Math.max(0, shift) + aligned.length));
    // Room for al_out's clock running up to 400 ppm off the file's over the run.
    const maxLag = Math.ceil(9600 + SECONDS * RATE * 400e-6);
    const lag1 = delayAt(sentLeft, aligned, marker1, maxLag);
    const lag2 = delayAt(sentLeft, aligned, marker2, maxLag);
    const at = (frame: number) => recording.startNear(frame) + (frame / RATE) * 1000;
    const minutes = (marker2 - marker1) / RATE / 60;
    const growthOnClock = (at(shift + marker2 + lag2) - at(shift + marker1 + lag1) - ((marker2 - marker1) / RATE) * 1000) / minutes;

    const playing = figures.filter((s) => s.state === 'playing' && s.t >= TREND_FROM_MS && s.latencyMs !== undefined);
    const minutesOf = playing.map((s) => s.t / 60_000);
    // The last sample while playing: after the file ends the buffer runs dry, which is no underrun of the stream.
    const last = playing[playing.length - 1];
    // Every sample in which an underrun was counted, with what the listener saw meanwhile (up to the last
    // sample while playing: a file host's end runs the buffer dry).
    const underrunMoments = figures.flatMap((s, i) => {
      const previous = figures[i - 1];
      if (previous === undefined || s.t > (last?.t ?? Infinity)) return [];
      const output = (s.outputUnderruns ?? 0) - (previous.outputUnderruns ?? 0);
      const all = (s.underruns ?? 0) - (previous.underruns ?? 0);
      if (all <= 0) return [];
      return [{ atS: round(s.t / 1000, 1), jitterBuffer: all - output, output, arrivalGapMs: s.arrivalGapMs, loopDelayMs: s.loopDelayMs, bufferedMs: round(s.bufferedMs ?? 0, 0) }];
    });
    const loopDelays = figures.map((s) => s.loopDelayMs ?? 0).sort((x, y) => x - y);
    return {
      bench: 'delay-over-time',
      note: `host ${SOURCE === 'file' ? 'plays a WAV paced on the clock' : 'captures al_src\'s monitor, the WAV played into al_src'}; one listener into al_out (PulseAudio); al_out recorded on the clock. Growth between the two markers vs the trends of the listener's own figures`,
      source: SOURCE,
      codec: CODEC,
      latencyTargetMs: LATENCY_MS ?? 'auto',
      seconds: SECONDS,
      stealPct: stealPct ?? null,
      growthOnClockMsPerMin: round(growthOnClock),
      sinkFramesAheadPpm: round(((lag2 - lag1) / RATE / (minutes * 60)) * 1e6, 0),
      listener: playing.length < 2 ? null : {
        latencyEstimateMsPerMin: round(slope(minutesOf, playing.map((s) => s.latencyMs as number))),
        jitterBufferMsPerMin: round(slope(minutesOf, playing.map((s) => s.bufferedMs as number))),
        latencyEstimateFirstLastMs: [round(playing[0]?.latencyMs as number, 1), round(playing[playing.length - 1]?.latencyMs as number, 1)],
        targetMsFirstLast: [playing[0]?.targetMs ?? null, last?.targetMs ?? null],
        driftPpmAtEnd: last?.driftPpm === undefined ? null : round(last.driftPpm, 0),
        underruns: last?.underruns ?? null,
        outputUnderruns: last?.outputUnderruns ?? null,
        samples: playing.length,
        loopDelayMsMedianMax: [loopDelays[Math.floor(loopDelays.length / 2)] ?? null, loopDelays[loopDelays.length - 1] ?? null],
        underrunMoments,
      },
    };
  } finally {
    await stopAll(children);
    await stopPulse();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runDelayOverTime(), null, 2));
  process.exit(0);
}
