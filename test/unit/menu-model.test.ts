import assert from 'node:assert/strict';
import { buildMenu, MAX_LIST_ENTRIES, menuIds, type MenuModel } from '../../src/app/menu-model.js';
import type { TrayState } from '../../src/app/tray-state.js';
import type { HostRecord } from '../../src/core/host-record.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings-schema.js';
import type { TrayMenuItem } from '../../src/ports/desktop.js';

const idle: TrayState = {
  hosting: undefined,
  listening: undefined,
  hosts: [],
  discovery: 'on',
  devices: { status: 'ready', capture: [], output: [] },
  settings: DEFAULT_SETTINGS,
  autostart: { supported: true, enabled: false },
  trouble: undefined,
};

function host(name: string, id: string, listeners = 0): HostRecord {
  return { hostId: id, displayName: name, instanceName: `${name} (${id.slice(0, 4)})`, address: `192.168.1.${parseInt(id.slice(0, 2), 16)}`, addresses: [], port: 50007, codecs: ['opus'], protocolVersion: 2, listeners, codeRequired: false };
}

function find(menu: MenuModel, id: string): TrayMenuItem {
  const walk = (items: readonly TrayMenuItem[]): TrayMenuItem | undefined => {
    for (const item of items) {
      if (item.id === id) return item;
      const inner = walk(item.children ?? []);
      if (inner) return inner;
    }
    return undefined;
  };
  const item = walk(menu.view.items);
  assert.ok(item, `entry ${id}`);
  return item;
}

function visible(menu: MenuModel, parent: string): TrayMenuItem[] {
  return (find(menu, parent).children ?? []).filter((item) => item.visible);
}

const hosting: TrayState = {
  ...idle,
  hosting: {
    phase: 'running',
    displayName: 'Living room',
    port: 50007,
    listeners: [
      { name: 'Alice', latencyMs: 42.4, droppedFrames: 0 },
      { name: 'Bob', latencyMs: undefined, droppedFrames: 960 },
    ],
  },
};

const listening: TrayState = {
  ...idle,
  hosts: [host('Den', 'bb00000000000001', 1), host('Kitchen', 'cc00000000000002')],
  listening: { phase: 'playing', target: { hostId: 'cc00000000000002', displayName: 'Kitchen', address: '192.168.1.204', port: 50007 }, latencyMs: 85.2, why: undefined },
  devices: {
    status: 'ready',
    capture: [{ id: 'monitor-1', name: 'Monitor of Speakers', kind: 'capture', isDefault: true }],
    output: [
      { id: 'speakers', name: 'Speakers', kind: 'output', isDefault: true },
      { id: 'usb-headset', name: 'USB Headset', kind: 'output', isDefault: false },
    ],
  },
  settings: { ...DEFAULT_SETTINGS, outputDevice: 'usb-headset', boost: 3, notifications: false },
};

describe('tray menu model', () => {
  it('keeps the same ids in the same tree whatever the state (a tray cannot add entries)', () => {
    const many: TrayState = {
      ...hosting,
      hosting: { ...(hosting.hosting as NonNullable<TrayState['hosting']>), listeners: Array.from({ length: 40 }, (_, i) => ({ name: `L${i}`, latencyMs: i, droppedFrames: 0 })) },
      hosts: Array.from({ length: 30 }, (_, i) => host(`H${i}`, `${(i + 16).toString(16)}00000000000000`)),
      trouble: 'something broke',
    };
    const shapes = [idle, hosting, listening, many, { ...idle, discovery: 'off' as const, devices: { status: 'unavailable' as const, capture: [], output: [] } }].map((state) =>
      menuIds(buildMenu(state).view.items).join(','),
    );
    for (const shape of shapes) assert.equal(shape, shapes[0]);
    assert.equal(new Set(menuIds(buildMenu(idle).view.items)).size, menuIds(buildMenu(idle).view.items).length, 'ids are unique');
  });

  it('has the entries of issue 4 in order', () => {
    const top = buildMenu(idle).view.items.filter((item) => !item.separator).map((item) => item.id);
    assert.deepEqual(top, ['status', 'hosting', 'access-code', 'listeners', 'listen-to', 'stop-listening', 'output-device', 'capture-device', 'boost', 'notifications', 'autostart', 'quit']);
  });

  it('offers an access code, and once set shows it (checked) so the host can read it out', () => {
    const open = buildMenu(idle);
    assert.equal(open.view.items.find((i) => i.id === 'access-code')?.label, 'Require an access code');
    assert.deepEqual(open.commands.get('access-code'), { kind: 'access-code', enabled: true });
    const coded = buildMenu({ ...idle, settings: { ...idle.settings, accessCode: 'K7QX-M2PD' } });
    const entry = coded.view.items.find((i) => i.id === 'access-code');
    assert.deepEqual([entry?.label, entry?.checked], ['Access code: K7QX-M2PD', true]);
    assert.deepEqual(coded.commands.get('access-code'), { kind: 'access-code', enabled: false });
  });

  it('idle: Start hosting, nothing to stop, idle icon', () => {
    const menu = buildMenu(idle);
    assert.equal(menu.view.icon, 'idle');
    assert.match(find(menu, 'status').label, /^Idle/);
    assert.equal(find(menu, 'status').enabled, false);
    assert.equal(find(menu, 'hosting').label, 'Start hosting');
    assert.deepEqual(menu.commands.get('hosting'), { kind: 'start-hosting' });
    assert.equal(find(menu, 'stop-listening').enabled, false);
    assert.equal(menu.commands.has('stop-listening'), false);
    assert.equal(find(menu, 'listeners').enabled, false);
    assert.deepEqual(visible(menu, 'listen-to').map((i) => i.label), ['No hosts found on this network']);
  });

  it('hosting: Stop hosting and each listener with its latency and drops', () => {
    const menu = buildMenu(hosting);
    assert.equal(menu.view.icon, 'hosting');
    assert.equal(find(menu, 'status').label, "Hosting 'Living room' · 2 listeners · port 50007");
    assert.equal(find(menu, 'hosting').label, 'Stop hosting');
    assert.deepEqual(menu.commands.get('hosting'), { kind: 'stop-hosting' });
    assert.equal(find(menu, 'listeners').label, 'Listeners (2)');
    assert.deepEqual(visible(menu, 'listeners').map((i) => i.label), ['Alice: 42 ms, 0 drops', 'Bob: latency unknown, 960 drops']);
  });

  it('lists more listeners and hosts than fit as "…and N more"', () => {
    const many = { ...hosting, hosting: { ...(hosting.hosting as NonNullable<TrayState['hosting']>), listeners: Array.from({ length: 20 }, (_, i) => ({ name: `L${i}`, latencyMs: 10, droppedFrames: 0 })) } };
    const labels = visible(buildMenu(many), 'listeners').map((i) => i.label);
    assert.equal(labels.length, MAX_LIST_ENTRIES + 1);
    assert.equal(labels[labels.length - 1], '…and 4 more');
  });

  it('while a host is starting, its entry is disabled (no double start)', () => {
    const menu = buildMenu({ ...idle, hosting: { phase: 'starting', displayName: 'X', port: 50007, listeners: [] } });
    assert.equal(find(menu, 'hosting').enabled, false);
    assert.equal(menu.commands.has('hosting'), false);
  });

  it('listening: every discovered host, the current one checked, and Stop listening', () => {
    const menu = buildMenu(listening);
    assert.equal(menu.view.icon, 'listening');
    assert.equal(find(menu, 'status').label, "Listening to 'Kitchen' · 85 ms");
    const hosts = visible(menu, 'listen-to');
    assert.deepEqual(hosts.map((i) => [i.label, i.checked]), [['Den: 1 listener', false], ['Kitchen: 0 listeners', true]]);
    assert.deepEqual(menu.commands.get('listen-to.0'), { kind: 'listen', target: { hostId: 'bb00000000000001', displayName: 'Den', address: '192.168.1.187', port: 50007 } });
    assert.deepEqual(menu.commands.get('stop-listening'), { kind: 'stop-listening' });
  });

  it('keeps the host being played listed when discovery does not see it', () => {
    const state: TrayState = { ...listening, hosts: [], listening: { ...(listening.listening as NonNullable<TrayState['listening']>), target: { hostId: null, displayName: '10.0.0.9', address: '10.0.0.9', port: 50007 } } };
    const hosts = visible(buildMenu(state), 'listen-to');
    assert.deepEqual(hosts.map((i) => [i.label, i.checked]), [['10.0.0.9 (10.0.0.9:50007)', true]]);
  });

  it('tells two hosts with one name apart by their short id', () => {
    const state = { ...idle, hosts: [host('Den', 'aa00000000000001'), host('Den', 'ab00000000000002')] };
    assert.deepEqual(visible(buildMenu(state), 'listen-to').map((i) => i.label), ['Den (aa00): 0 listeners', 'Den (ab00): 0 listeners']);
  });

  it('reconnecting shows the trouble icon and why', () => {
    const state: TrayState = { ...listening, listening: { ...(listening.listening as NonNullable<TrayState['listening']>), phase: 'reconnecting', why: 'connection refused' } };
    const menu = buildMenu(state);
    assert.equal(menu.view.icon, 'trouble');
    assert.equal(find(menu, 'status').label, "Reconnecting to 'Kitchen'… (connection refused)");
  });

  it('trouble wins the icon and is shown in the status line and tooltip', () => {
    const menu = buildMenu({ ...idle, trouble: 'cannot host: port 50007 is in use' });
    assert.equal(menu.view.icon, 'trouble');
    assert.equal(find(menu, "status").label, "Cannot host: port 50007 is in use");
    assert.match(menu.view.tooltip, /^AuraLync: .*port 50007 is in use/);
  });

  it('cuts a long status line but keeps the whole text in the tooltip', () => {
    const menu = buildMenu({ ...hosting, trouble: 'x'.repeat(200) });
    assert.ok([...find(menu, 'status').label].length <= 48);
    assert.ok(find(menu, 'status').label.endsWith('…'));
    assert.ok(menu.view.tooltip.includes('x'.repeat(200)));
  });

  it('output and capture devices: system default plus each device, the chosen one checked', () => {
    const menu = buildMenu(listening);
    assert.deepEqual(visible(menu, 'output-device').map((i) => [i.label, i.checked]), [['System default', false], ['Speakers (default)', false], ['USB Headset', true]]);
    assert.deepEqual(menu.commands.get('output-device.1'), { kind: 'output-device', deviceId: 'usb-headset' });
    assert.deepEqual(menu.commands.get('output-device.default'), { kind: 'output-device', deviceId: null });
    assert.deepEqual(visible(menu, 'capture-device').map((i) => [i.label, i.checked]), [['System default (what the speakers play)', true], ['Monitor of Speakers (default)', false]]);
    assert.deepEqual(menu.commands.get('capture-device.0'), { kind: 'capture-device', deviceId: 'monitor-1' });
  });

  it('a chosen device that is unplugged stays chosen and says so', () => {
    const menu = buildMenu({ ...listening, settings: { ...listening.settings, outputDevice: 'bt-headphones' } });
    const entries = visible(menu, 'output-device');
    assert.deepEqual(entries.map((i) => [i.label, i.checked]), [['System default', false], ['bt-headphones (not connected)', true], ['Speakers (default)', false], ['USB Headset', false]]);
  });

  it('says when audio devices are unavailable', () => {
    const menu = buildMenu({ ...idle, devices: { status: 'unavailable', capture: [], output: [] } });
    assert.deepEqual(visible(menu, 'output-device').map((i) => i.label), ['System default', 'Audio devices unavailable']);
  });

  it('boost presets 1x…10x with the current one checked', () => {
    const menu = buildMenu(listening);
    const entries = find(menu, 'boost').children ?? [];
    assert.deepEqual(entries.map((i) => i.label), ['1x', '2x', '3x', '4x', '5x', '6x', '8x', '10x']);
    assert.deepEqual(entries.filter((i) => i.checked).map((i) => i.label), ['3x']);
    assert.equal(find(menu, 'boost').label, 'Boost (3x)');
    assert.deepEqual(menu.commands.get('boost.8'), { kind: 'boost', boost: 8 });
  });

  it('check items toggle: Notifications and Start at login', () => {
    const off = buildMenu(listening);
    assert.equal(find(off, 'notifications').checked, false);
    assert.deepEqual(off.commands.get('notifications'), { kind: 'notifications', enabled: true });
    const on = buildMenu({ ...idle, autostart: { supported: true, enabled: true } });
    assert.equal(find(on, 'notifications').checked, true);
    assert.deepEqual(on.commands.get('notifications'), { kind: 'notifications', enabled: false });
    assert.equal(find(on, 'autostart').checked, true);
    assert.deepEqual(on.commands.get('autostart'), { kind: 'autostart', enabled: false });
  });

  it('Start at login is disabled where unsupported', () => {
    const menu = buildMenu({ ...idle, autostart: { supported: false, enabled: false } });
    assert.equal(find(menu, 'autostart').enabled, false);
    assert.equal(menu.commands.has('autostart'), false);
  });

  it('hidden and disabled entries have no command; Quit always has one', () => {
    const menu = buildMenu(idle);
    assert.equal(menu.commands.has('listen-to.0'), false);
    assert.equal(menu.commands.has('status'), false);
    assert.deepEqual(menu.commands.get('quit'), { kind: 'quit' });
  });

  it('says when discovery is off or still looking', () => {
    assert.deepEqual(visible(buildMenu({ ...idle, discovery: 'off' }), 'listen-to').map((i) => i.label), ['Finding hosts is off (AURALYNC_DISCOVERY=off)']);
    assert.deepEqual(visible(buildMenu({ ...idle, discovery: 'looking' }), 'listen-to').map((i) => i.label), ['Looking for hosts…']);
  });
});
