/**
 * What each set of a listener's connections alone would have brought, from one run with all of them
 * (bench/support/probe-listener's PROBE_COPIES: every copy of every packet as it arrived). A packet comes
 * when its first copy on any connection of the set does; its lateness is its transit (arrival − capture)
 * above the fastest transit of the run on that set — what the jitter buffer must cover. One run then
 * stands for a single connection, for each pair, and for all together, under the same losses and delays.
 */
import { percentile, round } from './stats.js';

/** One copy of a packet: on which connection (0 the primary, N twin slot N − 1), its sequence number, when it arrived and its capture [ms]. */
export interface PacketCopy {
  readonly connection: number;
  readonly seq: number;
  readonly arrivalMs: number;
  readonly captureMs: number;
}

/** Lateness of a set of connections [ms]: percentiles, the most late, and how many late spells passed each bound. */
export interface ConnectionSetLateness {
  /** The connections of the set (0 the primary). */
  readonly connections: readonly number[];
  /** Packets the set brought at all. */
  readonly packets: number;
  readonly p99Ms: number;
  readonly p99_9Ms: number;
  readonly maxMs: number;
  /** Late spells (runs of consecutive packets later than the bound, counted once) by bound [ms]. */
  readonly spellsOver: Record<string, number>;
}

/** Reads PROBE_COPIES lines (`CONNECTION SEQ ARRIVAL CAPTURE`); other lines are skipped. */
export function parseCopies(text: string): PacketCopy[] {
  const copies: PacketCopy[] = [];
  for (const line of text.split('\n')) {
    const [connection, seq, arrivalMs, captureMs] = line.trim().split(' ').map(Number);
    if ([connection, seq, arrivalMs, captureMs].every((v) => v !== undefined && Number.isFinite(v))) {
      copies.push({ connection: connection as number, seq: seq as number, arrivalMs: arrivalMs as number, captureMs: captureMs as number });
    }
  }
  return copies;
}

/** The lateness each set of `connections` would have given (`bounds` [ms] for the late spells), copies from `fromMs` (arrival) on. */
export function latenessBySet(copies: readonly PacketCopy[], sets: readonly (readonly number[])[], bounds: readonly number[], fromMs = -Infinity): ConnectionSetLateness[] {
  return sets.map((set) => {
    const first = new Map<number, PacketCopy>();
    for (const copy of copies) {
      if (copy.arrivalMs < fromMs || !set.includes(copy.connection)) continue;
      const known = first.get(copy.seq);
      if (known === undefined || copy.arrivalMs < known.arrivalMs) first.set(copy.seq, copy);
    }
    const packets = [...first.values()].sort((a, b) => a.seq - b.seq);
    const transits = packets.map((p) => p.arrivalMs - p.captureMs);
    const fastest = transits.reduce((a, b) => Math.min(a, b), Infinity);
    const late = transits.map((t) => t - fastest);
    const spellsOver: Record<string, number> = {};
    for (const bound of bounds) {
      let spells = 0;
      for (let i = 0; i < late.length; i++) if ((late[i] as number) > bound && (i === 0 || (late[i - 1] as number) <= bound)) spells++;
      spellsOver[String(bound)] = spells;
    }
    return {
      connections: set,
      packets: packets.length,
      p99Ms: round(percentile(late, 99), 1),
      p99_9Ms: round(percentile(late, 99.9), 1),
      maxMs: round(late.length === 0 ? Number.NaN : late.reduce((a, b) => Math.max(a, b), 0), 1),
      spellsOver,
    };
  });
}

/** Every non-empty set of connections 0..count − 1, smallest first. */
export function connectionSets(count: number): number[][] {
  const sets: number[][] = [];
  for (let mask = 1; mask < 1 << count; mask++) sets.push([...Array(count).keys()].filter((c) => (mask >> c) & 1));
  return sets.sort((a, b) => a.length - b.length);
}
