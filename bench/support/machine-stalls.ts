/**
 * Times when this machine's cores did not run, measured beside a benchmark: on each core a child process
 * pinned there (`taskset`) at real-time priority (SCHED_FIFO 20 through `chrt`, above the private PulseAudio's
 * SCHED_RR 5; plain priority where chrt is refused) sleeps 1 ms at a time and reports every wake-up that came
 * STALL_MIN_MS or more late. Nothing on these 2 cores outranks it, so such a gap is that core stopped (the
 * hypervisor, or the guest's kernel), not another program taking the CPU. A plain-priority twin on each core
 * (`waits()`) tells a core busy with something else from one that stopped. Opt-in in the benchmarks: the four
 * children wake 1000 times a second each.
 *
 * Measured on an idle machine (2026-12-05): at 16:00 in 120 s the real-time meter and a plain one saw the same
 * two gaps (16 and 11 ms) at the same moments, and the plain one two more of its own (29, 20 ms); at 16:26 in
 * 150 s two real-time meters, one pinned to each core, saw the same ~150 gaps of 8-41 ms within a millisecond of
 * each other, in spells of 10-30 s. The whole machine stops, both cores at once, mostly; a meter per core also
 * catches one core stopped alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { onLines } from './child-lines.js';

/**
 * The shortest late wake-up reported [ms]. 8 until 2026-12-05 17:50; then stalls of ~10 ms were seen to reach a
 * listener at --latency 10 from both ends at once (docs/latency.md), so 5.
 */
export const STALL_MIN_MS = 5;

/** One stretch a core did not run: from `startMs` to `endMs` [ms since the epoch], on core `core`. */
export interface MachineStall {
  readonly startMs: number;
  readonly endMs: number;
  readonly core: number;
}

/**
 * A running meter: the stalls so far, at which priority it runs, stop(). `waits()` are the late wake-ups of a
 * plain-priority twin on each core, as the host and the listener run: where one has no stall under it, the core
 * ran but gave its time to something else first (PulseAudio's real-time threads, another program).
 */
export interface MachineStallMeter {
  readonly realtime: boolean;
  stalls(): readonly MachineStall[];
  waits(): readonly MachineStall[];
  stop(): void;
}

// The child prints "<end of the gap, ms since the epoch> <gap ms>" per late wake-up.
const CHILD = `
const { performance } = require('node:perf_hooks');
const min = Number(process.argv[1]);
let last = performance.now();
const tick = () => {
  const now = performance.now();
  if (now - last >= min + 1) process.stdout.write((performance.timeOrigin + now).toFixed(1) + ' ' + (now - last - 1).toFixed(1) + '\\n');
  last = now;
  setTimeout(tick, 1);
};
setTimeout(tick, 1);
`;

/** Starts the meter, a real-time child and a plain one per core; stop() it when done. */
export function startMachineStallMeter(): MachineStallMeter {
  const realtime = spawnSync('chrt', ['-f', '20', 'true']).status === 0;
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const stalls: MachineStall[] = [];
  const waits: MachineStall[] = [];
  const children: ChildProcess[] = [];
  const start = (core: number, rt: boolean, into: MachineStall[]) => {
    const command = [...(pinned ? ['taskset', '-c', String(core)] : []), ...(rt ? ['chrt', '-f', '20'] : []), process.execPath, '-e', CHILD, String(STALL_MIN_MS)];
    const child = spawn(command[0]!, command.slice(1));
    children.push(child);
    onLines(child.stdout!, (line) => {
      const [end, gap] = line.split(' ').map(Number);
      if (Number.isFinite(end) && Number.isFinite(gap)) into.push({ startMs: end! - gap!, endMs: end!, core });
    });
    child.on('error', () => {});
  };
  for (let core = 0; core < (pinned ? availableParallelism() : 1); core++) {
    start(core, realtime, stalls);
    if (realtime) start(core, false, waits);
  }
  return {
    realtime,
    stalls: () => stalls,
    waits: () => waits,
    stop: () => {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

/** A stretch of time [ms since the epoch]. */
export type Stretch = { readonly startMs: number; readonly endMs: number };

/**
 * Whether the moment `atMs` [ms since the epoch] falls in or up to `afterMs` after a stall (from `beforeMs`
 * before its start): what a stall of the whole machine plausibly caused, as the sound server renders the
 * missed time at once when it runs again and a stream that held less runs dry.
 */
export function isNearStall(atMs: number, stalls: readonly Stretch[], beforeMs: number, afterMs: number): boolean {
  return stalls.some((s) => atMs >= s.startMs - beforeMs && atMs <= s.endMs + afterMs);
}

/** How much of `fromMs`..`toMs` is near a stall (isNearStall) [ms]: the chance that a moment there is. */
export function coveredMs(stalls: readonly Stretch[], beforeMs: number, afterMs: number, fromMs: number, toMs: number): number {
  let covered = 0;
  let reached = fromMs;
  for (const s of [...stalls].sort((a, b) => a.startMs - b.startMs)) {
    const start = Math.max(reached, s.startMs - beforeMs);
    const end = Math.min(toMs, s.endMs + afterMs);
    if (end > start) covered += end - start;
    reached = Math.max(reached, end);
  }
  return covered;
}

/** Of the moments in `atMs`, how many are near a stall (isNearStall). */
export function countNearStalls(atMs: readonly number[], stalls: readonly Stretch[], beforeMs: number, afterMs: number): number {
  return atMs.filter((at) => isNearStall(at, stalls, beforeMs, afterMs)).length;
}

/** Stalls of any core merged where they overlap: each with how many cores it stopped (1: one core alone). */
export function mergeStalls(stalls: readonly MachineStall[]): { startMs: number; endMs: number; cores: number }[] {
  const merged: { startMs: number; endMs: number; coreSet: Set<number> }[] = [];
  for (const s of [...stalls].sort((a, b) => a.startMs - b.startMs)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s.startMs <= last.endMs) {
      last.endMs = Math.max(last.endMs, s.endMs);
      last.coreSet.add(s.core);
    } else merged.push({ startMs: s.startMs, endMs: s.endMs, coreSet: new Set([s.core]) });
  }
  return merged.map(({ startMs, endMs, coreSet }) => ({ startMs, endMs, cores: coreSet.size }));
}
