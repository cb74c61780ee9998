/** PulseDeviceWatch against a stand-in `pactl subscribe` (a shell script printing events on a schedule). */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PulseDeviceWatch, type PulseDevices } from '../../src/adapters/audio/pulse-device-watch.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PulseDeviceWatch (stand-in pactl subscribe)', function () {
  this.timeout(10_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-watch-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists once while the server reports nothing that matters, again after a sink or source comes or goes, and every time once the subscription ends', async () => {
    const pactl = join(dir, 'pactl');
    writeFileSync(
      pactl,
      [
        '#!/bin/sh',
        '[ "$1" = subscribe ] || exit 2',
        'sleep 0.4; echo "Event \'change\' on sink #5"; echo "Event \'new\' on client #9"',
        'sleep 0.4; echo "Event \'remove\' on source #7"',
        'sleep 0.4; exit 0',
      ].join('\n'),
    );
    chmodSync(pactl, 0o755);
    let listed = 0;
    const list = (): Promise<PulseDevices> => {
      listed++;
      return Promise.resolve({ monitors: [], sinks: [], defaultSink: `sink-${listed}` });
    };
    const watch = new PulseDeviceWatch(list, pactl);
    try {
      assert.equal((await watch.devices())?.defaultSink, 'sink-1');
      await watch.devices();
      const first = watch.changes();
      assert.equal(typeof first, 'number');
      await sleep(600); // the volume change and the new client have been reported: no new listing
      assert.equal((await watch.devices())?.defaultSink, 'sink-1');
      assert.equal(listed, 1);
      assert.equal(watch.changes(), first, 'nothing that matters changed');
      await sleep(400); // a source has gone
      assert.equal((await watch.devices())?.defaultSink, 'sink-2');
      await watch.devices();
      assert.equal(listed, 2);
      assert.notEqual(watch.changes(), first);
      await sleep(600); // the subscription has ended: it cannot say, so every call lists
      await watch.devices();
      await watch.devices();
      assert.equal(listed, 4);
      assert.equal(watch.changes(), undefined);
    } finally {
      watch.close();
    }
  });

  it('keeps no failed listing: the next call lists again', async () => {
    const pactl = join(dir, 'pactl-quiet');
    writeFileSync(pactl, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(pactl, 0o755);
    let listed = 0;
    const watch = new PulseDeviceWatch(() => {
      listed++;
      return Promise.resolve(listed === 1 ? undefined : { monitors: [], sinks: [], defaultSink: 'al_src' });
    }, pactl);
    try {
      assert.equal(await watch.devices(), undefined);
      await sleep(10);
      assert.equal((await watch.devices())?.defaultSink, 'al_src');
      await watch.devices();
      assert.equal(listed, 2, 'the good listing is kept');
    } finally {
      watch.close();
    }
  });
});
