/** Settings on disk (conf) in temporary directories: round trip, damaged files kept aside, migration. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfSettingsStore } from '../../src/adapters/storage/conf-settings-store.js';
import { isAuraError } from '../../src/core/errors.js';
import { DEFAULT_SETTINGS, SETTINGS_VERSION } from '../../src/core/settings-schema.js';

const NOW = new Date('2026-11-23T22:59:35.123Z');

describe('settings store (conf)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-settings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const store = () => new ConfSettingsStore({ dir, now: () => NOW });
  const file = () => join(dir, 'config.json');

  it('first start: defaults, nothing to report, nothing written', async () => {
    const loaded = await store().load();
    assert.deepEqual(loaded.settings, DEFAULT_SETTINGS);
    assert.equal(loaded.recovered, undefined);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('saves and reads back every setting', async () => {
    const settings = {
      ...DEFAULT_SETTINGS,
      boost: 6,
      outputDevice: 'usb-headset',
      captureDevice: 'monitor',
      port: 50123,
      displayName: 'Living room',
      lastHost: { hostId: '0123456789abcdef', displayName: 'Den', address: '192.168.1.9', port: 50007 },
      modeAtExit: 'listening' as const,
      notifications: false,
      startAtLogin: true,
    };
    await store().save(settings);
    const loaded = await store().load();
    assert.deepEqual(loaded.settings, settings);
    assert.equal(loaded.recovered, undefined);
    assert.equal(JSON.parse(readFileSync(file(), 'utf8')).version, SETTINGS_VERSION);
  });

  it('writes atomically: no temporary files are left beside it', async () => {
    const s = store();
    for (let boost = 1; boost <= 10; boost++) await s.save({ ...DEFAULT_SETTINGS, boost });
    assert.deepEqual(readdirSync(dir), ['config.json']);
    assert.equal((await store().load()).settings.boost, 10);
  });

  it('a corrupt file: defaults, the bad file kept as config.json.bad-<time>, and a reason to tell', async () => {
    writeFileSync(file(), '{"boost": 4, "port": 50');
    const loaded = await store().load();
    assert.deepEqual(loaded.settings, DEFAULT_SETTINGS);
    const backup = join(dir, 'config.json.bad-2026-11-23T22-59-35-123Z');
    assert.equal(loaded.recovered?.backupPath, backup);
    assert.match(loaded.recovered?.reason ?? '', /could not be read .*using the defaults/);
    assert.equal(readFileSync(backup, 'utf8'), '{"boost": 4, "port": 50', 'the original bytes are kept');
    assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), DEFAULT_SETTINGS, 'a good file replaces it');
    // Told once: the next start finds a good file.
    assert.equal((await store().load()).recovered, undefined);
  });

  it('an empty file counts as corrupt too', async () => {
    writeFileSync(file(), '');
    const loaded = await store().load();
    assert.ok(loaded.recovered?.backupPath);
  });

  it('a second corrupt file the same second gets its own backup name', async () => {
    writeFileSync(file(), 'garbage 1');
    await store().load();
    writeFileSync(file(), 'garbage 2');
    const second = await store().load();
    assert.match(second.recovered?.backupPath ?? '', /bad-2026-11-23T22-59-35-123Z-2$/);
    assert.equal(readdirSync(dir).filter((name) => name.includes('.bad-')).length, 2);
  });

  it('invalid values: only those reset, the original kept, the file repaired', async () => {
    const original = JSON.stringify({ version: 1, boost: 'loud', port: 50200, notifications: false });
    writeFileSync(file(), original);
    const loaded = await store().load();
    assert.equal(loaded.settings.boost, 1);
    assert.equal(loaded.settings.port, 50200);
    assert.equal(loaded.settings.notifications, false);
    assert.match(loaded.recovered?.reason ?? '', /boost "loud" is not valid/);
    assert.equal(readFileSync(loaded.recovered?.backupPath as string, 'utf8'), original);
    assert.equal(JSON.parse(readFileSync(file(), 'utf8')).boost, 1);
  });

  it('migrates an unversioned file and writes the new version', async () => {
    writeFileSync(file(), JSON.stringify({ boost: 3 }));
    const loaded = await store().load();
    assert.equal(loaded.migratedFrom, 0);
    assert.equal(loaded.recovered, undefined);
    assert.equal(loaded.settings.boost, 3);
    assert.equal(JSON.parse(readFileSync(file(), 'utf8')).version, SETTINGS_VERSION);
  });

  it('a folder it cannot create: the defaults, in memory, and one line saying why', async function () {
    let target = join(dir, 'sub', 'auralync');
    if (process.platform === 'win32' || process.getuid?.() === 0) {
      // root ignores directory permissions; use a path under a regular file instead.
      writeFileSync(join(dir, 'not-a-dir'), '');
      target = join(dir, 'not-a-dir', 'sub');
    } else {
      chmodSync(dir, 0o500);
    }
    try {
      const loaded = await new ConfSettingsStore({ dir: target }).load();
      assert.deepEqual(loaded.settings, DEFAULT_SETTINGS);
      assert.match(loaded.notSaved ?? '', /^cannot create the settings folder .*not-a-dir|^cannot create the settings folder/);
      assert.ok(!(loaded.notSaved ?? '').includes('\n'));
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  describe('on a read-only or full disk (real tmpfs mounts; root only)', () => {
    let mountPoint: string;
    before(function () {
      if (process.platform !== 'linux' || process.getuid?.() !== 0) {
        console.log('      (skipped: mounting a tmpfs needs root on Linux)');
        this.skip();
      }
    });
    beforeEach(function () {
      mountPoint = mkdtempSync(join(tmpdir(), 'auralync-settings-mnt-'));
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { encoding: 'utf8' });
      if (mounted.status !== 0) {
        rmSync(mountPoint, { recursive: true, force: true });
        console.log(`      (skipped: cannot mount a tmpfs here: ${mounted.stderr.trim()})`);
        this.skip();
      }
    });
    afterEach(() => {
      spawnSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });

    const saved = { ...DEFAULT_SETTINGS, boost: 4, displayName: 'Den' };

    it('full: saving fails with one ERR_FILE line and the file on disk keeps the last good settings', async () => {
      const settingsDir = join(mountPoint, 'auralync');
      await new ConfSettingsStore({ dir: settingsDir }).load();
      await new ConfSettingsStore({ dir: settingsDir }).save(saved);
      const before = readFileSync(join(settingsDir, 'config.json'), 'utf8');
      // Fill the disk.
      spawnSync('dd', ['if=/dev/zero', `of=${join(mountPoint, 'filler')}`, 'bs=1k', 'count=128'], { stdio: 'ignore' });
      const store = new ConfSettingsStore({ dir: settingsDir });
      const loaded = await store.load();
      assert.deepEqual(loaded.settings, saved, 'still readable');
      const bigName = 'x'.repeat(60);
      await assert.rejects(store.save({ ...saved, displayName: bigName }), (err: Error) => isAuraError(err, 'ERR_FILE') && /ENOSPC|no space/i.test(err.message) && !err.message.includes('\n'));
      assert.equal(readFileSync(join(settingsDir, 'config.json'), 'utf8'), before, 'the old file is intact (atomic write)');
    });

    it('read-only: reads what is there; a repair it cannot write is reported as notSaved, not thrown', async () => {
      const settingsDir = join(mountPoint, 'auralync');
      await new ConfSettingsStore({ dir: settingsDir }).load();
      await new ConfSettingsStore({ dir: settingsDir }).save(saved);
      // An older, unversioned file (to be migrated) and then the disk goes read-only.
      writeFileSync(join(settingsDir, 'config.json'), JSON.stringify({ boost: 3 }));
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mountPoint]).status, 0);
      const store = new ConfSettingsStore({ dir: settingsDir });
      const loaded = await store.load();
      assert.equal(loaded.settings.boost, 3, 'the settings are read');
      assert.match(loaded.notSaved ?? '', /read-only|EROFS/i);
      await assert.rejects(store.save(saved), (err: Error) => isAuraError(err, 'ERR_FILE') && /read-only|EROFS/i.test(err.message));
      assert.deepEqual(JSON.parse(readFileSync(join(settingsDir, 'config.json'), 'utf8')), { boost: 3 }, 'nothing lost');
    });
  });
});
