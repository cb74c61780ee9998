/**
 * Real audio through PipeWire's pulse server (the sound server of most Linux desktops now), as
 * real-audio.test.ts does through PulseAudio: a private PipeWire with the same two null sinks. audify lists
 * no monitor there (it folds each into its sink), so the host finds the monitors through pactl and captures
 * them with parec (src/adapters/audio/pulse-monitor-sources.ts, parec-capture-source.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { runPulseE2e } from '../support/pulse-e2e.js';
import { startPipewire, stopPipewire } from '../support/pulse.js';

describe('real audio through PipeWire null sinks', function () {
  this.timeout(90_000);
  let dir: string;
  let serverDir: string;
  const saved = { ...process.env };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-pipewire-'));
    serverDir = join(dir, 'server');
    Object.assign(process.env, await startPipewire(serverDir));
  });

  after(async () => {
    await stopPipewire(serverDir);
    for (const key of ['PULSE_SERVER', 'XDG_RUNTIME_DIR', 'PULSE_STATE_PATH', 'PULSE_COOKIE']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists each sink\'s monitor as a capture device, the default output\'s as the default', async () => {
    const result = await runCli(['devices']);
    assert.equal(result.code, 0, result.stderr);
    const capture = result.stdout.slice(result.stdout.indexOf('Capture'), result.stdout.indexOf('Output'));
    assert.match(capture, /\* monitor-of-al-src-[0-9a-f]{6}\s+Monitor of al_src\n/);
    assert.match(capture, /\n {4}monitor-of-al-out-[0-9a-f]{6}\s+Monitor of al_out/);
  });

  for (const codec of ['opus', 'pcm'] as const) {
    it(`carries a 1 kHz tone from al_src to al_out through host and listener (${codec})`, async () => {
      const result = await runPulseE2e(dir, codec);
      console.log(`      ${codec}: end-to-end delay ${result.delayMs.toFixed(1)} ms; level sent ${result.sentDb.toFixed(2)} dB, received ${result.receivedDb.toFixed(2)} dB`);
      console.log(`      listener: ${result.listenerSummary}`);
      assert.equal(result.receivedToneFrames, 48_000, 'a full second of the tone reached al_out');
      assert.ok(Math.abs(result.receivedDb - result.sentDb) < 1, `level preserved within 1 dB (sent ${result.sentDb.toFixed(2)}, received ${result.receivedDb.toFixed(2)})`);
      assert.ok(result.toneToNeighbourRatio > 1000, `the received energy is at 1 kHz (ratio ${result.toneToNeighbourRatio.toExponential(1)})`);
      assert.ok(result.delayMs > 0 && result.delayMs < 1000, `delay ${result.delayMs} ms is plausible`);
      assert.match(result.listenerSummary ?? '', /^stopped after \d+ s: [\d.]+ s of audio received, .*0 missing/);
    });
  }
});
