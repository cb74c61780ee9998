/**
 * Devices that go away mid-stream (issue 7), on a private PulseAudio: an extra null sink is loaded for
 * the test and unloaded under a running CLI. The listener whose output goes says so and plays on on the
 * default output; the host whose capture device goes says so, keeps its listeners with silence, retries,
 * and sends the real audio again once the device is back.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTestWav } from '../support/audio-files.js';
import { spawnCli, waitForOutput } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { recordMonitor } from '../support/monitor-recorder.js';
import { startPulse, stopPulse } from '../support/pulse.js';
import { leftChannel, rms } from '../support/signals.js';
import { waitFor } from '../support/wait-for.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Loads a null sink named (and described as) `name`, as pulse.sh does; returns its module index (for unloading). */
function loadSink(name: string): string {
  return execFileSync('pactl', ['load-module', 'module-null-sink', `sink_name=${name}`, 'format=float32le', 'rate=48000', 'channels=2', `sink_properties=device.description=${name}`], { encoding: 'utf8' }).trim();
}

function unload(module: string): void {
  execFileSync('pactl', ['unload-module', module], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** RMS of what `monitor` plays over `ms` (left channel). */
async function levelOf(monitor: string, ms: number): Promise<number> {
  const recording = await recordMonitor(monitor);
  await sleep(ms);
  await recording.stop();
  return rms(leftChannel(recording.samples()));
}

function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (bytes: Buffer) => (text += bytes.toString()));
  return () => text;
}

describe('devices going away mid-stream (PulseAudio)', function () {
  this.timeout(90_000);
  let dir: string;
  const children: ChildProcess[] = [];
  const modules: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-device-faults-'));
    Object.assign(process.env, await startPulse());
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const module of modules.splice(0)) {
      try {
        unload(module);
      } catch {
        // already gone (the test unloaded it)
      }
    }
  });

  after(async () => {
    await stopPulse();
    rmSync(dir, { recursive: true, force: true });
  });

  it('output device unloaded: the listener says so in one line and plays on on the default output', async () => {
    const input = join(dir, 'tone.wav');
    writeTestWav(input, { seconds: 60, kind: 'tones' });
    const port = await freePort();
    const host = spawnCli(['host', '--input', input, '--codec', 'pcm', '--port', String(port), '--name', 'Host']);
    children.push(host);
    await waitForOutput(host, /hosting 'Host'/, 10_000);
    const module = loadSink('al_gone');
    modules.push(module);
    const listener = spawnCli(['listen', `127.0.0.1:${port}`, '--device', 'al_gone', '--name', 'Ann']);
    children.push(listener);
    const said = stderrOf(listener);
    await waitForOutput(listener, /listening to Host/, 10_000);
    let levelFirst = 0;
    for (let tries = 0; tries < 10 && levelFirst <= 0.05; tries++) levelFirst = await levelOf('Monitor of al_gone', 400);
    assert.ok(levelFirst > 0.05, `playing on the chosen sink first (level ${levelFirst.toFixed(4)})`);
    const quietBefore = await levelOf('Monitor of al_src', 300); // the default sink: only the keeper's silence

    unload(module);
    await waitFor(() => /output 'al_gone' is gone .*; playing on the default output/.test(said()), 10_000, 'the listener to say it moved');
    await sleep(500);
    const levelAfter = await levelOf('Monitor of al_src', 500);
    assert.ok(quietBefore < 0.001 && levelAfter > 0.05, `the stream goes on on the default output (level ${quietBefore.toFixed(4)} → ${levelAfter.toFixed(3)})`);
    assert.equal(listener.exitCode, null, 'the listener is still running');
    const lines = said().trim().split('\n');
    assert.equal(lines.filter((line) => /is gone/.test(line)).length, 1, `said once: ${said()}`);
    assert.doesNotMatch(said(), /\s+at .+:\d+:\d+/, 'no stack trace');
  });

  it('capture device unloaded: the host says so, keeps its listener with silence, and captures again when it is back', async () => {
    const module = loadSink('al_cap');
    modules.push(module);
    const port = await freePort();
    const host = spawnCli(['host', '--device', 'Monitor of al_cap', '--codec', 'pcm', '--port', String(port), '--name', 'Host']);
    children.push(host);
    const hostSaid = stderrOf(host);
    await waitForOutput(host, /hosting 'Host'/, 10_000);
    const output = join(dir, 'listener.wav');
    const listener = spawnCli(['listen', `127.0.0.1:${port}`, '--output', output, '--name', 'Bob']);
    children.push(listener);
    await waitForOutput(host, /\+ Bob joined/, 10_000);
    await waitFor(() => statSync(output).size > 48_000 * 4 * 0.5, 10_000, 'audio reaching the listener');

    unload(module);
    await waitFor(() => /capture device 'Monitor of al_cap' is gone .*retrying every 2 s/.test(hostSaid()), 10_000, 'the host to say the device is gone');
    const sizeWhileGone = statSync(output).size;
    // PulseAudio moves the capture stream to the default source by itself; what plays there (another
    // device's sound, which the user did not choose to share) must not reach the listener.
    const tone = join(dir, 'cap-tone.wav');
    writeTestWav(tone, { seconds: 2, kind: 'tones' });
    execFileSync('paplay', ['-d', 'al_src', tone]);
    await sleep(500);
    const sizeAfterGap = statSync(output).size;
    assert.ok(sizeAfterGap > sizeWhileGone + 48_000 * 4, 'the listener keeps receiving (silence) while the device is gone');
    assert.equal(host.exitCode, null, 'the host is still running');
    assert.doesNotMatch(hostSaid(), /- Bob left/, 'the listener was not dropped');

    modules.push(loadSink('al_cap'));
    await waitFor(() => /capture device 'Monitor of al_cap' is back/.test(hostSaid()), 10_000, 'the host to capture again');
    // A tone played into the new al_cap reaches the listener's file.
    const sizeBack = statSync(output).size;
    execFileSync('paplay', ['-d', 'al_cap', tone]);
    await sleep(500);
    listener.kill('SIGINT');
    await new Promise((resolve) => listener.once('exit', resolve));
    const { readWavS16 } = await import('../support/audio-files.js');
    const samples = readWavS16(output).samples;
    const peakOf = (from: number, to?: number) => samples.subarray((from - 44) / 2, to === undefined ? undefined : (to - 44) / 2).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const peakGap = peakOf(sizeWhileGone, sizeAfterGap);
    assert.ok(peakGap < 30, `nothing from the default source reached the listener while the device was gone (peak ${peakGap})`);
    const peak = peakOf(sizeBack);
    assert.ok(peak > 3000, `the tone played after the device came back reached the listener (peak ${peak})`);
    assert.equal(hostSaid().split('\n').filter((line) => /is gone/.test(line)).length, 1, 'said once, not at every retry');
  });
});
