/**
 * The few bonjour-service 1.4.4 internals AuraLync needs and the package does not expose: its
 * multicast-dns socket (to hear socket errors, which it would otherwise throw) and its record registry
 * (to update a published TXT record in place). Reached through one checked accessor, so a version that
 * moved them degrades to "no TXT updates" instead of crashing. The version is pinned in package.json.
 */
import type { EventEmitter } from 'node:events';
import type { Bonjour } from 'bonjour-service';

/** A DNS record as bonjour-service registers it. */
export interface RegisteredRecord {
  name: string;
  type: string;
  ttl: number;
  data: unknown;
  flush?: boolean;
}

/** The multicast-dns instance inside a Bonjour. */
export interface MdnsSocket extends EventEmitter {
  respond(packet: { answers: RegisteredRecord[] }, callback?: (err?: Error | null) => void): void;
}

/** The parts of a Bonjour's private server used here, when present. */
export interface BonjourInternals {
  readonly mdns: MdnsSocket | undefined;
  readonly registry: Record<string, RegisteredRecord[]> | undefined;
}

/** Looks up the internals, checking their shape. */
export function internalsOf(bonjour: Bonjour): BonjourInternals {
  const server = (bonjour as unknown as { server?: { mdns?: unknown; registry?: unknown } }).server;
  const mdns = server?.mdns as Partial<MdnsSocket> | undefined;
  const validMdns = mdns !== undefined && typeof mdns.on === 'function' && typeof mdns.respond === 'function' && typeof mdns.emit === 'function';
  const registry = server?.registry;
  return {
    mdns: validMdns ? (mdns as MdnsSocket) : undefined,
    registry: typeof registry === 'object' && registry !== null ? (registry as Record<string, RegisteredRecord[]>) : undefined,
  };
}

/**
 * Makes every listener on the socket safe: an exception thrown while handling one packet (bonjour's own
 * parsing or ours) is reported and that packet dropped, never a crash (issue 3: garbage is ignored).
 */
export function guardSocket(mdns: MdnsSocket, onProblem: (message: string) => void): void {
  const emit = mdns.emit.bind(mdns);
  mdns.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    try {
      return emit(event, ...args);
    } catch (err) {
      onProblem(`ignored a packet that could not be handled (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      return true;
    }
  }) as MdnsSocket['emit'];
}
