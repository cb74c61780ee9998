/**
 * Child process for the network benchmarks: one listener (adaptive jitter buffer, Opus or PCM) playing
 * into a NullSink — a sound card that pulls on the real clock, so the buffer, underruns and latency are
 * those of real playback — printing its figures as one JSON line every SAMPLE_MS until SECONDS have
 * passed. Runs wherever it is started (inside a network namespace for the benchmarks).
 * PROBE_DEVICE=NAME plays into that output device instead (as `listen --device NAME` does, through
 * PulseAudio; bench/delay-over-time). PROBE_TWIN=0 keeps to one connection (no twin), PROBE_TWINS=N opens N
 * twins (the listener's default otherwise). PROBE_COPIES=FILE writes there, at the end, every copy of every
 * packet as it arrived (`CONNECTION SEQ TIME CAPTURE`; connection 0 the primary, N twin slot N − 1; TIME on
 * this process's clock, CAPTURE on the host's [ms]): what each connection alone would have brought. Each sample also says
 * how many twins are connected, and what could have caused an underrun in it: the longest pause between
 * two new packets (on either connection; a network stall, TCP waiting to resend a lost segment) and the
 * longest event-loop delay (this process not running).
 * PROBE_TRACE=FILE (null output only) also writes, at the end, every packet taken (`a TIME CAPTURE FRAMES`) and
 * every pull of the output (`r TIME FRAMES`), TIME on this process's clock and CAPTURE on the host's [ms],
 * after a first line `m MS`: where this process's clock stands on CLOCK_MONOTONIC (test/support/lossy-link.py's
 * stall log). bench/jitter-replay plays such a trace again through the jitter buffer with other settings.
 *
 *   [PROBE_LATENCY_MS=80] node probe-listener.js HOST PORT SECONDS SAMPLE_MS
 */
import { loadAudioBackend, opusDecoderFactory } from '../../src/adapters/audio/audio-backend.js';
import { NullSink } from '../../src/adapters/audio/null-sink.js';
import { TcpConnector } from '../../src/adapters/net/tcp-connector.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { DEFAULT_LATENCY_MS, DEFAULT_MAX_LATENCY_MS, LEAN_OUTPUT_MAX_LATENCY_MS, MIN_ADAPTIVE_LATENCY_MS } from '../../src/app/cli-args.js';
import { ListenerSession } from '../../src/app/listener-session.js';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The longest pause between two new packets (a copy from the twin does not count) since the last reading,
 * and the latest packet's lateness: its transit (arrival here − capture at the host) above the fastest
 * transit seen so far — how much of the jitter buffer it used up.
 */
class PacketGaps {
  private last: number | undefined;
  private longest = 0;
  private fastestTransit = Infinity;
  private latest = 0; // the most late since the last reading
  /** A new packet, captured at `captureTimeMs` (host clock), was taken now. */
  note(captureTimeMs: number): void {
    const now = performance.now();
    if (this.last !== undefined) this.longest = Math.max(this.longest, now - this.last);
    this.last = now;
    const transit = systemClock.now() - captureTimeMs;
    this.fastestTransit = Math.min(this.fastestTransit, transit);
    this.latest = Math.max(this.latest, transit - this.fastestTransit);
  }
  /** The latest packet's (most late packet's) transit above the fastest since the last call [ms]. */
  takeLateness(): number {
    const late = this.latest;
    this.latest = 0;
    return late;
  }
  /** The longest pause since the last call [ms], counting a pause still going on. */
  take(): number {
    const gap = Math.max(this.longest, this.last === undefined ? 0 : performance.now() - this.last);
    this.longest = 0;
    return gap;
  }
}

const [host, portText, secondsText, sampleText] = process.argv.slice(2);
const fixedLatency = process.env.PROBE_LATENCY_MS === undefined ? undefined : Number(process.env.PROBE_LATENCY_MS);
const started = performance.now();
const gaps = new PacketGaps();
const device = process.env.PROBE_DEVICE;
const backend = device === undefined ? undefined : await loadAudioBackend({ required: true });
const tracePath = process.env.PROBE_TRACE;
/** CLOCK_MONOTONIC now [ms]: the clock of the link emulator's stall log (test/support/lossy-link.py). */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const trace: string[] = [`m ${(monotonicMs() - performance.now()).toFixed(3)}`];
const copiesPath = process.env.PROBE_COPIES;
const copies: string[] = [];
const sink = backend === undefined ? new NullSink(systemClock, tracePath === undefined ? undefined : (samples, nowMs) => trace.push(`r ${nowMs.toFixed(3)} ${samples.length / 2}`)) : await backend.playbackSink(device, undefined, fixedLatency !== undefined && fixedLatency <= LEAN_OUTPUT_MAX_LATENCY_MS ? 'lean' : 'standard');
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const session = new ListenerSession({
  host: host as string,
  port: Number(portText),
  connector: new TcpConnector(),
  onDelivered: (captureTimeMs, frames) => {
    gaps.note(captureTimeMs);
    if (tracePath !== undefined) trace.push(`a ${systemClock.now().toFixed(3)} ${captureTimeMs.toFixed(3)} ${frames}`);
  },
  sink,
  clock: systemClock,
  protocol: 'v2',
  boost: 1,
  // PROBE_LATENCY_MS fixes the target (as `listen --latency MS` does); by default it adapts.
  latencyMs: fixedLatency ?? DEFAULT_LATENCY_MS,
  adaptiveLatency: fixedLatency === undefined ? { minMs: MIN_ADAPTIVE_LATENCY_MS, maxMs: DEFAULT_MAX_LATENCY_MS } : undefined,
  name: 'probe',
  opusDecoderFactory: opusDecoderFactory(),
  twins: process.env.PROBE_TWIN === '0' ? 0 : process.env.PROBE_TWINS === undefined ? undefined : Number(process.env.PROBE_TWINS),
  onCopy: copiesPath === undefined ? undefined : (connection, seq, captureTimeMs) => copies.push(`${connection} ${seq} ${systemClock.now().toFixed(3)} ${captureTimeMs.toFixed(3)}`),
});
session.on((event) => process.stdout.write(`${JSON.stringify({ t: performance.now() - started, event })}\n`));
await session.start();
const timer = setInterval(() => {
  const s = session.stats();
  const sample = {
    t: performance.now() - started,
    state: s.state,
    bufferedMs: s.bufferedMs,
    targetMs: s.targetMs,
    latencyMs: s.latencyMs,
    underruns: s.underruns,
    missingPackets: s.missingPackets,
    framesReceived: s.framesReceived,
    reconnects: s.reconnects,
    driftPpm: s.driftPpm,
    twins: session.twinsConnected,
    arrivalGapMs: Math.round(gaps.take()),
    latenessMs: Math.round(gaps.takeLateness()),
    loopDelayMs: Math.round(loopDelay.max / 1e6),
    monoMs: monotonicMs(),
    // The output's own count where it keeps one (pacat: PulseAudio ran the stream dry; audify: its queue did).
    outputUnderruns: (sink as { underruns?: number }).underruns,
  };
  loopDelay.reset();
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}, Number(sampleText));
setTimeout(() => {
  clearInterval(timer);
  void session.stop().then(() => {
    if (tracePath !== undefined) writeFileSync(tracePath, `${trace.join('\n')}\n`);
    if (copiesPath !== undefined) writeFileSync(copiesPath, `${copies.join('\n')}\n`);
    process.exit(0);
  });
}, Number(secondsText) * 1000);
