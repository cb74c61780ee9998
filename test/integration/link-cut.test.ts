/**
 * Faults on the network (issue 7): the link between host and listener cut inside test network namespaces
 * (created and deleted by the test). The cut listener must come back by itself — after 3 s with its device
 * down, after 8 s (the host has given it up by then), after 2 s of a link that loses everything while both
 * ends stay up (the old connection's resends back off; the listener gives a host silent for 1.5 s up and
 * connects anew) — and a listener that was not cut must not hear a gap. Needs root and iproute2 (the black
 * hole also /dev/net/tun); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOffset, readWavS16, writeTestWav } from '../support/audio-files.js';
import { netnsUnavailableReason, NetnsLab, OutputLog } from '../support/netns.js';
import { waitFor } from '../support/wait-for.js';

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

describe('link cut between host and listener (network namespaces)', function () {
  this.timeout(90_000);
  let lab: NetnsLab;
  let dir: string;

  before(function () {
    const reason = netnsUnavailableReason();
    if (reason !== undefined) {
      console.log(`    (skipped: ${reason})`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'auralync-link-cut-'));
  });

  afterEach(async () => {
    await lab?.cleanup();
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Cuts the listener's link for `cutMs` once it plays — its device down, or (`blackHole`) every packet lost
   * with both ends up — and resolves when it plays again, with what it and the host printed.
   */
  async function cutAndReturn(cutMs: number, withIntact: boolean, blackHole = false) {
    lab = new NetnsLab();
    const lossy = blackHole ? await lab.addLossyPair('host', 'cut', { delayMs: 0, jitterMs: 0, lossPercent: 0, seed: 1 }) : undefined;
    const { a, b, addressA, deviceB } = lossy ?? lab.addPair('host', 'cut');
    const cutLink = (cut: boolean) => (lossy ? lossy.blackHole(cut) : lab.setLink(b, deviceB, !cut));
    const input = join(dir, 'in.wav');
    const original = writeTestWav(input, { seconds: 30, kind: 'noise' });
    const env = { AURALYNC_DISCOVERY: 'off' };
    const host = lab.spawnCli(a, ['host', '--input', input, '--codec', 'pcm', '--name', 'Host'], env);
    const hostLog = new OutputLog(host);
    await hostLog.waitFor(/hosting 'Host'/, 10_000);
    // One listener beside the host (its loopback is never cut), one across the veth.
    const intactOut = join(dir, 'intact.wav');
    const intact = withIntact ? lab.spawnCli(a, ['listen', '127.0.0.1:50007', '--output', intactOut, '--name', 'Intact'], env) : undefined;
    const cutOut = join(dir, 'cut.wav');
    const cut = lab.spawnCli(b, ['listen', `${addressA}:50007`, '--output', cutOut, '--name', 'Cut'], env);
    const cutLog = new OutputLog(cut);
    if (intact) await hostLog.waitFor(/\+ Intact joined/, 10_000);
    await hostLog.waitFor(/\+ Cut joined/, 10_000);
    await waitFor(() => fileSize(cutOut) > 48_000 * 4, 10_000, 'a second of audio across the veth');

    cutLink(true);
    await new Promise((resolve) => setTimeout(resolve, cutMs));
    const sizeAtReturn = fileSize(cutOut);
    cutLink(false);
    const returnedAt = Date.now();
    // 100 ms of new audio means it plays again (the figure itself is bench/outage-recovery's).
    await waitFor(() => fileSize(cutOut) > sizeAtReturn + 48_000 * 4 * 0.1, 10_000, 'the cut listener to play again');
    const backAfterMs = Date.now() - returnedAt;
    console.log(`      playing again ${backAfterMs} ms after the link returned`);
    assert.ok(backAfterMs < 5000, `back after ${backAfterMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(cut.exitCode, null, 'the cut listener is still running');
    assert.doesNotMatch(cutLog.text(), /\s+at .+:\d+:\d+/, 'no stack trace');
    return { hostLog, cutLog, intact, intactOut, original };
  }

  it('a listener whose link is down for 3 s plays again soon after it returns; one on an intact link misses nothing', async () => {
    const { intact, intactOut, original, hostLog } = await cutAndReturn(3000, true);
    // Whichever reaches the host first, the old connection's reset or the new one, it is the same listener.
    assert.match(hostLog.text(), /~ Cut rejoined/, `the host saw it come back on a new connection:\n${hostLog.text()}`);
    assert.doesNotMatch(hostLog.text(), /- Cut left/, `and never as a listener leaving:\n${hostLog.text()}`);
    assert.ok(intact);
    intact.kill('SIGINT');
    await new Promise((resolve) => intact.once('exit', resolve));
    const out = readWavS16(intactOut);
    const offset = findOffset(original, out.samples);
    assert.ok(offset >= 0 && out.samples.length > 48_000 * 2 * 5, 'the intact listener recorded the stream');
    assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length), 'bit-exact: no gap while the other link was down');
  });

  it('a listener whose link is down for 8 s, long enough for the host to give it up, joins again by itself', async () => {
    const { hostLog, cutLog } = await cutAndReturn(8000, false);
    assert.equal(hostLog.text().match(/\+ Cut joined/g)?.length, 2, `the host saw it leave and join again:\n${hostLog.text()}`);
    assert.match(cutLog.text(), /stream lost: .*\n(.*\n)*.*retrying/, `the listener says it lost the stream and tries again:\n${cutLog.text()}`);
  });

  it('a listener whose link loses every packet for 2 s, both ends staying up, gives the stalled connection up and plays again on a new one', async function () {
    if (!existsSync('/dev/net/tun')) {
      console.log('      (skipped: no /dev/net/tun for the link emulator)');
      this.skip();
    }
    const { hostLog, cutLog } = await cutAndReturn(2000, false, true);
    assert.match(cutLog.text(), /stream lost: no data from the host for 1\.5 s/, `the listener gave the silent connection up:\n${cutLog.text()}`);
    // The host still held the old connection (its own silence rule is 4.5 s): the new one replaces it.
    assert.match(hostLog.text(), /~ Cut rejoined/, `the host saw it come back on a new connection:\n${hostLog.text()}`);
    assert.doesNotMatch(hostLog.text(), /- Cut left/, `and never as a listener leaving:\n${hostLog.text()}`);
    assert.equal(hostLog.text().match(/\+ Cut joined/g)?.length, 1, `one join:\n${hostLog.text()}`);
  });
});
