import assert from 'node:assert/strict';
import { cleanShareInterval, poolSurveys, ratiosByCleanShare, smallestWithCleanShare, summarizeSurvey, surveyOrder, surveyRatios } from '../../bench/support/clean-survey.js';

describe('clean survey (bench/vs-snapcast with BENCH_SNAP_SURVEY)', () => {
  it('interleaves the systems: each round takes every system at its first setting, then at its second', () => {
    const order = surveyOrder(
      [
        { name: 'pcm', settings: [10, 15] },
        { name: 'snapcast', settings: [60, 80, 100] },
      ],
      2,
    ).map((s) => `${s.round}:${s.system}@${s.setting}`);
    assert.deepEqual(order, [
      '0:pcm@10', '0:snapcast@60', '0:pcm@15', '0:snapcast@80', '0:snapcast@100',
      '1:pcm@10', '1:snapcast@60', '1:pcm@15', '1:snapcast@80', '1:snapcast@100',
    ]);
    assert.deepEqual(surveyOrder([], 3), []);
  });

  it('tallies clean tries per setting and picks the smallest clean in any try and in at least half', () => {
    const summary = summarizeSurvey([
      { setting: 15, badWindows: 3, delayMs: 41 },
      { setting: 10, badWindows: 0, delayMs: 36 },
      { setting: 10, badWindows: 7, delayMs: 35 },
      { setting: 10, badWindows: 2, delayMs: 37 },
      { setting: 15, badWindows: 0, delayMs: 42 },
      { setting: 15, badWindows: 0, delayMs: 40 },
      { setting: 20, badWindows: 0, delayMs: 45 },
    ]);
    assert.deepEqual(
      summary.settings.map((s) => [s.setting, s.clean, s.tries, s.medianCleanDelayMs]),
      [
        [10, 1, 3, 36],
        [15, 2, 3, 41],
        [20, 1, 1, 45],
      ],
    );
    assert.deepEqual(summary.smallestClean, { setting: 10, delayMs: 36 });
    assert.deepEqual(summary.smallestMostlyClean, { setting: 15, delayMs: 41 });
  });

  it('counts a try that did not run to the end as no try; half clean is enough; nothing clean gives null', () => {
    const summary = summarizeSurvey([
      { setting: 60, badWindows: null },
      { setting: 60, badWindows: 4, delayMs: 66 },
      { setting: 60, badWindows: 0, delayMs: 67 },
    ]);
    assert.deepEqual(summary.settings[0], { setting: 60, tries: 2, clean: 1, badWindows: [null, 4, 0], medianCleanDelayMs: 67 });
    assert.deepEqual(summary.smallestMostlyClean, { setting: 60, delayMs: 67 });
    const none = summarizeSurvey([{ setting: 5, badWindows: 9, delayMs: 30 }, { setting: 10, badWindows: null }]);
    assert.equal(none.smallestClean, null);
    assert.equal(none.smallestMostlyClean, null);
  });

  it('pools surveys: every counted try of each, a voided one left out, a failed one as not run, -alt only with its own build', () => {
    const pooled = poolSurveys([
      {
        altMain: '/a/main.js',
        results: [
          { system: 'pcm', tried: [{ setting: 10, badWindows: 0, delayMs: 31 }, { setting: 10, void: 'the tone was not clean going in', badWindows: 0, delayMs: 20 }, { setting: 10, badWindows: 3, delayMs: 32 }] },
          { system: 'pcm-alt', tried: [{ setting: 10, badWindows: 0, delayMs: 29 }] },
          { system: 'snapcast', tried: [{ setting: 60, badWindows: 0, delayMs: 62 }, { setting: 60, badWindows: 1, delayMs: 61 }] },
        ],
      },
      {
        altMain: '/b/main.js',
        results: [
          { system: 'pcm', tried: [{ setting: 10, badWindows: 0, delayMs: 33 }, { setting: 10, error: 'the listener did not start' }] },
          { system: 'pcm-alt', tried: [{ setting: 10, badWindows: 4, delayMs: 30 }] },
          { system: 'snapcast', tried: [{ setting: 60, badWindows: 2, delayMs: 63 }, { setting: 80, badWindows: 0, delayMs: 82 }] },
        ],
      },
    ]);
    assert.deepEqual([...pooled.keys()], ['pcm', 'pcm-alt (/a/main.js)', 'snapcast', 'pcm-alt (/b/main.js)']);
    const pcm = pooled.get('pcm');
    assert.deepEqual(pcm?.settings[0], { setting: 10, tries: 3, clean: 2, badWindows: [0, 3, 0, null], medianCleanDelayMs: 32 });
    const snapcast = pooled.get('snapcast');
    assert.deepEqual(snapcast?.settings.map((s) => [s.setting, s.clean, s.tries]), [[60, 1, 3], [80, 1, 1]]);
    // Snapcast's 60 was clean in one of three: not mostly clean, so its 80 stands for it there.
    assert.deepEqual(snapcast?.smallestMostlyClean, { setting: 80, delayMs: 82 });
    assert.deepEqual(surveyRatios(pcm, snapcast), { anyCleanTry: 0.52, mostlyClean: 0.39 });
    assert.deepEqual(surveyRatios(pcm, undefined), { anyCleanTry: null, mostlyClean: null });
  });

  it('gives the ratio at any share of clean tries a setting must reach, the two rules among them', () => {
    const ours = summarizeSurvey([
      ...[0, 5, 3, 2].map((badWindows) => ({ setting: 10, badWindows, delayMs: 32 })),
      ...[0, 0, 4, 1].map((badWindows) => ({ setting: 15, badWindows, delayMs: 37 })),
      ...[0, 0, 0, 1].map((badWindows) => ({ setting: 25, badWindows, delayMs: 47 })),
    ]);
    const theirs = summarizeSurvey([
      ...[0, 1, 2, 3].map((badWindows) => ({ setting: 60, badWindows, delayMs: 62 })),
      ...[0, 0, 1, 1].map((badWindows) => ({ setting: 100, badWindows, delayMs: 102 })),
      { setting: 150, badWindows: 2, delayMs: 151 },
    ]);
    assert.deepEqual(smallestWithCleanShare(ours.settings, 0), ours.smallestClean);
    assert.deepEqual(smallestWithCleanShare(ours.settings, 0.5), ours.smallestMostlyClean);
    assert.equal(smallestWithCleanShare(ours.settings, 0.8), null);
    const byShare = ratiosByCleanShare(ours, theirs, [0, 0.25, 0.5, 0.75]);
    assert.deepEqual(byShare.map((r) => [r.share, r.ours?.setting, r.theirs?.setting, r.ratio]), [
      [0, 10, 60, 0.52],
      [0.25, 10, 60, 0.52],
      [0.5, 15, 100, 0.36],
      // Snapcast has no setting clean in three of four: no ratio there.
      [0.75, 25, undefined, null],
    ]);
    assert.deepEqual(ratiosByCleanShare(undefined, theirs, [0])[0], { share: 0, ours: null, theirs: { setting: 60, delayMs: 62 }, ratio: null });
  });

  it('gives the 95 % interval of a share of clean tries, narrowing with more tries', () => {
    assert.deepEqual(cleanShareInterval(13, 24), [35, 72]);
    assert.deepEqual(cleanShareInterval(5, 5), [57, 100]);
    assert.deepEqual(cleanShareInterval(0, 10), [0, 28]);
    const few = cleanShareInterval(2, 4) as [number, number];
    const many = cleanShareInterval(50, 100) as [number, number];
    assert.ok(many[0] > few[0] && many[1] < few[1], `${many} inside ${few}`);
    assert.equal(cleanShareInterval(0, 0), null);
  });
});
