/** Everything the tray shows, as plain data: the menu and icon are a pure function of this (menu-model.ts). */
import type { HostRecord } from '../core/host-record.js';
import type { Settings } from '../core/settings-schema.js';
import type { AudioDevice } from '../ports/device-catalog.js';
import type { ListenerHealthFigures } from './listener-health-line.js';

/** One listener of this host, as the Listeners submenu shows it: its health figures (undefined until it reports them). */
export type TrayListener = ListenerHealthFigures;

/** This computer is hosting. */
export interface HostingState {
  readonly phase: 'starting' | 'running' | 'stopping';
  /** Name listeners see. */
  readonly displayName: string;
  /** Port bound (the settings port until running). */
  readonly port: number;
  readonly listeners: readonly TrayListener[];
}

/** A host to listen to: found by discovery (hostId set), or remembered by address. */
export interface ListenTarget {
  readonly hostId: string | null;
  readonly displayName: string;
  readonly address: string;
  readonly port: number;
}

/** This computer is listening to a host. */
export interface ListeningState {
  readonly phase: 'connecting' | 'playing' | 'reconnecting' | 'stopping';
  readonly target: ListenTarget;
  /** Estimated end-to-end latency [ms] while playing. */
  readonly latencyMs: number | undefined;
  /** Why the last connection ended (while reconnecting). */
  readonly why: string | undefined;
}

/** The audio devices, once listed. */
export interface DeviceState {
  /** 'unavailable': no audio backend (file-only build) or the audio system is unreachable. */
  readonly status: 'loading' | 'ready' | 'unavailable';
  readonly capture: readonly AudioDevice[];
  readonly output: readonly AudioDevice[];
}

/** The whole state of the tray app. */
export interface TrayState {
  readonly hosting: HostingState | undefined;
  readonly listening: ListeningState | undefined;
  /** Hosts found on the network (this computer's own host left out), sorted by name. */
  readonly hosts: readonly HostRecord[];
  /** 'off': discovery disabled; 'looking': started, first answers not in yet; 'on': browsing. */
  readonly discovery: 'off' | 'looking' | 'on';
  readonly devices: DeviceState;
  readonly settings: Settings;
  readonly autostart: { readonly supported: boolean; readonly enabled: boolean };
  /** Something the user should know is wrong (one line), until the next user action clears it. */
  readonly trouble: string | undefined;
}
