/** The desktop around the app: tray icon and menu, notifications, start at login. */

/** One tray icon per state of the app. */
export type TrayIconName = 'idle' | 'hosting' | 'listening' | 'trouble';

/** One menu entry as the tray draws it. */
export interface TrayMenuItem {
  /** Stable id: the same entry has the same id in every view (clicks report it). */
  readonly id: string;
  /** Text shown, without any check mark (the tray adds its own). */
  readonly label: string;
  /** False: greyed out and not clickable. */
  readonly enabled: boolean;
  /** True/false for a check item (ticked or not); undefined for a plain item. */
  readonly checked?: boolean;
  /** False: not shown (entries are hidden rather than removed: a tray cannot add entries after start). */
  readonly visible: boolean;
  /** True for a separator line (label ignored); top level only. */
  readonly separator?: boolean;
  /** Entries of a submenu; undefined for a leaf. */
  readonly children?: readonly TrayMenuItem[];
}

/** Everything the tray shows. */
export interface TrayView {
  readonly icon: TrayIconName;
  /** Hover text, one line. */
  readonly tooltip: string;
  /** Top-level entries in order. Every view of one tray has the same ids in the same tree shape. */
  readonly items: readonly TrayMenuItem[];
}

/** What a tray reports. */
export interface TrayHandlers {
  /** An entry was clicked (its id). */
  onClick(id: string): void;
  /** A submenu was opened, where the tray can tell (a chance to refresh its entries). */
  onOpen(id: string): void;
  /** The tray went away on its own (helper crashed or was killed); `reason` is one line. */
  onExit(reason: string): void;
}

/** The icon in the system tray (notification area) and its menu. */
export interface Tray {
  /**
   * Shows the icon and menu of `view`. Rejects with AuraError ERR_NO_TRAY (one line a person can act
   * on) when no tray can be shown: no display, no helper, or the helper not ready in time.
   */
  start(view: TrayView, handlers: TrayHandlers): Promise<void>;
  /** Shows `view` (same ids and shape as the first one); only what changed is sent. Throws on a different shape. */
  update(view: TrayView): void;
  /** Removes the icon; safe to call twice. */
  stop(): Promise<void>;
}

/** One desktop notification. */
export interface Notification {
  /** Summary line, e.g. "Listener joined". */
  readonly title: string;
  /** Body, e.g. "Alice". */
  readonly body: string;
  /** Which icon to show with it. */
  readonly icon: TrayIconName;
}

/** Shows desktop notifications (a bubble/toast); fire and forget. */
export interface Notifier {
  /** Shows `notification`; never throws and never rejects (a missing notification daemon is only logged). */
  notify(notification: Notification): void;
}

/** Starting the app when the user logs in. */
export interface Autostart {
  /** False where this system has no mechanism we support (the menu entry is then disabled). */
  readonly supported: boolean;
  /** Where the entry lives, for messages (a file path or a registry key). */
  readonly location: string;
  /** True when the system will start AuraLync at login (read back from disk/registry, not remembered). */
  isEnabled(): Promise<boolean>;
  /** Installs or removes the entry; rejects with an AuraError (ERR_FILE) when the system refuses. */
  setEnabled(enabled: boolean): Promise<void>;
}

/** Result of running a program to completion. */
export interface CommandResult {
  /** Exit code (null when killed by a signal). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program with arguments (no shell); tests inject a recorder. */
export interface CommandRunner {
  /** Runs `command` with `args`; rejects only when it cannot be started at all. */
  run(command: string, args: readonly string[]): Promise<CommandResult>;
}
