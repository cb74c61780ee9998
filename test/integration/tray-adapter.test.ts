/** The systray2 adapter against a stand-in helper speaking systray2's JSON-lines protocol (no X needed). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helperBinaryName, NO_TRAY_MESSAGE, Systray2Tray, systray2Package } from '../../src/adapters/desktop/systray2-tray.js';
import { isAuraError } from '../../src/core/errors.js';
import type { TrayHandlers, TrayMenuItem, TrayView } from '../../src/ports/desktop.js';
import { readStandinLog, writeStandinHelper, type StandinConfig } from '../support/standin-tray-helper.js';
import { waitFor } from '../support/wait-for.js';

const ICON_DIR = fileURLToPath(new URL('../../../assets/icons/', import.meta.url));

const leaf = (id: string, label: string, extra: Partial<TrayMenuItem> = {}): TrayMenuItem => ({ id, label, enabled: true, visible: true, ...extra });

function view(options: { hostingLabel?: string; boost?: number; icon?: TrayView['icon']; showMore?: boolean } = {}): TrayView {
  const boost = options.boost ?? 1;
  return {
    icon: options.icon ?? 'idle',
    tooltip: 'AuraLync: idle',
    items: [
      leaf('status', 'Idle', { enabled: false }),
      { id: 'sep', label: '', enabled: true, visible: true, separator: true },
      leaf('hosting', options.hostingLabel ?? 'Start hosting'),
      leaf('boost', 'Boost', {
        children: [leaf('boost.1', '1x', { checked: boost === 1 }), leaf('boost.2', '2x', { checked: boost === 2 }), leaf('boost.more', 'more', { visible: options.showMore ?? false })],
      }),
      leaf('quit', 'Quit'),
    ],
  };
}

describe('tray adapter (systray2) with a stand-in helper', function () {
  this.timeout(20_000);
  let dir: string;
  let tray: Systray2Tray | undefined;
  const binName = helperBinaryName(process.platform);

  before(function () {
    if (process.platform === 'win32' || binName === undefined) this.skip(); // the stand-in is a shebang script
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-tray-'));
  });

  afterEach(async () => {
    await tray?.stop();
    tray = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function makeTray(config: Omit<StandinConfig, 'log'>, options: { readyTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
    const log = join(dir, 'helper.log');
    const source = join(dir, 'standin-helper');
    writeStandinHelper(source, { ...config, log });
    const logs: string[] = [];
    tray = new Systray2Tray({
      iconDir: ICON_DIR,
      copyDir: join(dir, 'copy'),
      helperSource: source,
      readyTimeoutMs: options.readyTimeoutMs,
      env: options.env ?? { DISPLAY: ':0' },
      log: (line) => logs.push(line),
    });
    const clicks: string[] = [];
    const opens: string[] = [];
    const exits: string[] = [];
    const handlers: TrayHandlers = { onClick: (id) => clicks.push(id), onOpen: (id) => opens.push(id), onExit: (why) => exits.push(why) };
    const received = () => readStandinLog(log).filter((entry) => 'received' in entry).map((entry) => entry.received as Record<string, unknown>);
    return { tray, handlers, clicks, opens, exits, received, logPath: log, logs };
  }

  it('places the helper where systray2 runs it, executable (0755), and sends the menu with internal ids', async () => {
    const t = makeTray({ mode: 'normal' });
    await t.tray.start(view(), t.handlers);
    const placed = join(dir, 'copy', systray2Package().version, binName as string);
    assert.equal(statSync(placed).mode & 0o777, 0o755);
    await waitFor(() => t.received().length >= 1, 5000, 'the menu');
    const menu = t.received()[0] as { icon: string; tooltip: string; items: Record<string, unknown>[] };
    assert.equal(menu.icon, readFileSync(join(ICON_DIR, 'idle.png')).toString('base64'));
    assert.equal(menu.tooltip, 'AuraLync: idle');
    const flat = (items: Record<string, unknown>[]): [unknown, unknown, unknown, unknown][] =>
      items.flatMap((item) => [[item.__id, item.title, item.enabled, item.hidden ?? false] as [unknown, unknown, unknown, unknown], ...flat((item.items as Record<string, unknown>[]) ?? [])]);
    const checkMark = process.platform === 'linux' ? ' (\u221a)' : '';
    assert.deepEqual(flat(menu.items), [
      [1, 'Idle', false, false],
      [2, '<SEPARATOR>', true, false],
      [3, 'Start hosting', true, false],
      [4, 'Boost', true, false],
      [5, `1x${checkMark}`, true, false],
      [6, '2x', true, false],
      [7, 'more', true, true],
      [8, 'Quit', true, false],
    ]);
  });

  it('reports clicks by stable id, and a submenu opening as onOpen, never as a command', async () => {
    const t = makeTray({ mode: 'normal', clicks: ['Start hosting', 'Boost', '2x'] });
    await t.tray.start(view(), t.handlers);
    await waitFor(() => t.clicks.length >= 2, 5000, 'two clicks');
    assert.deepEqual(t.clicks, ['hosting', 'boost.2']);
    assert.deepEqual(t.opens, ['boost']);
  });

  it('sends only what changed, as fresh items with base titles (unchecking removes the mark)', async () => {
    const t = makeTray({ mode: 'normal' });
    await t.tray.start(view(), t.handlers);
    t.tray.update(view({ boost: 2, hostingLabel: 'Stop hosting' }));
    t.tray.update(view({ boost: 2, hostingLabel: 'Stop hosting' })); // nothing new: nothing sent
    t.tray.update(view({ boost: 1, hostingLabel: 'Stop hosting', icon: 'hosting', showMore: true }));
    await waitFor(() => t.received().length >= 7, 5000, 'updates');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const updates = t.received().slice(1);
    const mark = process.platform === 'linux' ? ' (\u221a)' : '';
    const summary = updates.map((u) => (u.type === 'update-item' ? `${(u.item as { __id: number }).__id}:${(u.item as { title: string }).title}:${(u.item as { checked: boolean }).checked}:${(u.item as { hidden?: boolean }).hidden ?? false}` : `${u.type}`));
    assert.deepEqual(summary, [
      `3:Stop hosting:false:false`,
      `5:1x:false:false`,
      `6:2x${mark}:true:false`,
      `5:1x${mark}:true:false`,
      `6:2x:false:false`,
      `7:more:false:false`,
      'update-menu',
    ]);
    const menuUpdate = updates[6] as { menu: { icon: string } };
    assert.equal(menuUpdate.menu.icon, readFileSync(join(ICON_DIR, 'hosting.png')).toString('base64'));
    for (const u of updates) if (u.type === 'update-item') assert.equal((u as { seq_id: number }).seq_id, -1, 'addressed by internal id');
  });

  it('refuses a menu of another shape (the helper cannot add entries)', async () => {
    const t = makeTray({ mode: 'normal' });
    await t.tray.start(view(), t.handlers);
    const other = view();
    assert.throws(() => t.tray.update({ ...other, items: other.items.slice(1) }), /shape changed/);
  });

  it('no display: one ERR_NO_TRAY line at once, no helper started', async () => {
    const t = makeTray({ mode: 'normal' }, { env: {} });
    await assert.rejects(t.tray.start(view(), t.handlers), (err) => isAuraError(err, 'ERR_NO_TRAY') && err.message.startsWith(NO_TRAY_MESSAGE) && !err.message.includes('\n'));
    assert.deepEqual(readStandinLog(t.logPath), []);
  });

  it('a helper that exits at once (cannot open display): ERR_NO_TRAY with its reason', async () => {
    const t = makeTray({ mode: 'exit-early', stderr: '(tray_linux_release:42): Gtk-WARNING **: 23:20:27.387: cannot open display: :99\n' });
    await assert.rejects(t.tray.start(view(), t.handlers), (err) => {
      assert.ok(isAuraError(err, 'ERR_NO_TRAY'));
      assert.equal(err.message, `${NO_TRAY_MESSAGE} (helper exited with code 1: cannot open display: :99)`);
      return true;
    });
  });

  it('a helper that never says ready: ERR_NO_TRAY after the timeout, and the helper is killed', async () => {
    const t = makeTray({ mode: 'never-ready' }, { readyTimeoutMs: 600 });
    const started = Date.now();
    await assert.rejects(t.tray.start(view(), t.handlers), /not ready within 0.6 s/);
    assert.ok(Date.now() - started < 3000);
  });

  it('the helper going away later is reported once; updates after it are harmless', async () => {
    const t = makeTray({ mode: 'exit-after-ready' });
    await t.tray.start(view(), t.handlers);
    await waitFor(() => t.exits.length > 0, 5000, 'onExit');
    assert.match(t.exits[0] as string, /helper exited with code 3/);
    t.tray.update(view({ boost: 2 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(t.exits.length, 1);
  });

  it('stop() asks the helper to exit; twice is safe', async () => {
    const t = makeTray({ mode: 'normal' });
    await t.tray.start(view(), t.handlers);
    await t.tray.stop();
    await t.tray.stop();
    assert.ok(t.received().some((m) => m.type === 'exit'));
    assert.deepEqual(t.exits, [], 'a requested exit is not "went away"');
  });
});
