/**
 * Side by side with Snapcast (issue 6 (d)), on the same private PulseAudio null sinks: a marker, 60 s of
 * 1 kHz (BENCH_SNAP_SECONDS) and a marker are played into al_src; each system carries al_src's monitor to
 * al_out; both monitors are recorded in this process on one clock. For each system the settings are
 * tried from the smallest up, each up to BENCH_SNAP_TRIES times (1) from a fresh start, and the first that
 * plays the whole tone cleanly in a try is its smallest clean setting; its delay (at the first marker) and
 * the delay's growth per minute (on the clock: see trial()) are reported, and the ratio (BENCH_SNAP_SURVEY=1:
 * every setting tried alike instead, the systems interleaved; see SURVEY);
 * also how fast each null sink runs against this machine's clock (30 s of parec, before the trials). Each
 * system runs BENCH_SNAP_SETTLE_MS (5 s) before the signal; the sinks' keepers ask for BENCH_SNAP_KEEPER_MS.
 * The two recordings are placed on the clock by their block stamps around the first marker
 * (MonitorRecording.startNear: within ~1 ms; by the first block's stamp, as before 2026-12-02, ±15 ms).
 * The recording of al_src is checked the same way: a trial whose tone was not clean going in is void and
 * run once more. Each trial reports the CPU time stolen by the hypervisor while it ran (stealPct, see
 * support/cpu-steal.ts): glitches on these shared machines move with it, so a trial with more than 3 % is
 * void too and run again (twice at most). BENCH_SNAP_STALL_METER=1 also reports, per trial, the stalls of the
 * whole machine while the tone played and which bad windows came with one (`machine`, support/machine-stalls.ts).
 *
 * - AuraLync: `host --device al_src --codec opus|pcm` → `listen --device al_out --latency MS`: Opus (the
 *   default) and PCM (what Snapcast is given here). Each try also reports the listener's own figures, from
 *   the line it prints when stopped (`listener`: underruns, PulseAudio's among them, missing, trimmed, drift,
 *   its latency estimate and jitter).
 *   BENCH_SNAP_LISTENER_STALL_MS stops the listener's process that long every 2 s (a stall, on purpose).
 * - Snapcast (Debian's snapserver/snapclient, `build/setup-system.sh bench` installs them): parec of al_src's
 *   monitor (in fragments of BENCH_SNAP_PAREC_MS, by default AuraLync's) into a FIFO → snapserver (pipe source, PCM
 *   codec, --stream.buffer MS) → snapclient (PulseAudio player into al_out). All on 127.0.0.1. Its other knobs are
 *   its defaults unless set: BENCH_SNAP_CHUNK_MS (20), BENCH_SNAP_PLAYER_MS (the player's buffer_time: 100, or half
 *   the stream's buffer when that is smaller), BENCH_SNAP_PIPE_MS (the pipe source's buffer_ms, its slack for a late
 *   writer, 50). snapclient plays each chunk its buffer after capture whatever the player's buffer_time, so the
 *   player's buffer costs no delay while it is smaller than that buffer. What went wrong in each trial is counted
 *   from their logs: the server re-timing its source after a late read (resync), the client jumping to re-sync (hard
 *   sync), the player's underflows.
 * - PulseAudio's own loopback (`module-loopback source=al_src.monitor sink=al_out latency_msec=MS`), when
 *   BENCH_SNAP_SYSTEMS names `pulse-loopback` (not by default): a control. It carries the tone inside the
 *   sound server with no network and no other process, so whatever glitches it shows at a generous setting
 *   are the machine's and the bench's, not a system's.
 * Prints JSON. Needs pulseaudio, audify, and snapserver/snapclient (else that side is skipped).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_FRAGMENT_MS } from '../src/adapters/audio/capture-fragment.js';
import { encodeS16, wavHeader } from '../src/core/wav-format.js';
import { MAIN_JS } from '../test/support/cli.js';
import { freePort } from '../test/support/free-port.js';
import { offsetFrames, recordMonitor } from '../test/support/monitor-recorder.js';
import { startPulse, stopPulse } from '../test/support/pulse.js';
import { leftChannel } from '../test/support/signals.js';
import { cpuTicks, stealPercentSince } from './support/cpu-steal.js';
import { sinkClockPpm } from './support/sink-clock.js';
import { stopAll } from './support/stop-children.js';
import { round } from './support/stats.js';
import { STALL_MIN_MS, countNearStalls, coveredMs, isNearStall, mergeStalls, startMachineStallMeter, type MachineStallMeter, type Stretch } from './support/machine-stalls.js';
import { badWindows, delayAt, delayAtFrame, markedTone, type ToneLayout } from './support/tone-check.js';
import { summarizeSurvey, surveyOrder, surveyRatios, type SurveySummary, type SurveyTry } from './support/clean-survey.js';

const TONE_S = Number(process.env.BENCH_SNAP_SECONDS ?? 60);
/** Which systems to measure (comma-separated: opus, pcm, snapcast); all by default. */
const SYSTEMS = (process.env.BENCH_SNAP_SYSTEMS ?? 'opus,pcm,snapcast').split(',').map((s) => s.trim());
/** Settings tried from each env var (comma-separated [ms]), else `fallback`. */
const settings = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number);
/** AuraLync --latency values tried [ms] (BENCH_SNAP_AURALYNC_LATENCIES): from its smallest allowed up. */
const AURALYNC_LATENCIES = settings('BENCH_SNAP_AURALYNC_LATENCIES', '5,10,15,20,25,30,40,60,80,120,200');
/** Snapcast buffers tried [ms] (BENCH_SNAP_BUFFERS): from its smallest that plays at all up to its default. */
const SNAPCAST_BUFFERS = settings('BENCH_SNAP_BUFFERS', '20,30,40,60,80,100,150,200,300,500,1000');
/** module-loopback latency_msec values tried for the control (BENCH_SNAP_LOOPBACK_LATENCIES). */
const LOOPBACK_LATENCIES = settings('BENCH_SNAP_LOOPBACK_LATENCIES', '20,40,60,100,200,500');
/** Time each system runs before the signal [ms] (BENCH_SNAP_SETTLE_MS): to connect and settle its sync. */
const SETTLE_MS = Number(process.env.BENCH_SNAP_SETTLE_MS ?? 5000);
/**
 * The null sinks' keepers' latency [ms] (BENCH_SNAP_KEEPER_MS, see test/support/pulse.sh). With the tests'
 * 10 the sinks run ~250 ppm fast against this machine's clock, more than Snapcast corrects; with 60 they
 * render 20 ms blocks and measured -54..+198 ppm (six runs; mostly within 60).
 */
const KEEPER_MS = process.env.BENCH_SNAP_KEEPER_MS ?? '60';
const SNAP_CHUNK_MS = Number(process.env.BENCH_SNAP_CHUNK_MS ?? 20);
const SNAP_PLAYER_MS = process.env.BENCH_SNAP_PLAYER_MS === undefined ? undefined : Number(process.env.BENCH_SNAP_PLAYER_MS);
/** The player's buffer_time for a stream buffer [ms]: snapclient's default 100, at most half the buffer. */
const playerBufferMs = (bufferMs: number) => SNAP_PLAYER_MS ?? Math.max(10, Math.min(100, Math.round(bufferMs / 2)));
const SNAP_PIPE_MS = Number(process.env.BENCH_SNAP_PIPE_MS ?? 50);
/**
 * Stalls forced on AuraLync's listener (BENCH_SNAP_LISTENER_STALL_MS, 0: none): the process is stopped
 * (SIGSTOP) this long every BENCH_SNAP_LISTENER_STALL_EVERY_MS (2000), as a busy machine or a long garbage
 * collection would stall it; pacat and PulseAudio run on. What a listener rides out of it is what it holds
 * past its own process.
 */
const LISTENER_STALL_MS = Number(process.env.BENCH_SNAP_LISTENER_STALL_MS ?? 0);
const LISTENER_STALL_EVERY_MS = Number(process.env.BENCH_SNAP_LISTENER_STALL_EVERY_MS ?? 2000);
/** PULSE_LATENCY_MSEC for AuraLync's host only (BENCH_SNAP_HOST_PULSE_MS): its capture fragment [ms]; unset: AuraLync's own. */
const HOST_PULSE_MS = process.env.BENCH_SNAP_HOST_PULSE_MS;
/**
 * The fragment Snapcast's parec asks for (BENCH_SNAP_PAREC_MS) [ms]: by default what AuraLync's host asks for
 * its own capture (CAPTURE_FRAGMENT_MS, 5), so both get the audio as soon. Its 10 until 2026-12-05 cost Snapcast
 * as it cost AuraLync: at a 60 ms buffer 62.6-74.3 ms and 0-11 bad windows a try, against 58.3-67.8 ms and 0-3
 * with 5 (four tries each).
 */
const SNAP_PAREC_MS = Number(process.env.BENCH_SNAP_PAREC_MS ?? CAPTURE_FRAGMENT_MS);
/** Log lines that tell what went wrong in a Snapcast trial (snapserver 0.26 / snapclient 0.26 wording). */
const SNAPCAST_TROUBLE: Record<string, RegExp> = {
  serverResyncs: /onResync/,
  clientHardSyncs: /Buffer->full\(\) &&|abs\(age > 500\)/,
  playerUnderflows: /undeflow|underflow/i,
};
/** Longest delay searched for [frames]: 1.5 s, above Snapcast's default buffer. */
const MAX_LAG = 72_000;
/**
 * Steal above which a trial is void [%] (BENCH_SNAP_STEAL_VOID_PCT, 3), and how many times it is run again
 * (BENCH_SNAP_STEAL_RETRIES, 2; the last result stands, steal and all). In the run of 2026-12-02 10:00 AuraLync's
 * PCM trials had 4.8-20 % steal and 52-495 bad windows, except one at 0.6 % with none (see support/cpu-steal.ts).
 */
const STEAL_VOID_PCT = Number(process.env.BENCH_SNAP_STEAL_VOID_PCT ?? 3);
const STEAL_RETRIES = Number(process.env.BENCH_SNAP_STEAL_RETRIES ?? 2);
/**
 * Tries per setting (BENCH_SNAP_TRIES, 1): a setting that glitched is started afresh and tried again, up to this
 * many times, and counts as clean if any try plays the whole tone cleanly — every system alike. On these
 * machines one 60 s try is a lottery near the edge: in runs 28-29 (2026-12-03) Snapcast's 150 and 500 had 1-4
 * bad windows and PulseAudio's own loopback 3-6 at 10-20. Each setting reports its tries' bad windows.
 */
const TRIES = Number(process.env.BENCH_SNAP_TRIES ?? 1);
/**
 * Bad windows above which a setting is not tried again [windows] (BENCH_SNAP_HOPELESS, 60: 1 % of a 60 s tone):
 * Snapcast at 20-40 loses most of the tone, and another try there would only cost time.
 */
const HOPELESS_WINDOWS = Number(process.env.BENCH_SNAP_HOPELESS ?? 60);
/**
 * A survey instead of the search (BENCH_SNAP_SURVEY=1): every setting of every system is tried TRIES times
 * (not again once hopeless), the systems' tries interleaved in time (support/clean-survey.ts), and each
 * system reports per setting how many tries were clean, its smallest setting clean in any try and its
 * smallest clean in at least half, each with the median delay of that setting's clean tries; ratios for both.
 * The search stops at a system's first clean try, so which system met a noisy spell of this machine, and
 * how lucky one try was, decided its figure; the survey gives every system the same chances at the same times.
 */
const SURVEY = process.env.BENCH_SNAP_SURVEY === '1';
/**
 * BENCH_SNAP_STALL_METER=1 runs support/machine-stalls.ts beside the tries: each trial then reports the stalls of
 * the machine's cores while its tone played and how many of its bad windows came with one (`machine`).
 */
const STALL_METER = process.env.BENCH_SNAP_STALL_METER === '1';
/**
 * Another build's main.js (BENCH_SNAP_ALT_MAIN): the systems `pcm-alt` and `opus-alt` run it, host and listener,
 * as `pcm` and `opus` run this one. In a survey its tries interleave with the others', so a change is measured
 * against the build before it in the same minutes of this shared machine, not in another spell.
 */
const ALT_MAIN_JS = process.env.BENCH_SNAP_ALT_MAIN;
let meter: MachineStallMeter | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One system carrying al_src's monitor to al_out at one setting; stop() ends every process it started. */
interface Carrier {
  stop(): Promise<void>;
}

function watch(child: ChildProcess, name: string, log: string[]): ChildProcess {
  const keep = (bytes: Buffer) => {
    for (const line of bytes.toString().split('\n')) if (line.trim() !== '') log.push(`${name}: ${line.trim()}`.slice(0, 200));
    if (log.length > 20_000) log.splice(0, log.length - 20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => log.push(`${name}: ${err.message}`));
  return child;
}

async function waitForLine(log: string[], pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!log.some((line) => pattern.test(line))) {
    if (Date.now() > until) throw new Error(`no ${pattern} within ${timeoutMs} ms: ${log.slice(-5).join(' | ')}`);
    await sleep(50);
  }
}

async function startAuraLync(codec: 'opus' | 'pcm', latencyMs: number, log: string[], mainJs = MAIN_JS): Promise<Carrier> {
  const port = await freePort();
  const env = { ...process.env, AURALYNC_DISCOVERY: 'off' };
  const hostEnv = HOST_PULSE_MS === undefined ? env : { ...env, PULSE_LATENCY_MSEC: HOST_PULSE_MS };
  const hostArgs = [mainJs, 'host', '--device', 'al_src', '--port', String(port), '--name', 'bench', '--codec', codec];
  const host = watch(spawn(process.execPath, hostArgs, { env: hostEnv }), 'host', log);
  const children = [host];
  let stopStalls: (() => void) | undefined;
  try {
    await waitForLine(log, /hosting 'bench'/, 15_000);
    const args = [mainJs, 'listen', `127.0.0.1:${port}`, '--device', 'al_out', '--latency', String(latencyMs)];
    const listener = watch(spawn(process.execPath, args, { env }), 'listener', log);
    children.push(listener);
    await waitForLine(log, /listening to bench/, 15_000);
    stopStalls = LISTENER_STALL_MS > 0 ? stallRepeatedly(listener, LISTENER_STALL_MS, LISTENER_STALL_EVERY_MS) : undefined;
    await sleep(SETTLE_MS);
  } catch (err) {
    stopStalls?.();
    await stopAll(children);
    throw err;
  }
  return {
    stop: () => {
      stopStalls?.();
      return stopAll(children);
    },
  };
}

/** Stops `child` for `ms` every `everyMs` until the returned function is called (which lets it run on). */
function stallRepeatedly(child: ChildProcess, ms: number, everyMs: number): () => void {
  let stalled = false;
  const resume = () => {
    if (stalled) child.kill('SIGCONT');
    stalled = false;
  };
  const timer = setInterval(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stalled = child.kill('SIGSTOP');
    setTimeout(resume, ms);
  }, everyMs);
  return () => {
    clearInterval(timer);
    resume();
  };
}

async function startSnapcast(bufferMs: number, dir: string, log: string[]): Promise<Carrier> {
  const port = await freePort();
  const fifo = join(dir, `snapfifo-${bufferMs}`);
  const config = join(dir, 'snapserver.conf');
  writeFileSync(config, '');
  const server = watch(
    spawn('snapserver', [
      '-c', config,
      `--server.datadir=${dir}`,
      '--http.enabled=false',
      '--tcp.enabled=false',
      '--stream.bind_to_address=127.0.0.1',
      `--stream.port=${port}`,
      `--stream.source=pipe://${fifo}?name=bench&mode=create&sampleformat=48000:16:2&codec=pcm&buffer_ms=${SNAP_PIPE_MS}`,
      `--stream.buffer=${bufferMs}`,
      `--stream.chunk_ms=${SNAP_CHUNK_MS}`,
      '--logging.sink=stderr',
    ]),
    'snapserver',
    log,
  );
  const children = [server];
  try {
    await waitForLine(log, /PipeStream|pipe|Stream/i, 10_000);
    await sleep(300);
    // parec writes the monitor into the FIFO that snapserver reads.
    children.push(watch(spawn('sh', ['-c', `exec parec -d al_src.monitor --raw --format=s16le --rate=48000 --channels=2 --latency-msec=${SNAP_PAREC_MS} > '${fifo}'`]), 'parec', log));
    const client = spawn('snapclient', ['-h', '127.0.0.1', '-p', String(port), '--hostID', 'bench', '--player', `pulse:buffer_time=${playerBufferMs(bufferMs)}`, '-s', 'al_out', '--logsink', 'stderr']);
    children.push(watch(client, 'snapclient', log));
    await waitForLine(log, /snapclient: .*(Connected|ServerSettings|Player name)/i, 15_000);
    await sleep(SETTLE_MS + bufferMs);
  } catch (err) {
    await stopAll(children);
    throw err;
  }
  return { stop: () => stopAll(children) };
}

/** The control: PulseAudio's own module-loopback from al_src's monitor to al_out; stop() unloads it. */
async function startPulseLoopback(latencyMs: number, log: string[]): Promise<Carrier> {
  const loaded = spawnSync('pactl', ['load-module', 'module-loopback', 'source=al_src.monitor', 'sink=al_out', `latency_msec=${latencyMs}`], { encoding: 'utf8' });
  const index = loaded.stdout.trim();
  if (loaded.status !== 0 || !/^\d+$/.test(index)) throw new Error(`module-loopback did not load: ${(loaded.stderr || loaded.stdout).trim()}`);
  log.push(`pulse-loopback: module ${index}`);
  await sleep(SETTLE_MS);
  return {
    stop: async () => {
      spawnSync('pactl', ['unload-module', index]);
    },
  };
}

/** Plays the signal through whatever carries al_src to al_out now; measures delays and bad windows. */
async function trial(
  wav: string,
  layout: ToneLayout,
): Promise<{
  delayMs: number;
  growthMsPerMin: number;
  growthInFramesMsPerMin: number;
  badWindows: number;
  dropoutWindows: number;
  clickWindows: number;
  windows: number;
  firstBadS: number | undefined;
  sentBadWindows: number;
  stealPct: number | undefined;
  machine?: MachineFigures;
  monitors: MonitorPauseFigures;
}> {
  const ticksBefore = cpuTicks();
  const [sent, received] = await Promise.all([recordMonitor('Monitor of al_src'), recordMonitor('Monitor of al_out')]);
  const loop = watchLoopLags(MONITOR_PAUSE_MIN_MS);
  try {
    await sleep(300);
    // Not spawnSync: this process records both monitors, and its event loop must keep running meanwhile.
    const player = spawn('paplay', ['-d', 'al_src', wav]);
    let stderr = '';
    player.stderr.on('data', (bytes: Buffer) => (stderr += bytes.toString()));
    const status = await new Promise<number | null>((resolve) => player.once('close', resolve));
    if (status !== 0) throw new Error(`paplay failed: ${stderr.trim()}`);
    await sleep(MAX_LAG / 48 + 300);
  } finally {
    loop.stop();
    await Promise.all([sent.stop(), received.stop()]);
  }
  const stealPct = stealPercentSince(ticksBefore);
  const a = leftChannel(sent.samples());
  const bRaw = leftChannel(received.samples());
  // Both recordings on the timeline of `sent`, which starts at the signal's onset.
  const onset = a.findIndex((v) => Math.abs(v) > 0.05);
  if (onset < 0) throw new Error('the signal never reached al_src');
  // `received` placed on the timeline of `sent` by both recordings' stamps around `sent`'s frame `frame`.
  const placedAround = (frame: number) => shifted(bRaw, offsetFrames(sent, received, frame) - onset + layout.marker1);
  const b = placedAround(onset);
  const aligned = new Float32Array(layout.frames + MAX_LAG);
  aligned.set(a.subarray(Math.max(0, onset - layout.marker1), Math.max(0, onset - layout.marker1) + aligned.length));
  const delay1 = delayAt(aligned, b, layout.marker1, MAX_LAG);
  // In frames of the two recordings: where the tone is in `b`, for judging its windows.
  const delay2 = delayAt(aligned, b, layout.marker2, MAX_LAG);
  // On the clock: the sinks' clocks differ by tens to hundreds of ppm, so over a minute the two recordings'
  // frame counts part by up to ~20 ms whatever either system's delay did. Placed again by the stamps around
  // the second marker, the delay there is a delay on the clock, and so is the growth.
  const delay2OnClock = delayAt(aligned, placedAround(onset - layout.marker1 + layout.marker2), layout.marker2, MAX_LAG);
  const quality = badWindows(b, layout, delay1, delay2);
  // The tone as it went in: a gap there (paplay or the recorder) is no fault of the system under test.
  const sentQuality = badWindows(aligned, layout, 0, 0);
  const minutes = (layout.marker2 - layout.marker1) / 48_000 / 60;
  // When each window of the tone (frame `at` of the signal) played on al_out [ms since the epoch].
  const playedAtMs = (at: number) => {
    const frame = at + onset - layout.marker1;
    return performance.timeOrigin + sent.startNear(frame) + (frame + delayAtFrame(layout, delay1, delay2, at)) / 48;
  };
  const [toneFromMs, toneToMs, badAtMs] = [playedAtMs(layout.toneStart), playedAtMs(layout.toneEnd), quality.badAt.map(playedAtMs)];
  const machine = meter === undefined ? undefined : machineFigures(meter, toneFromMs, toneToMs, badAtMs);
  const monitors = monitorPauseFigures({ al_src: sent.pauses(MONITOR_PAUSE_MIN_MS), al_out: received.pauses(MONITOR_PAUSE_MIN_MS) }, loop.lags, toneFromMs, toneToMs, badAtMs);
  return {
    delayMs: round(delay1 / 48, 1),
    growthMsPerMin: round((delay2OnClock - delay1) / 48 / minutes, 2),
    growthInFramesMsPerMin: round((delay2 - delay1) / 48 / minutes, 2),
    badWindows: quality.bad,
    dropoutWindows: quality.levelOff,
    clickWindows: quality.impure,
    windows: quality.windows,
    firstBadS: quality.firstBadS === undefined ? undefined : round(quality.firstBadS, 2),
    sentBadWindows: sentQuality.bad,
    stealPct,
    ...(machine === undefined ? {} : { machine }),
    monitors,
  };
}

/** What the machine-stall meter saw during one tone, and which of its bad windows came with a stall. */
interface MachineFigures {
  /** Stalls of any core while the tone played (overlapping ones as one): how many, of one core alone, the longest [ms], of 20 ms or more. */
  readonly stalls: number;
  readonly oneCoreStalls: number;
  readonly longestStallMs: number;
  readonly stallsOver20Ms: number;
  /** Bad windows that played from 20 ms before a stall to STALL_AFTERMATH_MS after it. */
  readonly badWindowsNearStall: number;
  /** The share of the tone within that reach of a stall [%]: what badWindowsNearStall would be by chance. */
  readonly tonePctNearStall: number;
  /**
   * Waits of BUSY_WAIT_MIN_MS or more of the plain-priority meters with no stall under them (the core busy with something
   * else): how many, the longest [ms], and how many bad windows not near a stall played near one.
   */
  readonly busyWaits: number;
  readonly longestBusyWaitMs: number;
  readonly badWindowsNearBusyWait: number;
  /** Each stall of 15 ms or more: [s from the tone's start, ms, cores]; each bad window's start [s] (the first 40). */
  readonly stallsAtS: [number, number, number][];
  readonly badAtS: number[];
}

/**
 * How long after a stall of the machine a bad window is put down to it [ms]: a sink that ran dry waits to fill
 * again, and the listener trims what arrived meanwhile, so one stall's windows spread over ~100-200 ms.
 */
const STALL_AFTERMATH_MS = 250;
/** The shortest wait of a plain-priority meter counted as a busy core [ms]: what empties PulseAudio's ~12.5 ms at --latency 10. */
const BUSY_WAIT_MIN_MS = 12;

function machineFigures(meter: MachineStallMeter, fromMs: number, toMs: number, badAtMs: readonly number[]): MachineFigures {
  const stalls = mergeStalls(meter.stalls()).filter((s) => s.endMs >= fromMs && s.startMs <= toMs);
  const lengths = stalls.map((s) => s.endMs - s.startMs);
  const busy = mergeStalls(meter.waits()).filter(
    (w) => w.endMs - w.startMs >= BUSY_WAIT_MIN_MS && w.endMs >= fromMs && w.startMs <= toMs && !stalls.some((s) => s.startMs < w.endMs && s.endMs > w.startMs),
  );
  const notNearStall = badAtMs.filter((at) => !isNearStall(at, stalls, 20, STALL_AFTERMATH_MS));
  return {
    stalls: stalls.length,
    oneCoreStalls: stalls.filter((s) => s.cores === 1).length,
    longestStallMs: round(Math.max(0, ...lengths), 1),
    stallsOver20Ms: lengths.filter((ms) => ms >= 20).length,
    badWindowsNearStall: badAtMs.length - notNearStall.length,
    tonePctNearStall: round((100 * coveredMs(stalls, 20, STALL_AFTERMATH_MS, fromMs, toMs)) / (toMs - fromMs), 1),
    busyWaits: busy.length,
    longestBusyWaitMs: round(Math.max(0, ...busy.map((w) => w.endMs - w.startMs)), 1),
    badWindowsNearBusyWait: countNearStalls(notNearStall, busy, 20, STALL_AFTERMATH_MS),
    stallsAtS: stalls.filter((s) => s.endMs - s.startMs >= 15).map((s) => [round((s.startMs - fromMs) / 1000, 2), round(s.endMs - s.startMs, 1), s.cores]),
    badAtS: badAtMs.slice(0, 40).map((ms) => round((ms - fromMs) / 1000, 2)),
  };
}

/**
 * The shortest pause between two blocks of a monitor's recording counted [ms]: the capture asks for 5 ms
 * fragments, so one this long is two fragments missing, about what empties PulseAudio's 12.5 ms at --latency 10.
 */
const MONITOR_PAUSE_MIN_MS = 12;

/** The pauses of the bench's two monitor recordings during one tone, and which bad windows came with one. */
interface MonitorPauseFigures {
  /** Per monitor: its pauses of MONITOR_PAUSE_MIN_MS or more while the tone played, and the longest [ms]. */
  readonly al_src: { readonly pauses: number; readonly longestMs: number };
  readonly al_out: { readonly pauses: number; readonly longestMs: number };
  /** Bad windows that played from 20 ms before a pause of either monitor to STALL_AFTERMATH_MS after it. */
  readonly badWindowsNearPause: number;
  /** The share of the tone within that reach of a pause [%]: what badWindowsNearPause would be by chance. */
  readonly tonePctNearPause: number;
  /**
   * This process's own event loop late by MONITOR_PAUSE_MIN_MS or more (it records both monitors): how often, the
   * longest [ms], and how many pauses of 15 ms or more of either recording came while it was late. A pause with
   * the loop on time is the monitor's, not this process's.
   */
  readonly benchLoop: { readonly lags: number; readonly longestMs: number; readonly longPausesWhileLate: number; readonly longPauses: number };
  /** Each pause of 15 ms or more: [s from the tone's start, ms, monitor]. */
  readonly pausesAtS: [number, number, string][];
  /** When the tone started playing on al_out [ms since the epoch]: to line these up with other logs. */
  readonly toneStartedAtMs: number;
  /**
   * This process's memory in ArrayBuffers as the try is worked out [MB]: this try's recordings and what is made of
   * them, no more from try to try (133-158 MB in the 20 tries of a survey, 2026-12-05). Until then every recording
   * stayed (audify never freed its consumer), ~50 MB more each try, and the garbage collector's work on them grew
   * into up to 1.8 s of both cores, 7-9 s into later tries' tones.
   */
  readonly benchArrayBuffersMB: number;
}

/** Records the stretches this process's event loop was `minMs` or more late [ms since the epoch], until stop(). */
function watchLoopLags(minMs: number): { lags: Stretch[]; stop: () => void } {
  const lags: Stretch[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last >= minMs) lags.push({ startMs: performance.timeOrigin + last, endMs: performance.timeOrigin + now });
    last = now;
  }, 2);
  return { lags, stop: () => clearInterval(timer) };
}

function monitorPauseFigures(pauses: Record<'al_src' | 'al_out', Stretch[]>, loopLags: readonly Stretch[], fromMs: number, toMs: number, badAtMs: readonly number[]): MonitorPauseFigures {
  const inTone = (list: readonly Stretch[]) => list.filter((p) => p.endMs >= fromMs && p.startMs <= toMs);
  const [src, out, lags] = [inTone(pauses.al_src), inTone(pauses.al_out), inTone(loopLags)];
  const figures = (list: readonly Stretch[]) => ({ pauses: list.length, longestMs: round(Math.max(0, ...list.map((p) => p.endMs - p.startMs)), 1) });
  const both = mergeStalls([...src, ...out].map((p) => ({ ...p, core: 0 })));
  const long = [...src, ...out].filter((p) => p.endMs - p.startMs >= 15);
  const atS = (list: readonly Stretch[], name: string): [number, number, string][] =>
    list.filter((p) => p.endMs - p.startMs >= 15).map((p) => [round((p.startMs - fromMs) / 1000, 2), round(p.endMs - p.startMs, 1), name]);
  return {
    al_src: figures(src),
    al_out: figures(out),
    benchLoop: { lags: lags.length, longestMs: figures(lags).longestMs, longPauses: long.length, longPausesWhileLate: long.filter((p) => lags.some((l) => l.startMs < p.endMs && l.endMs > p.startMs)).length },
    badWindowsNearPause: countNearStalls(badAtMs, both, 20, STALL_AFTERMATH_MS),
    tonePctNearPause: round((100 * coveredMs(both, 20, STALL_AFTERMATH_MS, fromMs, toMs)) / (toMs - fromMs), 1),
    pausesAtS: [...atS(src, 'al_src'), ...atS(out, 'al_out')].sort((x, y) => x[0] - y[0]).slice(0, 40),
    toneStartedAtMs: Math.round(fromMs),
    benchArrayBuffersMB: round(process.memoryUsage().arrayBuffers / 1e6, 1),
  };
}

/** How many log lines since `from` match each pattern. */
function countTrouble(log: readonly string[], from: number, trouble: Record<string, RegExp>): Record<string, number> {
  const lines = log.slice(from);
  return Object.fromEntries(Object.entries(trouble).map(([name, pattern]) => [name, lines.filter((line) => pattern.test(line)).length]));
}

/** `samples` moved `shift` frames later (a negative shift drops its start). */
function shifted(samples: Float32Array, shift: number): Float32Array {
  const out = new Float32Array(Math.max(0, samples.length + shift));
  if (shift >= 0) out.set(samples, shift);
  else out.set(samples.subarray(-shift));
  return out;
}

/** One try of one setting: starts the system, plays the signal (again if the try was void), stops the system. */
async function tryOnce(
  setting: number,
  start: (setting: number, log: string[]) => Promise<Carrier>,
  wav: string,
  layout: ToneLayout,
  trouble: Record<string, RegExp>,
  tried: Record<string, unknown>[],
): Promise<Awaited<ReturnType<typeof trial>> | undefined> {
  const log: string[] = [];
  let carrier: Carrier;
  try {
    carrier = await start(setting, log);
  } catch (err) {
    tried.push({ setting, error: (err as Error).message.split('\n')[0] });
    return undefined;
  }
  let result: Awaited<ReturnType<typeof trial>>;
  let entry: Record<string, unknown>;
  try {
    let from = log.length;
    result = await trial(wav, layout);
    // A trial whose input was not clean measured the bench, not the system: once more. So did one that
    // ran while the hypervisor took more than STEAL_VOID_PCT of the CPU: up to STEAL_RETRIES more.
    for (let retries = 0; ; retries++) {
      const why =
        result.sentBadWindows > 0 && retries === 0
          ? 'the tone was not clean going in'
          : (result.stealPct ?? 0) > STEAL_VOID_PCT && retries < STEAL_RETRIES
            ? `${result.stealPct} % of the CPU stolen`
            : undefined;
      if (why === undefined) break;
      tried.push({ setting, void: why, ...result });
      from = log.length;
      result = await trial(wav, layout);
    }
    entry = { setting, ...result, ...countTrouble(log, from, trouble), clean: result.badWindows === 0 };
    tried.push(entry);
  } catch (err) {
    tried.push({ setting, error: (err as Error).message.split('\n')[0], log: log.slice(-3) });
    return undefined;
  } finally {
    await carrier.stop();
  }
  // AuraLync's listener prints its figures as it stops; the line may come a moment after it exited.
  if (log.some((line) => line.startsWith('listener: '))) await waitForLine(log, /^listener: stopped after/, 1000).catch(() => {});
  const listener = listenerSummary(log);
  if (listener !== undefined) entry.listener = listener;
  return result;
}

/**
 * AuraLync's listener's own figures over the whole try (its settling and any voided trial included), from the
 * line it prints when stopped: underruns (the jitter buffer's plus PulseAudio's, which it counts apart), packets
 * missing, audio trimmed back to the target, reconnects, drift, and the medians of its own latency estimate and
 * of the jitter it measured. A bad window with none of these happened before the listener: at the host or in its
 * capture. Undefined for other systems.
 */
function listenerSummary(log: readonly string[]): Record<string, number> | undefined {
  const line = log.find((l) => l.startsWith('listener: stopped after'));
  if (line === undefined) return undefined;
  const figure = (pattern: RegExp) => Number(pattern.exec(line)?.[1] ?? NaN);
  return {
    underruns: figure(/(\d+) underruns?/),
    outputUnderruns: figure(/\((\d+) in the output\)/) || 0,
    missing: figure(/(\d+) missing/),
    trimmedMs: figure(/(\d+) ms trimmed/),
    reconnects: figure(/(\d+) reconnects?/),
    driftPpm: figure(/drift ([+-]?\d+) ppm/),
    // Its own estimate of the delay, capture to its speaker, and the jitter it measured (medians over the try).
    latencyMs: figure(/latency (\d+) ms/),
    jitterMs: figure(/jitter (\d+) ms/),
  };
}

/**
 * Tries settings from the smallest up, each up to TRIES times (not again once hopeless); the first with a try
 * that has no bad window is the smallest clean one, and that try's delay is reported.
 */
async function search(
  system: string,
  settings: readonly number[],
  start: (setting: number, log: string[]) => Promise<Carrier>,
  wav: string,
  layout: ToneLayout,
  trouble: Record<string, RegExp> = {},
): Promise<Record<string, unknown>> {
  const tried: Record<string, unknown>[] = [];
  const tries: { setting: number; badWindows: (number | null)[] }[] = [];
  for (const setting of settings) {
    const bad: (number | null)[] = [];
    tries.push({ setting, badWindows: bad });
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const result = await tryOnce(setting, start, wav, layout, trouble, tried);
      bad.push(result?.badWindows ?? null);
      if (result?.badWindows === 0) {
        return { system, smallestCleanSetting: setting, delayMs: result.delayMs, growthMsPerMin: result.growthMsPerMin, tries, tried };
      }
      if (result === undefined || result.badWindows > HOPELESS_WINDOWS) break;
    }
  }
  return { system, smallestCleanSetting: null, tries, tried };
}

/** One system of a survey: its settings, how to start it at one, and what to count in its logs. */
interface SurveyedSystem {
  readonly name: string;
  readonly settings: readonly number[];
  readonly start: (setting: number, log: string[]) => Promise<Carrier>;
  readonly trouble?: Record<string, RegExp>;
}

/** What one system's survey gathered: its tries' outcomes, every try's entry, and the settings not to try again. */
interface SurveyRun {
  readonly system: SurveyedSystem;
  readonly tries: SurveyTry[];
  readonly tried: Record<string, unknown>[];
  readonly hopeless: Set<number>;
}

/** Runs the survey (see SURVEY): every system's tries in surveyOrder; a hopeless setting is not tried again. */
async function survey(systems: readonly SurveyedSystem[], wav: string, layout: ToneLayout): Promise<(SurveySummary & { system: string; tried: Record<string, unknown>[] })[]> {
  const runs = new Map<string, SurveyRun>(systems.map((system) => [system.name, { system, tries: [], tried: [], hopeless: new Set() }]));
  for (const slot of surveyOrder(systems, TRIES)) {
    const run = runs.get(slot.system);
    if (run === undefined || run.hopeless.has(slot.setting)) continue;
    const result = await tryOnce(slot.setting, run.system.start, wav, layout, run.system.trouble ?? {}, run.tried);
    run.tries.push({ setting: slot.setting, badWindows: result?.badWindows ?? null, ...(result === undefined ? {} : { delayMs: result.delayMs }) });
    if (result === undefined || result.badWindows > HOPELESS_WINDOWS) run.hopeless.add(slot.setting);
  }
  return [...runs.values()].map((run) => ({ system: run.system.name, ...summarizeSurvey(run.tries), tried: run.tried }));
}

/**
 * Which build the `pcm` and `opus` systems ran: the checkout's commit, `+` if its src/ differs from it (what out/
 * was built from is not checked), or null outside a git checkout. Surveys pool only within one build
 * (bench/pool-surveys).
 */
function buildOfMain(): string | null {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return null;
  const changed = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { encoding: 'utf8' });
  return `${head.stdout.trim()}${changed.stdout.trim() === '' ? '' : '+'}`;
}

export async function runVsSnapcast(): Promise<Record<string, unknown>> {
  if (!Number.isInteger(TRIES) || TRIES < 1) return { bench: 'vs-snapcast', error: `BENCH_SNAP_TRIES must be a whole number from 1, got '${process.env.BENCH_SNAP_TRIES}'` };
  if (!(HOPELESS_WINDOWS >= 0)) return { bench: 'vs-snapcast', error: `BENCH_SNAP_HOPELESS must be a number from 0, got '${process.env.BENCH_SNAP_HOPELESS}'` };
  if (!(SNAP_PAREC_MS >= 1 && SNAP_PAREC_MS <= 1000)) return { bench: 'vs-snapcast', error: `BENCH_SNAP_PAREC_MS must be a number of ms from 1 to 1000, got '${process.env.BENCH_SNAP_PAREC_MS}'` };
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-snap-'));
  try {
    process.env.AURALYNC_PULSE_KEEPER_MS = KEEPER_MS;
    Object.assign(process.env, await startPulse());
    if (STALL_METER) meter = startMachineStallMeter();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { bench: 'vs-snapcast', skipped: (err as Error).message };
  }
  try {
    // Snapcast paces its pipe source by the system clock and corrects a client's drift by at most 500 ppm
    // (AuraLync follows the capture clock, up to 2000 ppm): how far the sinks are off decides whether it can
    // play cleanly at all.
    const [srcPpm, outPpm] = await Promise.all([sinkClockPpm('al_src.monitor', 30), sinkClockPpm('al_out.monitor', 30)]);
    const { samples, layout } = markedTone(TONE_S);
    const wav = join(dir, 'marked-tone.wav');
    const body = encodeS16(samples);
    writeFileSync(wav, Buffer.concat([wavHeader({ sampleRate: 48_000, channels: 2, sampleFormat: 's16', dataBytes: body.length }), body]));
    const skipped = (system: string) => ({ system, skipped: 'not in BENCH_SNAP_SYSTEMS' });
    const haveSnapcast = spawnSync('snapserver', ['--version']).status === 0 && spawnSync('snapclient', ['--version']).status === 0;
    const common = {
      bench: 'vs-snapcast',
      build: buildOfMain(),
      toneSeconds: TONE_S,
      triesPerSetting: TRIES,
      hopelessAboveBadWindows: HOPELESS_WINDOWS,
      settleMs: SETTLE_MS,
      keeperMs: Number(KEEPER_MS),
      hostPulseMs: HOST_PULSE_MS === undefined ? undefined : Number(HOST_PULSE_MS),
      snapcastParecMs: SNAP_PAREC_MS,
      altMain: ALT_MAIN_JS,
      stallMeter: meter === undefined ? undefined : { realtime: meter.realtime, reportsFromMs: STALL_MIN_MS },
      listenerStall: LISTENER_STALL_MS > 0 ? { ms: LISTENER_STALL_MS, everyMs: LISTENER_STALL_EVERY_MS } : undefined,
      sinkClockPpm: { al_src: round(srcPpm, 0), al_out: round(outPpm, 0) },
      note: 'clean = every 10 ms window of the received 1 kHz tone within 3 dB of its level (else a dropout window) with < 1 % of its energy elsewhere (else a click window); delay at the first marker, growth from the first to the second',
    };
    if (ALT_MAIN_JS !== undefined && !SURVEY) throw new Error('BENCH_SNAP_ALT_MAIN is for a survey (BENCH_SNAP_SURVEY=1)');
    if (SURVEY) {
      const systems: SurveyedSystem[] = [
        ...(SYSTEMS.includes('opus') ? [{ name: 'opus', settings: AURALYNC_LATENCIES, start: (ms: number, log: string[]) => startAuraLync('opus', ms, log) }] : []),
        ...(SYSTEMS.includes('pcm') ? [{ name: 'pcm', settings: AURALYNC_LATENCIES, start: (ms: number, log: string[]) => startAuraLync('pcm', ms, log) }] : []),
        ...(['opus', 'pcm'] as const)
          .filter((codec) => ALT_MAIN_JS !== undefined && SYSTEMS.includes(`${codec}-alt`))
          .map((codec) => ({ name: `${codec}-alt`, settings: AURALYNC_LATENCIES, start: (ms: number, log: string[]) => startAuraLync(codec, ms, log, ALT_MAIN_JS) })),
        ...(SYSTEMS.includes('snapcast') && haveSnapcast
          ? [{ name: 'snapcast', settings: SNAPCAST_BUFFERS, start: (ms: number, log: string[]) => startSnapcast(ms, dir, log), trouble: SNAPCAST_TROUBLE }]
          : []),
        ...(SYSTEMS.includes('pulse-loopback') ? [{ name: 'pulse-loopback', settings: LOOPBACK_LATENCIES, start: startPulseLoopback }] : []),
      ];
      const results = await survey(systems, wav, layout);
      const of = (name: string) => results.find((r) => r.system === name);
      return {
        ...common,
        mode: 'survey: every setting tried triesPerSetting times, the systems interleaved; smallestClean = clean in any try, smallestMostlyClean = clean in at least half; delays are medians of clean tries',
        results,
        ratios: Object.fromEntries(
          ['opus', 'pcm', 'opus-alt', 'pcm-alt'].filter((ours) => of(ours) !== undefined).map((ours) => [ours, surveyRatios(of(ours), of('snapcast'))]),
        ),
      };
    }
    const opus = SYSTEMS.includes('opus')
      ? await search('auralync (opus, --latency MS)', AURALYNC_LATENCIES, (ms, log) => startAuraLync('opus', ms, log), wav, layout)
      : skipped('auralync (opus)');
    const pcm = SYSTEMS.includes('pcm')
      ? await search('auralync (pcm, --latency MS)', AURALYNC_LATENCIES, (ms, log) => startAuraLync('pcm', ms, log), wav, layout)
      : skipped('auralync (pcm)');
    const snapcast = !SYSTEMS.includes('snapcast')
      ? skipped('snapcast')
      : haveSnapcast
      ? {
          ...(await search('snapcast (pcm, --stream.buffer MS)', SNAPCAST_BUFFERS, (ms, log) => startSnapcast(ms, dir, log), wav, layout, SNAPCAST_TROUBLE)),
          chunkMs: SNAP_CHUNK_MS,
          playerBufferMs: SNAP_PLAYER_MS ?? 'min(100, buffer / 2)',
          pipeBufferMs: SNAP_PIPE_MS,
        }
      : { system: 'snapcast', skipped: 'snapserver/snapclient not installed (build/setup-system.sh bench)' };
    const control = SYSTEMS.includes('pulse-loopback')
      ? await search('pulse-loopback (module-loopback, latency_msec MS; a control)', LOOPBACK_LATENCIES, (ms, log) => startPulseLoopback(ms, log), wav, layout)
      : skipped('pulse-loopback');
    const s = (snapcast as { delayMs?: number }).delayMs;
    const ratio = (ours: Record<string, unknown>, theirs: number | undefined) => (typeof ours.delayMs === 'number' && theirs !== undefined ? round(ours.delayMs / theirs, 2) : null);
    // Snapcast as it ships (--stream.buffer 1000), whether or not it played cleanly.
    const tried = (snapcast as { tried?: { setting: number; delayMs?: number }[] }).tried ?? [];
    const snapDefault = tried.find((t) => t.setting === 1000)?.delayMs;
    return {
      ...common,
      results: [opus, pcm, snapcast, control],
      ratioOpus: ratio(opus, s),
      ratioPcm: ratio(pcm, s),
      ratioOpusVsSnapcastDefault: ratio(opus, snapDefault),
      ratioPcmVsSnapcastDefault: ratio(pcm, snapDefault),
    };
  } finally {
    meter?.stop();
    await stopPulse();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runVsSnapcast(), null, 2));
  process.exit(0);
}
