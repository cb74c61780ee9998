/**
 * The tray menu as a pure function of TrayState: the view the tray draws, and what each entry does.
 *
 * Every view has the same ids in the same tree: a tray helper creates its entries once and can only
 * change, hide or show them afterwards (systray2's helper has no "add item"), so lists (listeners,
 * hosts, devices) get MAX_LIST_ENTRIES fixed slots, hidden while unused, plus a "…and N more" entry.
 * A slot's id is positional ('listen-to.3'); what clicking it does is in `commands`, built from the
 * same state as the labels, so a click always means what the user saw.
 */
import { shortHostId, type HostRecord } from '../core/host-record.js';
import { BOOST_PRESETS } from '../core/settings-schema.js';
import type { AudioDevice } from '../ports/device-catalog.js';
import { describeListenerHealth } from './listener-health-line.js';
import type { TrayIconName, TrayMenuItem, TrayView } from '../ports/desktop.js';
import type { ListenTarget, TrayState } from './tray-state.js';

/** Entries per list submenu (listeners, hosts, devices). */
export const MAX_LIST_ENTRIES = 16;

/** Longest status line in the menu [characters]; the tooltip carries the whole text. */
export const MAX_STATUS_CHARS = 48;

/** What clicking an entry asks the app to do. */
export type MenuCommand =
  | { readonly kind: 'start-hosting' }
  | { readonly kind: 'stop-hosting' }
  | { readonly kind: 'listen'; readonly target: ListenTarget }
  | { readonly kind: 'stop-listening' }
  | { readonly kind: 'output-device'; readonly deviceId: string | null }
  | { readonly kind: 'capture-device'; readonly deviceId: string | null }
  | { readonly kind: 'boost'; readonly boost: number }
  | { readonly kind: 'notifications'; readonly enabled: boolean }
  | { readonly kind: 'autostart'; readonly enabled: boolean }
  /** Turn the host's access code on (a new one is made up) or off. */
  | { readonly kind: 'access-code'; readonly enabled: boolean }
  | { readonly kind: 'quit' };

/** The menu for one state. */
export interface MenuModel {
  readonly view: TrayView;
  /** Entry id → what a click does; entries without one (status, info lines, submenu parents) do nothing. */
  readonly commands: ReadonlyMap<string, MenuCommand>;
}

/** Builds the menu of `state`. */
export function buildMenu(state: TrayState): MenuModel {
  const commands = new Map<string, MenuCommand>();
  const item = (id: string, label: string, extra: Partial<Omit<TrayMenuItem, 'id' | 'label'>> = {}, command?: MenuCommand): TrayMenuItem => {
    if (command !== undefined && extra.enabled !== false && extra.visible !== false) commands.set(id, command);
    return { id, label, enabled: true, visible: true, ...extra };
  };
  const separator = (id: string): TrayMenuItem => ({ id, label: '', enabled: true, visible: true, separator: true });
  const status = statusLine(state);
  const hosting = state.hosting;
  const listening = state.listening;

  const hostingItem =
    hosting === undefined
      ? item('hosting', 'Start hosting', {}, { kind: 'start-hosting' })
      : item('hosting', hosting.phase === 'starting' ? 'Starting to host…' : 'Stop hosting', { enabled: hosting.phase === 'running' }, { kind: 'stop-hosting' });

  const items: TrayMenuItem[] = [
    item('status', cut(status, MAX_STATUS_CHARS), { enabled: false }),
    separator('sep.session'),
    hostingItem,
    accessCodeItem(state, item),
    listenersMenu(state, item),
    listenToMenu(state, item),
    item('stop-listening', 'Stop listening', { enabled: listening !== undefined && listening.phase !== 'stopping' }, { kind: 'stop-listening' }),
    separator('sep.devices'),
    deviceMenu('output-device', 'Output device', 'System default', 'output', state, item),
    deviceMenu('capture-device', 'Capture device', 'System default (what the speakers play)', 'capture', state, item),
    boostMenu(state, item),
    separator('sep.options'),
    item('notifications', 'Notifications', { checked: state.settings.notifications }, { kind: 'notifications', enabled: !state.settings.notifications }),
    item(
      'autostart',
      state.autostart.supported ? 'Start at login' : 'Start at login (not supported here)',
      { checked: state.autostart.enabled, enabled: state.autostart.supported },
      { kind: 'autostart', enabled: !state.autostart.enabled },
    ),
    separator('sep.quit'),
    item('quit', 'Quit AuraLync', {}, { kind: 'quit' }),
  ];
  return { view: { icon: iconFor(state), tooltip: `AuraLync: ${status}`, items }, commands };
}

/** "Require an access code" when open; checked with the code itself when set, so the host can read it out. */
function accessCodeItem(state: TrayState, item: ItemFactory): TrayMenuItem {
  const code = state.settings.accessCode;
  if (code === null) return item('access-code', 'Require an access code', { checked: false }, { kind: 'access-code', enabled: true });
  return item('access-code', `Access code: ${code}`, { checked: true }, { kind: 'access-code', enabled: false });
}

type ItemFactory = (id: string, label: string, extra?: Partial<Omit<TrayMenuItem, 'id' | 'label'>>, command?: MenuCommand) => TrayMenuItem;

/** The icon: trouble wins, then what the app is doing. */
export function iconFor(state: TrayState): TrayIconName {
  if (state.trouble !== undefined || state.listening?.phase === 'reconnecting') return 'trouble';
  if (state.hosting !== undefined) return 'hosting';
  if (state.listening !== undefined) return 'listening';
  return 'idle';
}

/** The status line: what the app is doing, and what is wrong if anything. */
export function statusLine(state: TrayState): string {
  let line: string;
  const { hosting, listening } = state;
  if (hosting !== undefined) {
    const n = hosting.listeners.length;
    line =
      hosting.phase === 'starting' ? `Starting to host '${hosting.displayName}'…`
      : hosting.phase === 'stopping' ? 'Stopping…'
      : `Hosting '${hosting.displayName}' · ${n} listener${n === 1 ? '' : 's'} · port ${hosting.port}`;
  } else if (listening !== undefined) {
    const name = listening.target.displayName;
    line =
      listening.phase === 'connecting' ? `Connecting to '${name}'…`
      : listening.phase === 'reconnecting' ? `Reconnecting to '${name}'…${listening.why === undefined ? '' : ` (${listening.why})`}`
      : listening.phase === 'stopping' ? 'Stopping…'
      : `Listening to '${name}'${listening.latencyMs === undefined ? '' : ` · ${Math.round(listening.latencyMs)} ms`}`;
  } else {
    // Idle with a problem: the problem is the news.
    if (state.trouble !== undefined) return state.trouble.charAt(0).toUpperCase() + state.trouble.slice(1);
    line = 'Idle: not hosting or listening';
  }
  return state.trouble === undefined ? line : `${line} · ${state.trouble}`;
}

function listenersMenu(state: TrayState, item: ItemFactory): TrayMenuItem {
  const running = state.hosting?.phase === 'running';
  const listeners = running ? (state.hosting?.listeners ?? []) : [];
  const children: TrayMenuItem[] = [item('listeners.none', running ? 'No listeners yet' : 'Not hosting', { enabled: false, visible: listeners.length === 0 })];
  for (let i = 0; i < MAX_LIST_ENTRIES; i++) {
    const listener = listeners[i];
    const label = listener === undefined ? '' : describeListenerHealth(listener);
    children.push(item(`listeners.${i}`, label, { enabled: false, visible: listener !== undefined }));
  }
  const more = listeners.length - MAX_LIST_ENTRIES;
  children.push(item('listeners.more', more > 0 ? `…and ${more} more` : '', { enabled: false, visible: more > 0 }));
  return item('listeners', running ? `Listeners (${listeners.length})` : 'Listeners', { enabled: running, children });
}

function sameTarget(target: ListenTarget, host: HostRecord): boolean {
  if (target.hostId !== null) return target.hostId === host.hostId;
  return target.address === host.address && target.port === host.port;
}

function hostLabel(host: HostRecord, all: readonly HostRecord[]): string {
  // Two hosts with one display name are told apart by their short id.
  const twin = all.some((other) => other !== host && other.displayName.toLowerCase() === host.displayName.toLowerCase());
  const name = twin ? `${host.displayName} (${shortHostId(host.hostId)})` : host.displayName;
  return `${name}: ${host.listeners} listener${host.listeners === 1 ? '' : 's'}`;
}

function listenToMenu(state: TrayState, item: ItemFactory): TrayMenuItem {
  const target = state.listening?.target;
  // The host being played stays listed (checked) even when discovery does not see it (reached by address, or gone).
  const current = target !== undefined && !state.hosts.some((host) => sameTarget(target, host)) ? target : undefined;
  const entries: { label: string; checked: boolean; target: ListenTarget }[] = [];
  if (current !== undefined) entries.push({ label: `${current.displayName} (${current.address}:${current.port})`, checked: true, target: current });
  for (const host of state.hosts) {
    entries.push({
      label: hostLabel(host, state.hosts),
      checked: target !== undefined && sameTarget(target, host),
      target: { hostId: host.hostId, displayName: host.displayName, address: host.address, port: host.port },
    });
  }
  const placeholder =
    state.discovery === 'off' ? 'Finding hosts is off (AURALYNC_DISCOVERY=off)'
    : state.discovery === 'looking' ? 'Looking for hosts…'
    : 'No hosts found on this network';
  const children: TrayMenuItem[] = [item('listen-to.none', placeholder, { enabled: false, visible: entries.length === 0 })];
  for (let i = 0; i < MAX_LIST_ENTRIES; i++) {
    const entry = entries[i];
    children.push(
      item(
        `listen-to.${i}`,
        entry?.label ?? '',
        { checked: entry?.checked ?? false, visible: entry !== undefined },
        entry === undefined ? undefined : { kind: 'listen', target: entry.target },
      ),
    );
  }
  const more = entries.length - MAX_LIST_ENTRIES;
  children.push(item('listen-to.more', more > 0 ? `…and ${more} more (use auralync hosts)` : '', { enabled: false, visible: more > 0 }));
  return item('listen-to', 'Listen to', { children });
}

function deviceMenu(
  id: 'output-device' | 'capture-device',
  title: string,
  defaultLabel: string,
  kind: AudioDevice['kind'],
  state: TrayState,
  item: ItemFactory,
): TrayMenuItem {
  const chosen = id === 'output-device' ? state.settings.outputDevice : state.settings.captureDevice;
  const devices = state.devices.status === 'ready' ? (kind === 'output' ? state.devices.output : state.devices.capture) : [];
  const command = (deviceId: string | null): MenuCommand => (id === 'output-device' ? { kind: 'output-device', deviceId } : { kind: 'capture-device', deviceId });
  const missing = chosen !== null && state.devices.status === 'ready' && !devices.some((device) => device.id === chosen);
  const children: TrayMenuItem[] = [
    item(`${id}.default`, defaultLabel, { checked: chosen === null }, command(null)),
    // A chosen device that is unplugged stays chosen (it is used again when it comes back) and says so.
    item(`${id}.missing`, missing ? `${chosen} (not connected)` : '', { checked: true, enabled: false, visible: missing }),
  ];
  for (let i = 0; i < MAX_LIST_ENTRIES; i++) {
    const device = devices[i];
    children.push(
      item(
        `${id}.${i}`,
        device === undefined ? '' : `${device.name}${device.isDefault ? ' (default)' : ''}`,
        { checked: device !== undefined && device.id === chosen, visible: device !== undefined },
        device === undefined ? undefined : command(device.id),
      ),
    );
  }
  const more = devices.length - MAX_LIST_ENTRIES;
  children.push(item(`${id}.more`, more > 0 ? `…and ${more} more (use auralync devices)` : '', { enabled: false, visible: more > 0 }));
  const note = state.devices.status === 'loading' ? 'Listing devices…' : 'Audio devices unavailable';
  children.push(item(`${id}.unavailable`, note, { enabled: false, visible: state.devices.status !== 'ready' }));
  return item(id, title, { children });
}

function boostMenu(state: TrayState, item: ItemFactory): TrayMenuItem {
  const boost = state.settings.boost;
  const children = BOOST_PRESETS.map((preset) => item(`boost.${preset}`, `${preset}x`, { checked: boost === preset }, { kind: 'boost', boost: preset }));
  return item('boost', `Boost (${Math.round(boost * 10) / 10}x)`, { children });
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Every id in `items`, depth first (the shape check of tray adapters and tests). */
export function menuIds(items: readonly TrayMenuItem[]): string[] {
  return items.flatMap((entry) => [entry.id, ...menuIds(entry.children ?? [])]);
}
