/** The host's stable id on disk: created once, kept across restarts, repaired when damaged. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileHostIdStore, userConfigDir } from '../../src/adapters/discovery/file-host-id-store.js';
import { isAuraError } from '../../src/core/errors.js';

describe('host id store (config dir file)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-hostid-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a random id once and returns the same one afterwards', async () => {
    const first = await new FileHostIdStore(dir).load();
    assert.match(first, /^[0-9a-f]{16}$/);
    assert.equal(readFileSync(join(dir, 'auralync', 'host-id'), 'utf8').trim(), first);
    assert.equal(await new FileHostIdStore(dir).load(), first, 'stable across restarts');
    const other = await new FileHostIdStore(mkdtempSync(join(dir, 'other-'))).load();
    assert.notEqual(other, first, 'random per machine');
  });

  it('replaces a damaged id file with a fresh id', async () => {
    mkdirSync(join(dir, 'auralync'), { recursive: true });
    writeFileSync(join(dir, 'auralync', 'host-id'), 'garbage\u0000');
    const id = await new FileHostIdStore(dir).load();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(readFileSync(join(dir, 'auralync', 'host-id'), 'utf8').trim(), id);
  });

  it('fails with ERR_FILE and one line when the id cannot be saved', async () => {
    // A config "dir" that is a file: not writable even for root.
    writeFileSync(join(dir, 'not-a-dir'), '');
    await assert.rejects(
      new FileHostIdStore(join(dir, 'not-a-dir')).load(),
      (err) => isAuraError(err, 'ERR_FILE') && /cannot (read|save) .*host-id/.test(err.message) && !err.message.includes('\n'),
    );
  });

  it('finds the config dir the way each platform expects', () => {
    assert.equal(userConfigDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/ann'), '/x/cfg');
    assert.equal(userConfigDir({}, 'linux', '/home/ann'), '/home/ann/.config');
    assert.equal(userConfigDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/ann'), '/home/ann/.config', 'XDG paths must be absolute');
    assert.equal(userConfigDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann'), 'C:\\Users\\ann\\AppData\\Roaming');
    assert.equal(userConfigDir({}, 'darwin', '/Users/ann'), '/Users/ann/Library/Preferences');
  });
});
