/**
 * Faults on the network (issue 7): the link between host and listener cut inside test network namespaces
 * (created and deleted by the test). The cut listener must come back by itself — after 3 s usually on the
 * same connection (a new one where its 3 s silence timeout fired first), after 8 s on a new one (the host has
 * given it up by then) — and a listener that was not cut must not hear a gap. Needs root and iproute2; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
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

  /** Cuts the listener's link for `cutMs` once it plays; resolves when it plays again, with what it and the host printed. */
  async function cutAndReturn(cutMs: number, withIntact: boolean) {
    lab = new NetnsLab();
    const { a, b, addressA, deviceB } = lab.addPair('host', 'cut');
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

    lab.setLink(b, deviceB, false);
    await new Promise((resolve) => setTimeout(resolve, cutMs));
    const sizeAtReturn = fileSize(cutOut);
    lab.setLink(b, deviceB, true);
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
    const { intact, intactOut, original } = await cutAndReturn(3000, true);
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
});
