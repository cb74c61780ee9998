/**
 * Real audio end to end, as on a user's machine: a private PulseAudio with two null sinks. A tone is played
 * into al_src; `auralync host` captures al_src's monitor through audify; `auralync listen` plays into al_out;
 * both monitors are recorded on one clock. The tone must arrive at the right frequency and level; the delay
 * is printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertToneCarried, runPulseE2e } from '../support/pulse-e2e.js';
import { startPulse, stopPulse } from '../support/pulse.js';

describe('real audio through PulseAudio null sinks', function () {
  this.timeout(90_000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-real-'));
    Object.assign(process.env, await startPulse());
  });

  after(async () => {
    await stopPulse();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const codec of ['opus', 'pcm'] as const) {
    it(`carries a 1 kHz tone from al_src to al_out through host and listener (${codec})`, async () => {
      const result = await runPulseE2e(dir, codec);
      assertToneCarried(codec, result, 1);
      // Stopped, the listener says in one line what it received and what went wrong on the way.
      const summary = /^stopped after \d+ s: ([\d.]+) s of audio received, \d+ underruns?( \(\d+ in the output\))?, 0 missing, \d+ ms trimmed, 0 reconnects, drift [+-]?\d+ ppm, latency (\d+) ms, jitter \d+ ms \(medians\)$/.exec(result.listenerSummary ?? '');
      assert.ok(summary, `listener summary: ${result.listenerSummary}`);
      assert.ok(Number(summary[1]) >= 3.5, `the whole signal (3.5 s) was received: ${result.listenerSummary}`);
      // Its median latency is its own estimate, which follows the delay the recordings measured (within a few ms
      // in bench/e2e-pulse; the median spans the whole run, the recording one moment of it).
      assert.ok(Math.abs(Number(summary[3]) - result.delayMs) <= 30, `median latency ${summary[3]} ms against ${result.delayMs.toFixed(1)} ms recorded`);
    });
  }
});
