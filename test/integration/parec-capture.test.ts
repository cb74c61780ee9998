/**
 * ParecCaptureSource against stand-in parec programs (shell scripts): how it cuts a pipe's reads into blocks,
 * and what each way of failing says. The real parec on a real PipeWire is in pipewire-audio.test.ts.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParecCaptureSource } from '../../src/adapters/audio/parec-capture-source.js';
import { BLOCK_FRAMES, CHANNELS } from '../../src/core/audio-format.js';
import type { AudioBlock } from '../../src/core/audio-format.js';
import { AuraError } from '../../src/core/errors.js';
import { waitFor } from '../support/wait-for.js';

describe('capture through parec (stand-in programs)', function () {
  this.timeout(20_000);
  let dir: string;
  const script = (name: string, body: string): string => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-parec-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts reads that split frames into whole blocks, stamped in order; stop() ends the program', async () => {
    // 1 200 frames of float32 stereo (9 600 bytes) in reads of 1 001 and 8 599 bytes: a frame split across them.
    const command = script('parec-ok', 'head -c 1001 /dev/zero; sleep 0.2; head -c 8599 /dev/zero; exec sleep 30');
    const source = new ParecCaptureSource({ sourceName: 'al_src.monitor', description: 'Monitor of al_src', command });
    const blocks: AudioBlock[] = [];
    const errors: AuraError[] = [];
    await source.start({ onBlock: (b) => blocks.push(b), onError: (e) => errors.push(e), onEnd: () => {} });
    await waitFor(() => blocks.length === 5, 5000, 'five blocks');
    assert.ok(blocks.every((b) => b.samples.length === BLOCK_FRAMES * CHANNELS));
    assert.ok(blocks.every((b, i) => i === 0 || b.captureTimeMs > (blocks[i - 1] as AudioBlock).captureTimeMs));
    await source.stop();
    await source.stop();
    assert.deepEqual(errors, [], 'a stop is no failure');
  });

  it('a source the server refuses: ERR_DEVICE_UNAVAILABLE with parec\'s own reason', async () => {
    const command = script('parec-refused', 'echo "Stream error: No such entity" >&2; exit 1');
    const source = new ParecCaptureSource({ sourceName: 'gone.monitor', description: 'Monitor of gone', command });
    await assert.rejects(source.start({ onBlock: () => {}, onError: () => {}, onEnd: () => {} }), (err: unknown) => {
      assert.ok(err instanceof AuraError);
      assert.equal(err.code, 'ERR_DEVICE_UNAVAILABLE');
      assert.equal(err.message, "cannot capture from 'Monitor of gone': Stream error: No such entity");
      return true;
    });
  });

  it('no parec: ERR_AUDIO_BACKEND saying what to install', async () => {
    const source = new ParecCaptureSource({ sourceName: 'x.monitor', command: join(dir, 'no-such-parec') });
    await assert.rejects(source.start({ onBlock: () => {}, onError: () => {}, onEnd: () => {} }), (err: unknown) => {
      assert.ok(err instanceof AuraError);
      assert.equal(err.code, 'ERR_AUDIO_BACKEND');
      assert.match(err.message, /no-such-parec is not installed \(Debian: apt-get install pulseaudio-utils\)$/);
      return true;
    });
  });

  it('parec ending while capturing (the sound server gone): one ERR_DEVICE_UNAVAILABLE, and it has stopped', async () => {
    const command = script('parec-dies', 'head -c 3840 /dev/zero; sleep 0.2; echo "Connection failure: Connection terminated" >&2; exit 1');
    const source = new ParecCaptureSource({ sourceName: 'al_src.monitor', description: 'Monitor of al_src', command });
    const errors: AuraError[] = [];
    await source.start({ onBlock: () => {}, onError: (e) => errors.push(e), onEnd: () => {} });
    await waitFor(() => errors.length > 0, 5000, 'the failure');
    assert.deepEqual(errors.map((e) => [e.code, e.message]), [['ERR_DEVICE_UNAVAILABLE', "capture from 'Monitor of al_src' failed: Connection failure: Connection terminated"]]);
    await source.stop();
  });
});
