/**
 * A survey of settings for bench/vs-snapcast (BENCH_SNAP_SURVEY): every system gets the same number of tries
 * at each of its settings, the tries of all systems interleaved in time, so that a noisy spell of this shared
 * machine falls on all of them alike rather than on whichever system it happened to be testing. Then, per
 * setting, how many tries played the tone cleanly, and two figures per system: its smallest setting clean in
 * any try (the lottery the first-clean search also plays), and its smallest setting clean in at least half
 * its tries (what a user picking that setting would mostly get).
 */
import { median, round } from './stats.js';

/** One slot of the schedule: which system, which of its settings, which round. */
export interface SurveySlot {
  readonly system: string;
  readonly setting: number;
  readonly round: number;
}

/**
 * The order of all tries: round by round; within a round the settings' places side by side (each system's
 * first setting, then each one's second, ...), so every system is tried about as often in each stretch of time.
 */
export function surveyOrder(systems: readonly { readonly name: string; readonly settings: readonly number[] }[], rounds: number): SurveySlot[] {
  const slots: SurveySlot[] = [];
  const places = Math.max(0, ...systems.map((s) => s.settings.length));
  for (let round = 0; round < rounds; round++) {
    for (let place = 0; place < places; place++) {
      for (const system of systems) {
        const setting = system.settings[place];
        if (setting !== undefined) slots.push({ system: system.name, setting, round });
      }
    }
  }
  return slots;
}

/** One try's outcome: its bad windows (null: it did not run to the end) and, if it ran, its delay [ms]. */
export interface SurveyTry {
  readonly setting: number;
  readonly badWindows: number | null;
  readonly delayMs?: number;
}

/** One setting's tries, summed up. */
export interface SettingTally {
  readonly setting: number;
  /** Tries that ran to the end. */
  readonly tries: number;
  /** Of those, how many had no bad window. */
  readonly clean: number;
  readonly badWindows: (number | null)[];
  /** The median delay of its clean tries [ms]; null if none was clean. */
  readonly medianCleanDelayMs: number | null;
}

/** A system's smallest setting by one criterion, with the median delay of that setting's clean tries. */
export interface SmallestSetting {
  readonly setting: number;
  readonly delayMs: number;
}

/** What a system's survey tries add up to. */
export interface SurveySummary {
  readonly settings: SettingTally[];
  /** Smallest setting with at least one clean try. */
  readonly smallestClean: SmallestSetting | null;
  /** Smallest setting clean in at least half of the tries that ran there. */
  readonly smallestMostlyClean: SmallestSetting | null;
}

/** Tallies one system's tries per setting (settings in ascending order) and picks its two smallest settings. */
export function summarizeSurvey(tries: readonly SurveyTry[]): SurveySummary {
  const settings = [...new Set(tries.map((t) => t.setting))].sort((a, b) => a - b).map((setting): SettingTally => {
    const here = tries.filter((t) => t.setting === setting);
    const ran = here.filter((t) => t.badWindows !== null);
    const cleanDelays = ran.filter((t) => t.badWindows === 0 && t.delayMs !== undefined).map((t) => t.delayMs as number);
    return {
      setting,
      tries: ran.length,
      clean: ran.filter((t) => t.badWindows === 0).length,
      badWindows: here.map((t) => t.badWindows),
      medianCleanDelayMs: cleanDelays.length === 0 ? null : round(median(cleanDelays), 1),
    };
  });
  return {
    settings,
    smallestClean: smallestWithCleanShare(settings, 0),
    smallestMostlyClean: smallestWithCleanShare(settings, 0.5),
  };
}

/**
 * The smallest setting clean in at least `share` of its tries (0: in any one), with the median delay of its clean
 * tries; null if none is. A setting needs one clean try to be picked at all: only those have a delay.
 */
export function smallestWithCleanShare(settings: readonly SettingTally[], share: number): SmallestSetting | null {
  const found = settings.find((t) => t.medianCleanDelayMs !== null && t.clean >= share * t.tries);
  return found === undefined ? null : { setting: found.setting, delayMs: found.medianCleanDelayMs as number };
}

/**
 * The 95 % interval (Wilson's) of the share of clean tries at a setting, from `clean` of `tries`, in percent
 * rounded to whole ones; null with no tries. It says whether more tries could still move a setting across a
 * rule's line: 13 of 24 is 54 %, but anywhere from 35 to 72 %.
 */
export function cleanShareInterval(clean: number, tries: number): [number, number] | null {
  if (tries <= 0) return null;
  const z = 1.96;
  const p = clean / tries;
  const scale = 1 + (z * z) / tries;
  const centre = (p + (z * z) / (2 * tries)) / scale;
  const half = (z * Math.sqrt((p * (1 - p)) / tries + (z * z) / (4 * tries * tries))) / scale;
  return [Math.round(Math.max(0, centre - half) * 100), Math.round(Math.min(1, centre + half) * 100)];
}

/** One try as bench/vs-snapcast's survey records it under `tried`: voided and failed tries included. */
export interface RecordedTry {
  readonly setting: number;
  readonly badWindows?: number;
  readonly delayMs?: number;
  /** Why the try was run again (not clean going in, CPU stolen): it does not count. */
  readonly void?: string;
  /** Why it did not run to the end. */
  readonly error?: string;
}

/** What pooling takes from one survey's JSON: each system's recorded tries, and which build `-alt` was. */
export interface SurveyReport {
  /** The build `pcm` and `opus` ran (recorded since 2026-12-06). */
  readonly build?: string | null;
  readonly altMain?: string;
  readonly results: readonly { readonly system: string; readonly tried?: readonly RecordedTry[] }[];
}

/**
 * The tries of several surveys of the same systems, as if they had been one: per system, every try that counts
 * (a voided one does not; a failed one counts as not run to the end, as in the survey itself), then tallied by
 * summarizeSurvey. A survey's `-alt` systems were whatever build it was given, so they pool only with the same
 * build: their name carries it (`pcm-alt (/path/to/main.js)`).
 */
export function poolSurveys(reports: readonly SurveyReport[]): Map<string, SurveySummary> {
  const tries = new Map<string, SurveyTry[]>();
  for (const report of reports) {
    for (const result of report.results) {
      const name = result.system.endsWith('-alt') ? `${result.system} (${report.altMain ?? 'unknown build'})` : result.system;
      const mine = tries.get(name) ?? [];
      tries.set(name, mine);
      for (const t of result.tried ?? []) {
        if (t.void !== undefined) continue;
        const ran = t.error === undefined && typeof t.badWindows === 'number';
        mine.push(ran ? { setting: t.setting, badWindows: t.badWindows as number, ...(t.delayMs === undefined ? {} : { delayMs: t.delayMs }) } : { setting: t.setting, badWindows: null });
      }
    }
  }
  return new Map([...tries].filter(([, mine]) => mine.length > 0).map(([name, mine]) => [name, summarizeSurvey(mine)]));
}

/** One line of ratiosByCleanShare: at this share of clean tries, each system's smallest setting and the ratio. */
export interface ShareRatio {
  /** The least share of clean tries a setting needs (0: any one clean try). */
  readonly share: number;
  readonly ours: SmallestSetting | null;
  readonly theirs: SmallestSetting | null;
  /** Our delay over theirs; null when either has no setting that clean. */
  readonly ratio: number | null;
}

/**
 * Our delay over theirs at each of several shares of clean tries a setting must reach: the two rules (any try,
 * half) are two points of this line, and where the ratio crosses a target between them says how much the verdict
 * rests on how clean "clean" has to be.
 */
export function ratiosByCleanShare(ours: SurveySummary | undefined, theirs: SurveySummary | undefined, shares: readonly number[]): ShareRatio[] {
  return shares.map((share) => {
    const a = ours === undefined ? null : smallestWithCleanShare(ours.settings, share);
    const b = theirs === undefined ? null : smallestWithCleanShare(theirs.settings, share);
    return { share, ours: a, theirs: b, ratio: a === null || b === null ? null : round(a.delayMs / b.delayMs, 2) };
  });
}

/** Our delay over theirs by both rules: smallest setting clean in any try, and clean in at least half. */
export function surveyRatios(ours: SurveySummary | undefined, theirs: SurveySummary | undefined): { anyCleanTry: number | null; mostlyClean: number | null } {
  const [any, mostly] = ratiosByCleanShare(ours, theirs, [0, 0.5]);
  return { anyCleanTry: any?.ratio ?? null, mostlyClean: mostly?.ratio ?? null };
}
