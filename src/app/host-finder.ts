/**
 * Browsing with liveness: a Browser's raw sightings are validated (bad records logged once, then
 * ignored), kept in a HostDirectory, re-queried every `queryIntervalMs` and expired after `expiryMs`
 * without an answer, so a host killed without a goodbye disappears (issue 3: within 6 s).
 */
import { HostDirectory, type DirectoryEvent } from '../core/host-directory.js';
import { parseSighting, shortHostId, type HostRecord } from '../core/host-record.js';
import type { Clock } from '../ports/clock.js';
import type { Browser, ServiceSighting } from '../ports/discovery.js';

/** Default re-query period [ms]: three answers fit in one expiry window, so two lost packets never drop a host. */
export const DEFAULT_QUERY_INTERVAL_MS = 1400;
/** Default expiry [ms]: a killed host is gone after at most this plus one tick (< 6 s). */
export const DEFAULT_EXPIRY_MS = 4500;
/** Default look time of `auralync hosts` and `listen NAME` [ms]. */
export const DEFAULT_LOOK_MS = 3000;
/** Most distinct bad records reported, so a flood of garbage cannot flood the log. */
const MAX_REPORTED_PROBLEMS = 50;

/** Options of a HostFinder. */
export interface HostFinderOptions {
  readonly browser: Browser;
  readonly clock: Clock;
  /** Re-query period [ms]. */
  readonly queryIntervalMs?: number;
  /** A host silent this long is down [ms]. */
  readonly expiryMs?: number;
  /** How often expiry is checked [ms]. */
  readonly tickMs?: number;
  /** Receives one line per distinct bad record or socket problem. */
  readonly onProblem?: (line: string) => void;
}

/** Keeps a live list of hosts on the network. */
export class HostFinder {
  private readonly directory: HostDirectory;
  private readonly handlers = new Set<(event: DirectoryEvent) => void>();
  private readonly reported = new Set<string>();
  private cancelTimers: (() => void)[] = [];
  private started = false;
  private capped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: HostFinderOptions) {
    const queryMs = options.queryIntervalMs ?? DEFAULT_QUERY_INTERVAL_MS;
    const expiryMs = options.expiryMs ?? DEFAULT_EXPIRY_MS;
    if (!(queryMs > 0) || !(expiryMs > queryMs)) throw new RangeError('need 0 < queryIntervalMs < expiryMs');
    this.directory = new HostDirectory(options.clock, { expiryMs });
  }

  /** Subscribes to up/changed/down events; returns the unsubscribe function. */
  on(handler: (event: DirectoryEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Starts browsing (the first query goes out at once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { browser, clock } = this.options;
    browser.start({
      onSighting: (sighting) => this.onSighting(sighting),
      onGoodbye: (instanceName) => this.emitAll(this.directory.goodbye(instanceName)),
      onProblem: (message) => this.report(`mDNS: ${message}`, `socket|${message}`),
    });
    this.cancelTimers.push(
      clock.setInterval(() => browser.query(), this.options.queryIntervalMs ?? DEFAULT_QUERY_INTERVAL_MS),
      clock.setInterval(() => this.emitAll(this.directory.expire()), this.options.tickMs ?? 250),
    );
  }

  /** Stops browsing; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const cancel of this.cancelTimers) cancel();
      this.cancelTimers = [];
      await this.options.browser.stop();
    })();
    return this.stopping;
  }

  /** Live hosts, sorted by name. */
  hosts(): HostRecord[] {
    return this.directory.hosts();
  }

  /** Resolves with the live hosts once `done(hosts)` holds, or when `timeoutMs` has passed. */
  waitFor(done: (hosts: HostRecord[]) => boolean, timeoutMs: number): Promise<HostRecord[]> {
    return new Promise((resolve) => {
      if (done(this.hosts())) return resolve(this.hosts());
      const finish = () => {
        unsubscribe();
        cancel();
        resolve(this.hosts());
      };
      const unsubscribe = this.on(() => {
        if (done(this.hosts())) finish();
      });
      const cancel = this.options.clock.setTimeout(finish, timeoutMs);
    });
  }

  private onSighting(sighting: ServiceSighting): void {
    const parsed = parseSighting(sighting);
    if (!parsed.ok) {
      const name = typeof sighting.instanceName === 'string' ? sighting.instanceName : '?';
      this.report(`ignoring a bad mDNS record for '${name}' from ${sighting.senderAddress ?? 'unknown'}: ${parsed.reason}`, `${name}|${parsed.reason}`);
      return;
    }
    this.emitAll(this.directory.seen(parsed.record));
  }

  private report(line: string, key: string): void {
    if (this.reported.has(key)) return;
    if (this.reported.size >= MAX_REPORTED_PROBLEMS) {
      if (!this.capped) this.options.onProblem?.('mDNS: more bad records arrived; not showing them');
      this.capped = true;
      return;
    }
    this.reported.add(key);
    this.options.onProblem?.(line);
  }

  private emitAll(events: DirectoryEvent[]): void {
    for (const event of events) for (const handler of [...this.handlers]) handler(event);
  }
}

/** Hosts whose display name is exactly `name`, ignoring case. */
export function hostsNamed(hosts: readonly HostRecord[], name: string): HostRecord[] {
  const wanted = name.trim().toLocaleLowerCase();
  return hosts.filter((host) => host.displayName.toLocaleLowerCase() === wanted);
}

/** One line naming several hosts that share a display name, by short id and address. */
export function describeAmbiguous(name: string, hosts: readonly HostRecord[]): string {
  const list = hosts.map((h) => `${shortHostId(h.hostId)} at ${h.address}:${h.port}`).join(', ');
  return `${hosts.length} hosts are named '${name}' (${list}); connect to one by address, e.g. auralync listen ${hosts[0]?.address ?? '192.168.x.y'}`;
}

/** Why nothing may have been found, and what to do instead (one line). */
export function noHostsReason(lookMs: number): string {
  return (
    `no AuraLync host answered within ${Math.round(lookMs / 100) / 10} s. mDNS may be blocked by the network or a firewall ` +
    `(UDP port 5353), the host may be on a different subnet, or Wi-Fi client isolation may be on. ` +
    `Connect by address instead: auralync listen 192.168.x.y`
  );
}

/** The table `auralync hosts` prints: name, address, port, codec, listeners, id. */
export function formatHostTable(hosts: readonly HostRecord[]): string[] {
  const rows = hosts.map((h) => [
    h.displayName,
    h.address,
    String(h.port),
    h.codecs[0] ?? '-',
    String(h.listeners),
    h.codeRequired ? 'yes' : 'no',
    shortHostId(h.hostId),
  ]);
  const header = ['NAME', 'ADDRESS', 'PORT', 'CODEC', 'LISTENERS', 'CODE', 'ID'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => [...(row[i] as string)].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] as number) - [...cell].length)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}
