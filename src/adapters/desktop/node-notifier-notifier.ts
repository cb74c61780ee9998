/**
 * Notifications through node-notifier 10 (Linux: notify-send; macOS: terminal-notifier; Windows:
 * SnoreToast). Fire and forget: a missing notification daemon or notify-send is logged once, never thrown.
 * Text is cleaned first: node-notifier builds a shell command line on Linux, and names come from the network.
 */
import { join } from 'node:path';
import notifier from 'node-notifier';
import { describeError } from '../../core/errors.js';
import type { Notification, Notifier } from '../../ports/desktop.js';

/** Options of a NodeNotifierNotifier. */
export interface NodeNotifierOptions {
  /** Directory of the PNG icons (`<name>.png`). */
  readonly iconDir: string;
  /** Application name shown by the notification daemon. */
  readonly appName?: string;
  /** Receives one line when notifications fail (once until one works again). */
  readonly log?: (line: string) => void;
  /** How long a notification stays [s]. */
  readonly expireSeconds?: number;
}

/** Longest title/body passed on [characters]. */
const MAX_TEXT = 200;

/** Printable one-line text of at most MAX_TEXT characters. */
export function cleanNotificationText(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  const chars = [...clean];
  return chars.length <= MAX_TEXT ? clean : `${chars.slice(0, MAX_TEXT - 1).join('')}…`;
}

/** Notifier over node-notifier. */
export class NodeNotifierNotifier implements Notifier {
  private failing = false;

  constructor(private readonly options: NodeNotifierOptions) {}

  notify(notification: Notification): void {
    const title = cleanNotificationText(notification.title);
    const message = cleanNotificationText(notification.body) || ' ';
    const options = {
      title,
      message,
      icon: join(this.options.iconDir, `${notification.icon}.png`),
      // notify-send's flag only: on Windows an unregistered appID would hide the toast.
      'app-name': this.options.appName ?? 'AuraLync',
      timeout: this.options.expireSeconds ?? 6,
      wait: false,
    };
    try {
      notifier.notify(options, (err: Error | null) => {
        if (err) {
          if (!this.failing) this.options.log?.(`notifications: cannot show one (${describeError(err)})`);
          this.failing = true;
        } else {
          this.failing = false;
        }
      });
    } catch (err) {
      if (!this.failing) this.options.log?.(`notifications: cannot show one (${describeError(err)})`);
      this.failing = true;
    }
  }
}

/** A Notifier that only writes log lines (notifications unavailable, or --no-notify setups). */
export class LogNotifier implements Notifier {
  constructor(private readonly log: (line: string) => void) {}

  notify(notification: Notification): void {
    this.log(`notice: ${cleanNotificationText(notification.title)}: ${cleanNotificationText(notification.body)}`);
  }
}
