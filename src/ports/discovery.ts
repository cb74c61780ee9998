/** Zero-config discovery on the local network (mDNS/DNS-SD in production, fakes in unit tests). */
import type { HostAdvert } from '../core/host-record.js';

/** Something the advertiser reports while it runs. */
export type AdvertiserEvent =
  | { type: 'announced'; instanceName: string }
  | { type: 'name-conflict'; instanceName: string }
  | { type: 'problem'; message: string };

/** Announces this host on the local network so listeners find it without an address. */
export interface Advertiser {
  /** Starts announcing `advert` (probing, then announcing take about 1 s); never rejects: trouble arrives as a 'problem' event. */
  start(advert: HostAdvert, onEvent: (event: AdvertiserEvent) => void): Promise<void>;
  /** Replaces the advertised listener count (≥ 0) and re-announces the TXT record. */
  setListenerCount(count: number): void;
  /** Sends goodbyes (so browsers drop the host at once) and releases the socket; safe to call twice. */
  stop(): Promise<void>;
}

/** One answer about one service, exactly as it came off the wire: nothing in it is validated yet. */
export interface ServiceSighting {
  /** mDNS instance name, e.g. "Living room (3fa2)". */
  readonly instanceName: string;
  /** SRV port as received (validated later). */
  readonly port: unknown;
  /** TXT key/values as received (values are strings, or `true` for a key without '='); undefined when absent. */
  readonly txt: unknown;
  /** A/AAAA addresses that came with the answer (may be empty, e.g. on loopback). */
  readonly addresses: readonly string[];
  /** Source address of the packet that carried the answer. */
  readonly senderAddress: string | undefined;
}

/** What a browser reports. */
export interface BrowserHandlers {
  /** A host answered a query or announced itself (reported again on every answer, even if unchanged). */
  onSighting(sighting: ServiceSighting): void;
  /** A host said goodbye for this instance name (it stopped cleanly). */
  onGoodbye(instanceName: string): void;
  /** Something went wrong with the mDNS socket (one line for people); browsing goes on if it can. */
  onProblem(message: string): void;
}

/** Finds AuraLync hosts on the local network. */
export interface Browser {
  /** Starts listening for hosts and sends a first query. */
  start(handlers: BrowserHandlers): void;
  /** Sends a fresh query; every host that answers is reported again, even if nothing changed. */
  query(): void;
  /** Stops browsing and releases the socket; safe to call twice. */
  stop(): Promise<void>;
}

/** Where this host's stable id lives (a small file in the user's config dir in production). */
export interface HostIdStore {
  /** The saved id, or a new random one saved for next time; rejects with ERR_FILE if it cannot be read or saved. */
  load(): Promise<string>;
}
