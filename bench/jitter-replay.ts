/**
 * Plays recorded arrivals again through the listener's jitter buffer with other target settings (issue 6 (a)).
 * A trace comes from bench/wifi-link run with PROBE_TRACE=FILE: every packet the listener took and every pull
 * of its output, in the order they happened on the real link (the network's pauses and this machine's stalls
 * included). Each trace is replayed once per headroom (how many times the last 5 minutes' jitter the target
 * covers): the same arrivals, so the settings are compared on the same link rather than across noisy runs.
 * The real run's own figures (its headroom, its JSON) are the check that the replay plays as the listener did.
 *
 * Latency here is measured from the fastest transit of the trace: the real one adds the link's fastest one-way
 * delay and the codec's look-ahead, a constant per trace (the real run's p50 minus the replay's at its headroom).
 *
 *   [REPLAY_HEADROOMS=1.5,1.75,2] [REPLAY_LOWER_AFTER_MS=2000,10000] [REPLAY_FOLLOWED_WITHIN_MS=10,Infinity] node out/bench/jitter-replay.js TRACE...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DEFAULT_LATENCY_MS, DEFAULT_MAX_LATENCY_MS, MIN_ADAPTIVE_LATENCY_MS } from '../src/app/cli-args.js';
import { FIRST_START_SETTLE_MS } from '../src/app/listener-session.js';
import { AdaptiveTarget } from '../src/core/adaptive-target.js';
import { CHANNELS, SAMPLE_RATE } from '../src/core/audio-format.js';
import { JitterBuffer } from '../src/core/jitter-buffer.js';
import { JitterEstimator } from '../src/core/jitter-estimator.js';
import { RateMatchedPlayout } from '../src/core/rate-matched-playout.js';
import { percentile, round } from './support/stats.js';

const HEADROOMS = (process.env.REPLAY_HEADROOMS ?? '1.5,1.75,2,2.25,2.5').split(',').map(Number);
/** How long a lower proposal holds before each 10 ms step down [ms]: each is tried with each headroom. */
const LOWER_AFTER = (process.env.REPLAY_LOWER_AFTER_MS ?? '2000,10000').split(',').map(Number);
/** How close the buffer must have come to the target before a step down [ms] ('Infinity': no wait); each is tried too. */
const FOLLOWED_WITHIN = (process.env.REPLAY_FOLLOWED_WITHIN_MS ?? '10,Infinity').split(',').map(Number);
/** As bench/wifi-link: the first seconds are set-up, reported apart. */
const WARMUP_MS = 10_000;
/** Latency is sampled this often, as the probe does [ms]. */
const SAMPLE_MS = 100;

/** One line of a trace: a packet taken (`a`) or a pull of the output (`r`). */
type TraceEvent = { kind: 'a'; atMs: number; captureMs: number; frames: number } | { kind: 'r'; atMs: number; frames: number };

/** Reads a PROBE_TRACE file; a line it cannot read stops it with the line's number. */
function readTrace(path: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line === '' || line.startsWith('m ')) return; // where the trace's clock stands on CLOCK_MONOTONIC: not needed here
    const [kind, ...numbers] = line.split(' ');
    const values = numbers.map(Number);
    if (kind === 'a' && values.length === 3 && values.every(Number.isFinite)) {
      events.push({ kind, atMs: values[0] as number, captureMs: values[1] as number, frames: values[2] as number });
    } else if (kind === 'r' && values.length === 2 && values.every(Number.isFinite)) {
      events.push({ kind, atMs: values[0] as number, frames: values[1] as number });
    } else {
      throw new Error(`${path}:${i + 1}: not a trace line: ${line.slice(0, 60)}`);
    }
  });
  return events;
}

/** The trace played through a fresh listener's buffer with the given headroom. */
function replay(events: readonly TraceEvent[], headroom: number, lowerAfterMs: number, followedWithinMs: number): Record<string, unknown> {
  const jitter = new JitterBuffer({ targetMs: DEFAULT_LATENCY_MS, settleMs: FIRST_START_SETTLE_MS });
  const playout = new RateMatchedPlayout(jitter);
  const adaptive = new AdaptiveTarget(new JitterEstimator({ minTargetMs: MIN_ADAPTIVE_LATENCY_MS, maxTargetMs: DEFAULT_MAX_LATENCY_MS, headroom }), { lowerAfterMs, followedWithinMs });
  const first = events.find((e) => e.kind === 'a');
  if (first === undefined || first.kind !== 'a') throw new Error('the trace has no packets');
  const packetMs = (first.frames * 1000) / SAMPLE_RATE;
  const audio = new Float32Array(first.frames * CHANNELS).fill(0.1);
  const warmEndMs = first.atMs + WARMUP_MS;
  let fastestTransitMs = Infinity;
  let warmUnderruns: number | undefined;
  let nextSampleMs = warmEndMs;
  const latencies: number[] = [];
  const targets: number[] = [];
  const underrunsAtS: number[] = [];
  const trimsAtS: number[] = [];
  for (const event of events) {
    if (warmUnderruns === undefined && event.atMs >= warmEndMs) warmUnderruns = jitter.stats.underruns;
    if (event.kind === 'a') {
      fastestTransitMs = Math.min(fastestTransitMs, event.atMs - event.captureMs);
      // Sequence numbers from the capture times: packets the host dropped (none in these runs) leave their gap.
      jitter.push(Math.round((event.captureMs - first.captureMs) / packetMs), event.captureMs, audio.length === event.frames * CHANNELS ? audio : new Float32Array(event.frames * CHANNELS));
      const next = adaptive.observe(event.atMs, event.captureMs, (event.frames * 1000) / SAMPLE_RATE, jitter.stats.targetMs, playout.smoothedLevelMs);
      if (next !== undefined) jitter.setTargetMs(next);
      continue;
    }
    const before = jitter.stats;
    playout.render(event.frames);
    const after = jitter.stats;
    if (after.underruns > before.underruns && event.atMs >= warmEndMs) underrunsAtS.push(round((event.atMs - first.atMs) / 1000, 1));
    if (after.overflowDroppedFrames > before.overflowDroppedFrames) trimsAtS.push(round((event.atMs - first.atMs) / 1000, 1));
    if (event.atMs >= nextSampleMs) {
      nextSampleMs += SAMPLE_MS;
      const playing = jitter.playoutCaptureTimeMs();
      if (jitter.stats.state === 'playing' && playing !== undefined) {
        latencies.push(event.atMs - playing - fastestTransitMs + playout.pipelineMs);
        targets.push(jitter.stats.targetMs);
      }
    }
  }
  return {
    headroom,
    lowerAfterMs,
    followedWithinMs: Number.isFinite(followedWithinMs) ? followedWithinMs : null,
    underruns: underrunsAtS.length,
    underrunsAtS: underrunsAtS.slice(0, 20),
    warmupUnderruns: warmUnderruns ?? 0,
    latencyAboveFastestP50Ms: round(percentile(latencies, 50), 1),
    latencyAboveFastestP95Ms: round(percentile(latencies, 95), 1),
    latencyAboveFastestMaxMs: round(Math.max(...latencies), 1),
    targetP50Ms: percentile(targets, 50),
    targetMaxMs: Math.max(...targets),
    // Audio dropped to come back down to the target (a crossfade each; the drift controller should glide instead).
    trimmedMs: round((jitter.stats.overflowDroppedFrames * 1000) / SAMPLE_RATE, 1),
    trimsAtS: trimsAtS.slice(0, 20),
    // The link has no clock drift: what the estimate shows at the end is what the target's moves taught it.
    driftPpmAtEnd: round(playout.controller.driftPpm, 0),
  };
}

export function runJitterReplay(paths: readonly string[]): Record<string, unknown> {
  return {
    bench: 'jitter-replay',
    note: 'recorded arrivals and output pulls (bench/wifi-link, PROBE_TRACE) replayed through the jitter buffer, estimator and adaptive target at each headroom; gaps = underruns after a 10 s warm-up; latency above the fastest transit of the trace',
    traces: paths.map((path) => {
      const events = readTrace(path);
      const packets = events.filter((e) => e.kind === 'a').length;
      const spanS = ((events.at(-1)?.atMs ?? 0) - (events[0]?.atMs ?? 0)) / 1000;
      return { trace: basename(path), packets, seconds: round(spanS, 0), results: FOLLOWED_WITHIN.flatMap((within) => LOWER_AFTER.flatMap((lowerAfterMs) => HEADROOMS.map((h) => replay(events, h, lowerAfterMs, within)))) };
    }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const paths = process.argv.slice(2);
  if (paths.length === 0 || HEADROOMS.some((h) => !(h > 0 && h < 10)) || LOWER_AFTER.some((ms) => !(ms >= 0 && ms <= 600_000)) || FOLLOWED_WITHIN.some((ms) => !(ms >= 0))) {
    console.error('usage: [REPLAY_HEADROOMS=1.5,1.75,2] [REPLAY_LOWER_AFTER_MS=2000,10000] [REPLAY_FOLLOWED_WITHIN_MS=10,Infinity] node out/bench/jitter-replay.js TRACE... (traces from bench/wifi-link with PROBE_TRACE=FILE)');
    process.exit(2);
  }
  try {
    console.log(JSON.stringify(runJitterReplay(paths), null, 2));
  } catch (err) {
    console.error(`jitter-replay: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
