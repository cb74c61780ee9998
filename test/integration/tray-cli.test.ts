/** `auralync` with no arguments where no tray can be shown: one clear line and a non-zero exit, never silence. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

const LINE = /^auralync: cannot show the tray icon \(no display\/tray\); use the command line: auralync host \| listen HOST \(.+\)$/;

describe('auralync with no arguments, without a tray', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-notray-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ AURALYNC_CONFIG_DIR: join(dir, 'config'), AURALYNC_CACHE_DIR: join(dir, 'cache'), AURALYNC_DISCOVERY: 'off', XDG_CONFIG_HOME: join(dir, 'xdg'), DISPLAY: '', WAYLAND_DISPLAY: '' });

  for (const args of [[], ['--hidden']]) {
    it(`auralync${args.map((a) => ` ${a}`).join('')} with no display: one line, exit 1`, async function () {
      if (process.platform === 'win32' || process.platform === 'darwin') this.skip();
      const result = await runCli(args, 20_000, env());
      assert.equal(result.code, 1);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] as string, LINE);
      assert.match(lines[0] as string, /no DISPLAY or WAYLAND_DISPLAY/);
    });
  }

  it('a display that is not there: the helper fails, one line, exit 1', async function () {
    if (process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    const result = await runCli([], 20_000, { ...env(), DISPLAY: ':4242' });
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] as string, LINE);
  });
});
