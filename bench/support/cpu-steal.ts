/**
 * CPU time the hypervisor gave to other guests ("steal", /proc/stat) over a stretch of a benchmark [%].
 * These machines are shared virtual ones: with 0-20 % steal in a 1-2 minute trial (measured 2026-12-02), the
 * threads that keep PulseAudio's 20 ms buffers filled lose the CPU for whole milliseconds at a time, and
 * how often a trial glitches moves with it. A glitch count is read beside this figure.
 */
import { readFileSync } from 'node:fs';

/** The machine's CPU counters [clock ticks]: all time and stolen time; undefined where /proc/stat is not. */
export interface CpuTicks {
  readonly total: number;
  readonly steal: number;
}

/** Reads the counters now (the first "cpu" line of /proc/stat: all cores together). */
export function cpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
    return { total: fields.reduce((sum, n) => sum + n, 0), steal: fields[7]! };
  } catch {
    return undefined;
  }
}

/** Stolen share of all CPU time since `before` [%, one decimal]; undefined without counters or time. */
export function stealPercentSince(before: CpuTicks | undefined): number | undefined {
  const now = cpuTicks();
  if (before === undefined || now === undefined || now.total <= before.total) return undefined;
  return Math.round((1000 * (now.steal - before.steal)) / (now.total - before.total)) / 10;
}
