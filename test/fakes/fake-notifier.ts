/** A Notifier that records notifications. */
import type { Notification, Notifier } from '../../src/ports/desktop.js';

export class FakeNotifier implements Notifier {
  readonly shown: Notification[] = [];

  notify(notification: Notification): void {
    this.shown.push(notification);
  }

  titles(): string[] {
    return this.shown.map((n) => n.title);
  }
}
