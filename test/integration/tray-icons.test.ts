/** The committed tray icons: valid PNG and ICO, and exactly what build/make-icons.mjs draws. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STATES = ['idle', 'hosting', 'listening', 'trouble'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(bytes: Buffer): { width: number; height: number; colourType: number } {
  assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  assert.equal(bytes.toString('ascii', 12, 16), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colourType: bytes[25] as number };
}

describe('tray icons', () => {
  it('has a 32x32 RGBA PNG per state', () => {
    for (const state of STATES) {
      const size = pngSize(readFileSync(join(ROOT, 'assets', 'icons', `${state}.png`)));
      assert.deepEqual(size, { width: 32, height: 32, colourType: 6 }, state);
    }
  });

  it('has an ICO per state holding 16, 24, 32 and 48 px PNG images', () => {
    for (const state of STATES) {
      const ico = readFileSync(join(ROOT, 'assets', 'icons', `${state}.ico`));
      assert.equal(ico.readUInt16LE(0), 0);
      assert.equal(ico.readUInt16LE(2), 1, 'type icon');
      const count = ico.readUInt16LE(4);
      const sizes: number[] = [];
      for (let i = 0; i < count; i++) {
        const entry = 6 + 16 * i;
        const length = ico.readUInt32LE(entry + 8);
        const offset = ico.readUInt32LE(entry + 12);
        const image = ico.subarray(offset, offset + length);
        const { width } = pngSize(image);
        assert.equal(ico[entry], width, 'directory entry matches the image');
        sizes.push(width);
      }
      assert.deepEqual(sizes, [16, 24, 32, 48], state);
    }
  });

  it('are what build/make-icons.mjs generates (re-run it after changing a shape)', () => {
    const out = mkdtempSync(join(tmpdir(), 'auralync-icons-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'build', 'make-icons.mjs'), out], { stdio: 'ignore' });
      for (const state of STATES) {
        for (const ext of ['png', 'ico']) {
          assert.ok(readFileSync(join(out, `${state}.${ext}`)).equals(readFileSync(join(ROOT, 'assets', 'icons', `${state}.${ext}`))), `${state}.${ext}`);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
