/**
 * A Wi-Fi-like link (issue 6 (a)): host and listener in two network namespaces joined by a link that
 * delays every packet 5 ms ± 20 ms and loses 0.5 %, each way (netem's `delay 5ms 20ms loss 0.5%`, done by
 * test/support/lossy-link.py as these kernels lack netem), for 10 minutes (BENCH_WIFI_SECONDS). The
 * listener plays into a NullSink on the real clock with the default adaptive target, with three connections
 * (two twins) and with one (BENCH_WIFI_VARIANTS). From every packet copy the probe got, each run also says
 * what each set of its connections alone would have brought (`bySet`). PROBE_DEVICE=ID (with PULSE_SERVER naming a
 * sound server, e.g. test/support/pulse.sh's) has it play into that output through pacat instead, as a Linux
 * listener does: the output's own buffer then counts in its latency and plays on through a stall of this
 * machine, and PulseAudio running the stream dry counts as an underrun. Reports audible
 * gaps (underruns: the buffer ran dry; missing packets: audio the host dropped) and the latency the
 * listener estimates (capture → played), p50/p95, with the target over time, how often the link emulator
 * itself ran late (this machine stalling, not the link it stands for) and how often the host's end sent
 * nothing for over 40 ms (the host stalled, or its TCP waiting out a resend timeout; not the link's delay).
 * Prints JSON. Needs root.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodecName } from '../src/core/handshake.js';
import { netnsUnavailableReason } from '../test/support/netns.js';
import { connectionSets, latenessBySet, parseCopies, type PacketCopy } from './support/connection-copies.js';
import { startLinkedStream, type LinkLogs, type LinkPause, type ProbeSample } from './support/linked-stream.js';
import { percentile, round } from './support/stats.js';

const SECONDS = Number(process.env.BENCH_WIFI_SECONDS ?? 600);
/** The link: the figures; BENCH_WIFI_LOSS (percent) makes it lossier, to see often what 0.5 % shows seldom. */
const IMPAIRMENT = { delayMs: 5, jitterMs: 20, lossPercent: Number(process.env.BENCH_WIFI_LOSS ?? 0.5), seed: Number(process.env.BENCH_SEED ?? 1) };
/**
 * Which listeners to run (BENCH_WIFI_VARIANTS, comma-separated): triple (two twins: three connections),
 * twin (one twin), single (one connection); triple and single by default.
 */
const VARIANTS = (process.env.BENCH_WIFI_VARIANTS ?? 'triple,single').split(',').map((v) => v.trim());
/** Twin connections of each variant. */
const TWINS_OF: Record<string, number> = { triple: 2, twin: 1, single: 0 };
/** Bounds of the late spells counted for each set of connections (see support/connection-copies.ts) [ms]. */
const SPELL_BOUNDS = [40, 60, 80];
/** The first seconds are connection set-up and the target finding the link; they are reported apart. */
const WARMUP_S = 10;
/** How often the probe reports [ms]. */
const SAMPLE_MS = 100;

async function measure(codec: CodecName, variant: string): Promise<Record<string, unknown>> {
  const twins = TWINS_OF[variant] as number;
  const copiesDir = mkdtempSync(join(tmpdir(), 'auralync-bench-copies-'));
  const copiesFile = join(copiesDir, 'copies.txt');
  const stream = await startLinkedStream({ codec, seconds: SECONDS + WARMUP_S, sampleMs: SAMPLE_MS, impairment: IMPAIRMENT, twins, copiesFile });
  let logs: LinkLogs;
  try {
    await stream.finished;
  } finally {
    logs = await stream.stop();
  }
  const all = stream.samples;
  // BENCH_WIFI_SAMPLES=FILE keeps every 100 ms sample (one JSON line each), and every packet copy, for a closer look.
  if (process.env.BENCH_WIFI_SAMPLES) writeFileSync(`${process.env.BENCH_WIFI_SAMPLES}.${variant}.jsonl`, all.map((s) => JSON.stringify(s)).join('\n'));
  const copiesText = existsSync(copiesFile) ? readFileSync(copiesFile, 'utf8') : '';
  if (process.env.BENCH_WIFI_SAMPLES && copiesText !== '') writeFileSync(`${process.env.BENCH_WIFI_SAMPLES}.${variant}.copies`, copiesText);
  const copies = parseCopies(copiesText);
  rmSync(copiesDir, { recursive: true, force: true });
  const warm = all.find((s) => s.t >= WARMUP_S * 1000) ?? (all[0] as ProbeSample);
  const last = all.at(-1) as ProbeSample;
  const measured = all.filter((s) => s.t >= warm.t && s.state === 'playing');
  const latencies = measured.map((s) => s.latencyMs).filter((v): v is number => v !== undefined);
  const targets = measured.map((s) => s.targetMs);
  const perMinute = [];
  for (let m = 0; m * 60_000 < last.t - warm.t; m++) {
    const inMinute = measured.filter((s) => s.t >= warm.t + m * 60_000 && s.t < warm.t + (m + 1) * 60_000);
    const lat = inMinute.map((s) => s.latencyMs).filter((v): v is number => v !== undefined);
    perMinute.push({ minute: m + 1, latencyP50Ms: round(percentile(lat, 50), 1), targetP50Ms: round(percentile(inMinute.map((s) => s.targetMs), 50), 0) });
  }
  return {
    codec,
    variant,
    twins,
    twinsUpFraction: round(measured.filter((s) => s.twins >= twins).length / Math.max(1, measured.length), 3),
    seconds: round((last.t - warm.t) / 1000, 0),
    underruns: last.underruns - warm.underruns,
    // Of those, the output's own (with PROBE_DEVICE: PulseAudio ran the stream dry).
    ...(last.outputUnderruns === undefined ? {} : { outputUnderruns: last.outputUnderruns - (warm.outputUnderruns ?? 0) }),
    missingPackets: last.missingPackets - warm.missingPackets,
    reconnects: last.reconnects - warm.reconnects,
    warmupUnderruns: warm.underruns,
    latencyP50Ms: round(percentile(latencies, 50), 1),
    latencyP95Ms: round(percentile(latencies, 95), 1),
    latencyMaxMs: round(Math.max(...latencies), 1),
    targetP50Ms: round(percentile(targets, 50), 0),
    targetMaxMs: Math.max(...targets),
    driftPpmAtEnd: round(last.driftPpm, 0),
    // How late packets came (transit above the fastest), per 100 ms sample: what the buffer must cover.
    latenessMs: lateness(measured.map((s) => s.latenessMs)),
    perMinute,
    // What each underrun coincided with: a long pause in arrivals (the network, or TCP waiting to resend a
    // lost segment), a long event-loop delay (the listener itself not running), the link emulator running
    // late (this machine stalling, not the link it stands for) or nothing leaving the host's end (the host
    // stalled, or its TCP waiting out a resend timeout on every connection).
    underrunCauses: underrunCauses(all.filter((s) => s.t >= warm.t), logs),
    // Times the link emulator itself ran more than 15 ms late, and the longest [ms] (warm-up included).
    emulatorStalls: pauseSummary(logs.stalls),
    // Times nothing came from the host's end for more than 40 ms, and the longest [ms], after the warm-up (before
    // the listener connects the host has nothing to send).
    hostSilences: pauseSummary(logs.hostSilences.filter((p) => p.monoMs - p.ms >= warm.monoMs)),
    // What each set of this run's connections alone would have brought (after the warm-up): how late its
    // packets came, and how often a spell of them came later than 40, 60, 80 ms — one run, the same losses.
    ...(copies.length === 0 ? {} : { bySet: latenessBySet(copies, connectionSets(twins + 1), SPELL_BOUNDS, warmArrivalMs(copies)) }),
  };
}

/** Where the warm-up ends among the copies: WARMUP_S after the first packet's arrival [ms, the probe's system clock]. */
function warmArrivalMs(copies: readonly PacketCopy[]): number {
  return copies.reduce((a, c) => Math.min(a, c.arrivalMs), Infinity) + WARMUP_S * 1000;
}

/** How many pauses, and the longest [ms]. */
function pauseSummary(pauses: readonly LinkPause[]): { count: number; maxMs: number } {
  return { count: pauses.length, maxMs: round(Math.max(0, ...pauses.map((p) => p.ms)), 1) };
}

/** Percentiles of the per-sample lateness [ms]. */
function lateness(values: readonly number[]): Record<string, number> {
  return { p50: percentile(values, 50), p99: percentile(values, 99), p99_9: percentile(values, 99.9), max: Math.max(...values) };
}

/**
 * For each sample in which underruns were counted: the longest pause between new packets, the longest
 * event-loop delay, the emulator's longest stall and the host's longest silence over the half second before it
 * and the sample after. All samples count, including those taken while the listener was buffering again (the
 * stall itself is usually in one of those).
 */
function underrunCauses(samples: readonly ProbeSample[], logs: LinkLogs): Record<string, number>[] {
  const causes = [];
  for (let i = 1; i < samples.length && causes.length < 60; i++) {
    const [before, now] = [samples[i - 1] as ProbeSample, samples[i] as ProbeSample];
    if (now.underruns === before.underruns) continue;
    // The sample after counts too: an underrun comes in the middle of a pause, which ends (and is measured) later.
    const recent = samples.slice(Math.max(0, i - 4), i + 2);
    // A pause is logged when it ends; it overlaps these samples if it ended after the first began and began before the last.
    const [from, to] = [(recent[0] as ProbeSample).monoMs - SAMPLE_MS, (recent.at(-1) as ProbeSample).monoMs];
    const longestOverlapping = (pauses: readonly LinkPause[]) => round(Math.max(0, ...pauses.filter((p) => p.monoMs >= from && p.monoMs - p.ms <= to).map((p) => p.ms)), 1);
    causes.push({
      tS: round(now.t / 1000, 1),
      underruns: now.underruns - before.underruns,
      ...(now.outputUnderruns === undefined ? {} : { inOutput: now.outputUnderruns - (before.outputUnderruns ?? 0) }),
      arrivalGapMs: Math.max(...recent.map((s) => s.arrivalGapMs)),
      latenessMs: Math.max(...recent.map((s) => s.latenessMs)),
      loopDelayMs: Math.max(...recent.map((s) => s.loopDelayMs)),
      emulatorStallMs: longestOverlapping(logs.stalls),
      hostSilentMs: longestOverlapping(logs.hostSilences),
      targetMs: before.targetMs,
    });
  }
  return causes;
}

export async function runWifiLink(): Promise<Record<string, unknown>> {
  const reason = netnsUnavailableReason();
  if (reason !== undefined) return { bench: 'wifi-link', skipped: reason };
  if (!(IMPAIRMENT.lossPercent >= 0 && IMPAIRMENT.lossPercent <= 50)) return { bench: 'wifi-link', error: `BENCH_WIFI_LOSS must be a percentage from 0 to 50, got '${process.env.BENCH_WIFI_LOSS}'` };
  const unknown = VARIANTS.filter((v) => !(v in TWINS_OF));
  if (unknown.length > 0) return { bench: 'wifi-link', error: `BENCH_WIFI_VARIANTS takes ${Object.keys(TWINS_OF).join(', ')}; got '${unknown.join(', ')}'` };
  // Three connections, one twin, one connection: each variant asked for, in that order.
  const results = [];
  for (const variant of Object.keys(TWINS_OF)) if (VARIANTS.includes(variant)) results.push(await measure('opus', variant));
  return {
    bench: 'wifi-link',
    link: IMPAIRMENT,
    note: `every packet each way: delay ${IMPAIRMENT.delayMs} ± ${IMPAIRMENT.jitterMs} ms (uniform, reordering allowed), ${IMPAIRMENT.lossPercent} % lost; figures after a ${WARMUP_S} s warm-up; latency is the listener's own estimate (clock offset from the lowest-RTT ping, + buffer, + playout), sampled every 100 ms`,
    results,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runWifiLink(), null, 2));
  process.exit(0);
}
