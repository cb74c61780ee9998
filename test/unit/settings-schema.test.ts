import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, parseSettings, SETTINGS_VERSION, updateSettings, type SettingsMigration } from '../../src/core/settings-schema.js';

const full = {
  version: 1,
  captureDevice: 'alsa_output.pci.monitor',
  outputDevice: 'usb-headset',
  boost: 4,
  port: 50100,
  displayName: 'Living room',
  lastHost: { hostId: 'ABCDEF0123456789', displayName: 'Den', address: '192.168.1.20', port: 50007 },
  modeAtExit: 'listening',
  notifications: false,
  startAtLogin: true,
  accessCode: 'K7QX-M2PD',
};

describe('settings schema', () => {
  it('defaults: default port, boost 1, notifications on, idle, nothing chosen', () => {
    assert.deepEqual(DEFAULT_SETTINGS, {
      version: SETTINGS_VERSION,
      captureDevice: null,
      outputDevice: null,
      boost: 1,
      port: 50007,
      displayName: null,
      lastHost: null,
      modeAtExit: 'idle',
      notifications: true,
      startAtLogin: false,
      accessCode: null,
    });
  });

  it('keeps every valid value (host ids lower-cased)', () => {
    const { settings, problems, migratedFrom } = parseSettings(full);
    assert.deepEqual(problems, []);
    assert.equal(migratedFrom, undefined);
    assert.deepEqual(settings, { ...full, lastHost: { ...full.lastHost, hostId: 'abcdef0123456789' } });
  });

  it('replaces each bad value by its default alone, with one problem line each', () => {
    const { settings, problems } = parseSettings({ ...full, boost: 'loud', port: 70000, modeAtExit: 'dancing', notifications: 'yes', accessCode: 'ab' });
    assert.equal(settings.boost, 1);
    assert.equal(settings.accessCode, null, 'a code too short to be one: open, and said so');
    assert.equal(settings.port, 50007);
    assert.equal(settings.modeAtExit, 'idle');
    assert.equal(settings.notifications, true);
    assert.equal(settings.outputDevice, 'usb-headset', 'good values survive');
    assert.equal(problems.length, 5);
    assert.match(problems[0] as string, /boost "loud" is not valid; using 1/);
  });

  it('forgets a damaged last host', () => {
    const { settings, problems } = parseSettings({ ...full, lastHost: { hostId: 'zz', displayName: 'x', address: 'a b', port: 0 } });
    assert.equal(settings.lastHost, null);
    assert.match(problems[0] as string, /lastHost/);
  });

  it('cleans a display name and refuses control characters in device ids', () => {
    const { settings, problems } = parseSettings({ ...full, displayName: '  Den\u001b[31m  ', captureDevice: 'a\nb' });
    assert.equal(settings.displayName, 'Den[31m');
    assert.equal(settings.captureDevice, null);
    assert.equal(problems.length, 1);
  });

  it('not an object at all: defaults and one problem', () => {
    for (const raw of [null, 42, 'text', [1, 2]]) {
      const { settings, problems } = parseSettings(raw);
      assert.deepEqual(settings, DEFAULT_SETTINGS);
      assert.equal(problems.length, 1);
    }
  });

  it('drops unknown fields', () => {
    const { settings, problems } = parseSettings({ ...full, colour: 'blue' });
    assert.equal('colour' in settings, false);
    assert.deepEqual(problems, []);
  });

  it('migrates a file without a version (version 0)', () => {
    const { settings, problems, migratedFrom } = parseSettings({ boost: 2 });
    assert.equal(migratedFrom, 0);
    assert.deepEqual(problems, []);
    assert.equal(settings.version, SETTINGS_VERSION);
    assert.equal(settings.boost, 2);
  });

  it('runs migrations in order through the hook', () => {
    // The hook is called once per step from the file's version up to SETTINGS_VERSION.
    const calls: number[] = [];
    const migrations: Record<number, SettingsMigration> = {
      0: (raw) => (calls.push(0), { ...raw, version: 1 }),
    };
    parseSettings({}, migrations);
    assert.deepEqual(calls, [0]);
    const { problems } = parseSettings({ version: 0 }, {});
    assert.match(problems[0] as string, /no migration from settings version 0/);
  });

  it('reads what it knows from a newer version and says so', () => {
    const { settings, problems } = parseSettings({ ...full, version: 9 });
    assert.equal(settings.boost, 4);
    assert.equal(settings.version, SETTINGS_VERSION);
    assert.match(problems[0] as string, /newer AuraLync/);
  });

  it('updateSettings validates a change and throws on a bad one', () => {
    assert.equal(updateSettings(DEFAULT_SETTINGS, { boost: 8 }).boost, 8);
    assert.throws(() => updateSettings(DEFAULT_SETTINGS, { boost: 11 }), /invalid setting: boost 11/);
    assert.throws(() => updateSettings(DEFAULT_SETTINGS, { port: 0 }), RangeError);
  });
});
