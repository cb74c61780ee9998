/**
 * Which events become desktop notifications, and how bursts are merged so there is never a storm.
 * Pure logic on an injected clock: events in, Notification values out through `notify`.
 *
 * - Listeners joining/leaving (host): collected for `burstWindowMs` from the first one, then one
 *   notification ("20 listeners joined"); at most one per `minGapMs`, later ones wait and merge. A leave
 *   waits at least `lostGraceMs`, and one that is followed by the same name joining before it is shown is
 *   no news at all: a listener whose Wi-Fi dropped for longer than the host waits comes back as a new join.
 * - Connection (listener): "Connected" at once; "Stream lost" only if the stream is still lost after
 *   `lostGraceMs` (a blip that reconnects in time shows nothing); "Reconnected" only after a shown
 *   loss; "Host gone" once. At most one per `minGapMs`; a newer state replaces a waiting one.
 * - Output device unavailable and other problems: at once, but the same text again only after `repeatQuietMs`.
 * - Turned off: nothing is shown and waiting notifications are dropped.
 */
import type { Clock } from '../ports/clock.js';
import type { Notification } from '../ports/desktop.js';

/** Something that may deserve a notification. */
export type NotableEvent =
  | { readonly type: 'listener-joined'; readonly name: string }
  | { readonly type: 'listener-left'; readonly name: string }
  | { readonly type: 'connected'; readonly hostName: string }
  | { readonly type: 'stream-lost'; readonly hostName: string; readonly reason: string }
  | { readonly type: 'reconnected'; readonly hostName: string }
  | { readonly type: 'host-gone'; readonly hostName: string }
  | { readonly type: 'output-unavailable'; readonly device: string; readonly reason: string }
  | { readonly type: 'problem'; readonly title: string; readonly body: string }
  /** The user stopped listening or hosting: waiting connection news is dropped. */
  | { readonly type: 'session-ended' };

/** Options of a NotificationPolicy. */
export interface NotificationPolicyOptions {
  readonly clock: Clock;
  /** Shows one notification. */
  readonly notify: (notification: Notification) => void;
  /** Initial on/off (the Notifications menu entry). */
  readonly enabled: boolean;
  /** Joins/leaves within this time of the first one make one notification [ms]. */
  readonly burstWindowMs?: number;
  /** Least time between two notifications of one kind (roster, connection) [ms]. */
  readonly minGapMs?: number;
  /** A lost stream, or a listener leaving, is only announced if not back within this time [ms]. */
  readonly lostGraceMs?: number;
  /** The same problem text is not shown again within this time [ms]. */
  readonly repeatQuietMs?: number;
}

/** Names shown in a notification body before "and N others". */
const NAMES_SHOWN = 3;

type ConnectionNews = { kind: 'connected' | 'lost' | 'reconnected' | 'gone'; hostName: string; reason?: string };

/** Decides and merges; owns timers on the injected clock. */
export class NotificationPolicy {
  private enabled: boolean;
  private readonly burstWindowMs: number;
  private readonly minGapMs: number;
  private readonly lostGraceMs: number;
  private readonly repeatQuietMs: number;

  private joined: string[] = [];
  private left: string[] = [];
  private rosterTimer: (() => void) | undefined;
  private rosterDueAt = -Infinity;
  private rosterShownAt = -Infinity;

  private connectionShown: 'none' | 'connected' | 'lost' | 'gone' = 'none';
  private connectionPending: ConnectionNews | undefined;
  private connectionTimer: (() => void) | undefined;
  private connectionShownAt = -Infinity;

  private readonly recentProblems = new Map<string, number>();

  constructor(private readonly options: NotificationPolicyOptions) {
    this.enabled = options.enabled;
    this.burstWindowMs = options.burstWindowMs ?? 1500;
    this.minGapMs = options.minGapMs ?? 5000;
    this.lostGraceMs = options.lostGraceMs ?? 3000;
    this.repeatQuietMs = options.repeatQuietMs ?? 60_000;
    for (const [name, value] of Object.entries({ burstWindowMs: this.burstWindowMs, minGapMs: this.minGapMs, lostGraceMs: this.lostGraceMs, repeatQuietMs: this.repeatQuietMs })) {
      if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${name} must be a finite number ≥ 0`);
    }
  }

  /** Turns notifications on or off; off drops everything waiting. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (!enabled) this.dropPending();
  }

  /** Takes one event. */
  handle(event: NotableEvent): void {
    if (event.type === 'session-ended') {
      this.dropPending();
      this.connectionShown = 'none';
      return;
    }
    if (!this.enabled) {
      // Keep the connection state current, so turning notifications back on does not announce stale news.
      if (event.type === 'connected' || event.type === 'reconnected') this.connectionShown = 'connected';
      return;
    }
    switch (event.type) {
      case 'listener-joined': {
        const leaving = this.left.indexOf(event.name);
        // Back before its leave was shown: neither is news.
        if (leaving >= 0) this.left.splice(leaving, 1);
        else this.joined.push(event.name);
        this.scheduleRoster(this.burstWindowMs);
        return;
      }
      case 'listener-left':
        this.left.push(event.name);
        this.scheduleRoster(this.lostGraceMs);
        return;
      case 'connected':
        this.connection({ kind: 'connected', hostName: event.hostName }, 0);
        return;
      case 'stream-lost':
        // Once the host is known to be gone (shown or about to be), a lost stream is no news.
        if (this.connectionShown === 'gone' || this.connectionPending?.kind === 'gone') return;
        this.connection({ kind: 'lost', hostName: event.hostName, reason: event.reason }, this.lostGraceMs);
        return;
      case 'reconnected':
        if (this.connectionShown === 'connected' || this.connectionShown === 'none') {
          // The loss was never shown (a blip): nothing to say, and the waiting "lost" is void.
          this.cancelConnection();
          return;
        }
        this.connection({ kind: 'reconnected', hostName: event.hostName }, 0);
        return;
      case 'host-gone':
        if (this.connectionShown === 'gone' && this.connectionPending === undefined) return;
        this.connection({ kind: 'gone', hostName: event.hostName }, 0);
        return;
      case 'output-unavailable':
        this.problem({ title: 'Output device unavailable', body: `${event.device}: ${event.reason}`, icon: 'trouble' });
        return;
      case 'problem':
        this.problem({ title: event.title, body: event.body, icon: 'trouble' });
        return;
    }
  }

  /** Cancels every timer (app shutdown); nothing is shown afterwards. */
  stop(): void {
    this.enabled = false;
    this.dropPending();
  }

  private dropPending(): void {
    this.rosterTimer?.();
    this.rosterTimer = undefined;
    this.joined = [];
    this.left = [];
    this.cancelConnection();
  }

  /** Shows the waiting joins and leaves `delayMs` from now at the earliest (later if already due later, or within minGapMs of the last). */
  private scheduleRoster(delayMs: number): void {
    const now = this.options.clock.now();
    const at = Math.max(now + delayMs, this.rosterShownAt + this.minGapMs);
    if (this.rosterTimer !== undefined) {
      if (at <= this.rosterDueAt) return;
      this.rosterTimer();
    }
    this.rosterDueAt = at;
    this.rosterTimer = this.options.clock.setTimeout(() => {
      this.rosterTimer = undefined;
      const joined = this.joined;
      const left = this.left;
      this.joined = [];
      this.left = [];
      if (joined.length === 0 && left.length === 0) return;
      this.rosterShownAt = this.options.clock.now();
      this.options.notify(rosterNotification(joined, left));
    }, at - now);
  }

  private connection(news: ConnectionNews, delayMs: number): void {
    this.cancelConnection();
    if (news.kind === 'connected' && this.connectionShown === 'connected') return;
    this.connectionPending = news;
    const now = this.options.clock.now();
    const at = Math.max(now + delayMs, this.connectionShownAt + this.minGapMs);
    this.connectionTimer = this.options.clock.setTimeout(() => {
      this.connectionTimer = undefined;
      const pending = this.connectionPending;
      this.connectionPending = undefined;
      if (pending === undefined) return;
      const shown = pending.kind === 'reconnected' ? 'connected' : pending.kind;
      // A state already on screen is not repeated (lost → reconnected → lost within the gap stays "lost").
      if (shown === this.connectionShown) return;
      this.connectionShown = shown;
      this.connectionShownAt = this.options.clock.now();
      this.options.notify(connectionNotification(pending));
    }, at - now);
  }

  private cancelConnection(): void {
    this.connectionTimer?.();
    this.connectionTimer = undefined;
    this.connectionPending = undefined;
  }

  private problem(notification: Notification): void {
    const key = `${notification.title}\n${notification.body}`;
    const now = this.options.clock.now();
    const last = this.recentProblems.get(key);
    if (last !== undefined && now - last < this.repeatQuietMs) return;
    for (const [other, at] of this.recentProblems) if (now - at >= this.repeatQuietMs) this.recentProblems.delete(other);
    this.recentProblems.set(key, now);
    this.options.notify(notification);
  }
}

/** "Alice", "Alice and Bob", "Alice, Bob, Carol and 17 others". */
export function nameList(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length <= NAMES_SHOWN) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const others = names.length - NAMES_SHOWN;
  return `${names.slice(0, NAMES_SHOWN).join(', ')} and ${others} other${others === 1 ? '' : 's'}`;
}

function rosterNotification(joined: readonly string[], left: readonly string[]): Notification {
  const count = (n: number, verb: string) => (n === 1 ? `Listener ${verb}` : `${n} listeners ${verb}`);
  if (left.length === 0) return { title: count(joined.length, 'joined'), body: nameList(joined), icon: 'hosting' };
  if (joined.length === 0) return { title: count(left.length, 'left'), body: nameList(left), icon: 'hosting' };
  return {
    title: `${count(joined.length, 'joined')}, ${left.length} left`,
    body: `Joined: ${nameList(joined)}. Left: ${nameList(left)}.`,
    icon: 'hosting',
  };
}

function connectionNotification(news: ConnectionNews): Notification {
  switch (news.kind) {
    case 'connected':
      return { title: 'Connected', body: `Listening to '${news.hostName}'`, icon: 'listening' };
    case 'reconnected':
      return { title: 'Reconnected', body: `Listening to '${news.hostName}' again`, icon: 'listening' };
    case 'lost':
      return { title: 'Stream lost', body: `'${news.hostName}': ${news.reason}. Reconnecting…`, icon: 'trouble' };
    case 'gone':
      return { title: 'Host gone', body: `'${news.hostName}' stopped sharing. AuraLync will reconnect when it is back.`, icon: 'trouble' };
  }
}
