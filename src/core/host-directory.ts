/**
 * The list of hosts a browser believes are alive: validated records in, up/changed/down events out.
 * mDNS never reports a host that died without a goodbye (its records carry a TTL of hours), so a host
 * is alive only while it keeps answering: one not seen for `expiryMs` is down.
 */
import type { HostRecord } from './host-record.js';

/** How the directory reads time. */
export interface DirectoryClock {
  /** Monotonic milliseconds. */
  now(): number;
}

/** A change in the list of live hosts. */
export type DirectoryEvent =
  | { type: 'up'; host: HostRecord }
  | { type: 'changed'; host: HostRecord; previous: HostRecord }
  | { type: 'down'; host: HostRecord; reason: 'goodbye' | 'expired' };

/** Options of a HostDirectory. */
export interface DirectoryOptions {
  /** A host not seen for this long is down [ms] (> 0). */
  readonly expiryMs: number;
}

interface Entry {
  record: HostRecord;
  lastSeenMs: number;
}

/** Live hosts keyed by host id, with last-seen expiry on an injected clock. */
export class HostDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly expiryMs: number;

  constructor(
    private readonly clock: DirectoryClock,
    options: DirectoryOptions,
  ) {
    if (!(options.expiryMs > 0)) throw new RangeError('expiryMs must be > 0');
    this.expiryMs = options.expiryMs;
  }

  /**
   * Records that `record`'s host answered now: 'up' if it was unknown, 'changed' if anything people see
   * changed. The address in use is kept while the host still advertises it, so a host answering on two
   * interfaces does not flip between them.
   */
  seen(answer: HostRecord): DirectoryEvent[] {
    const now = this.clock.now();
    const entry = this.entries.get(answer.hostId);
    const record = entry !== undefined && answer.addresses.includes(entry.record.address) ? { ...answer, address: entry.record.address } : answer;
    if (entry === undefined) {
      this.entries.set(record.hostId, { record, lastSeenMs: now });
      return [{ type: 'up', host: record }];
    }
    entry.lastSeenMs = now;
    const previous = entry.record;
    entry.record = record;
    return sameRecord(previous, record) ? [] : [{ type: 'changed', host: record, previous }];
  }

  /** The host advertised under `instanceName` said goodbye: it is down now. Unknown names are ignored. */
  goodbye(instanceName: string): DirectoryEvent[] {
    for (const [id, entry] of this.entries) {
      if (entry.record.instanceName !== instanceName) continue;
      this.entries.delete(id);
      return [{ type: 'down', host: entry.record, reason: 'goodbye' }];
    }
    return [];
  }

  /** Drops every host not seen for expiryMs; call it often (every few hundred ms). */
  expire(): DirectoryEvent[] {
    const now = this.clock.now();
    const events: DirectoryEvent[] = [];
    for (const [id, entry] of this.entries) {
      if (now - entry.lastSeenMs < this.expiryMs) continue;
      this.entries.delete(id);
      events.push({ type: 'down', host: entry.record, reason: 'expired' });
    }
    return events;
  }

  /** Live hosts, sorted by display name then id. */
  hosts(): HostRecord[] {
    return [...this.entries.values()]
      .map((entry) => entry.record)
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.hostId.localeCompare(b.hostId));
  }

  /** The live host with this id, if any. */
  get(hostId: string): HostRecord | undefined {
    return this.entries.get(hostId)?.record;
  }

  /** How long ago the host with this id last answered [ms], if it is live. */
  ageMs(hostId: string): number | undefined {
    const entry = this.entries.get(hostId);
    return entry === undefined ? undefined : this.clock.now() - entry.lastSeenMs;
  }
}

function sameRecord(a: HostRecord, b: HostRecord): boolean {
  return (
    a.displayName === b.displayName &&
    a.instanceName === b.instanceName &&
    a.address === b.address &&
    a.port === b.port &&
    a.listeners === b.listeners &&
    a.protocolVersion === b.protocolVersion &&
    a.codeRequired === b.codeRequired &&
    a.codecs.join(',') === b.codecs.join(',')
  );
}
