/**
 * Pools the tries of several bench/vs-snapcast surveys (BENCH_SNAP_SURVEY=1) as if they had been one, and gives
 * each system's smallest setting clean in any try and clean in at least half, with the ratios to Snapcast (issue 6
 * (d)), and the ratio at other shares of clean tries around those two rules. One survey has five tries or so per
 * setting: whether Snapcast's 60 is "mostly clean" in it turns on one try (2 of 5 in one survey, 3 of 5 in the
 * next); pooled, the share of clean tries is known far better, and each setting's 95 % interval says how much.
 * Pool only surveys of one build of AuraLync: each survey records its `build` since 2026-12-06 (listed under
 * `surveys` and `builds` here); for older ones, check when they ran. `-alt` systems pool only with their own build.
 *
 *   node out/bench/pool-surveys.js SURVEY.json...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cleanShareInterval, poolSurveys, ratiosByCleanShare, surveyRatios, type SurveyReport } from './support/clean-survey.js';

/** The shares of clean tries byCleanShare gives the ratio at: any one try, then every tenth up to nine. */
const SHARES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Reads the surveys and pools them; throws with the file's name when one is not a survey's JSON. */
export function runPoolSurveys(paths: readonly string[]): Record<string, unknown> {
  const reports = paths.map((path): SurveyReport => {
    let report: unknown;
    try {
      report = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`${path}: ${err instanceof SyntaxError ? 'not JSON' : (err as Error).message}`);
    }
    const { mode, results } = (typeof report === 'object' && report !== null ? report : {}) as { mode?: unknown; results?: unknown };
    if (typeof mode !== 'string' || !mode.startsWith('survey') || !Array.isArray(results)) {
      throw new Error(`${path}: not a bench/vs-snapcast survey (run it with BENCH_SNAP_SURVEY=1)`);
    }
    return report as SurveyReport;
  });
  const pooled = poolSurveys(reports);
  const snapcast = pooled.get('snapcast');
  const ours = [...pooled.keys()].filter((system) => system !== 'snapcast');
  return {
    bench: 'pool-surveys',
    surveys: paths.map((path, i) => ({ file: basename(path), build: reports[i]?.build ?? 'not recorded', altMain: reports[i]?.altMain })),
    builds: [...new Set(reports.map((r) => r.build ?? 'not recorded'))],
    note: 'every counted try of every survey, per system and setting; smallestClean = clean in any try, smallestMostlyClean = clean in at least half; delays are medians of clean tries; cleanShare95 = 95 % interval of the share of clean tries [%]; byCleanShare = the ratio at each share of clean tries a setting must reach',
    results: [...pooled].map(([system, summary]) => ({
      system,
      ...summary,
      settings: summary.settings.map((tally) => ({ ...tally, cleanShare95: cleanShareInterval(tally.clean, tally.tries) })),
    })),
    ratios: Object.fromEntries(ours.map((system) => [system, surveyRatios(pooled.get(system), snapcast)])),
    byCleanShare: Object.fromEntries(ours.map((system) => [system, ratiosByCleanShare(pooled.get(system), snapcast, SHARES)])),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const paths = process.argv.slice(2);
  if (paths.length === 0) {
    console.error('usage: node out/bench/pool-surveys.js SURVEY.json... (surveys from bench/vs-snapcast with BENCH_SNAP_SURVEY=1)');
    process.exit(2);
  }
  try {
    console.log(JSON.stringify(runPoolSurveys(paths), null, 2));
  } catch (err) {
    console.error(`pool-surveys: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
