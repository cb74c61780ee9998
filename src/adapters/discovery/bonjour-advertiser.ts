/** Advertiser over bonjour-service (mDNS/DNS-SD on UDP 5353). */
import { Bonjour, type Service } from 'bonjour-service';
import { describeError } from '../../core/errors.js';
import { encodeHostTxt, instanceNameFor, SERVICE_TYPE, type HostAdvert } from '../../core/host-record.js';
import type { Advertiser, AdvertiserEvent } from '../../ports/discovery.js';
import { guardSocket, internalsOf, type BonjourInternals, type RegisteredRecord } from './bonjour-internals.js';

/** Probing takes 3 × 250 ms; a service still unannounced after this lost its name to another device [ms]. */
const CONFLICT_CHECK_MS = 2500;
/** Longest wait for goodbyes to be sent on stop [ms]. */
const GOODBYE_TIMEOUT_MS = 1000;

/** Publishes `_auralync._tcp` with the host's TXT record; re-announces the TXT when the listener count changes. */
export class BonjourAdvertiser implements Advertiser {
  private bonjour: Bonjour | undefined;
  private internals: BonjourInternals | undefined;
  private service: Service | undefined;
  private advert: HostAdvert | undefined;
  private onEvent: (event: AdvertiserEvent) => void = () => {};
  private conflictTimer: NodeJS.Timeout | undefined;
  private readonly problems = new Set<string>();
  private stopping: Promise<void> | undefined;

  async start(advert: HostAdvert, onEvent: (event: AdvertiserEvent) => void): Promise<void> {
    if (this.bonjour !== undefined || this.stopping !== undefined) return;
    this.onEvent = onEvent;
    this.advert = advert;
    const instanceName = instanceNameFor(advert.displayName, advert.hostId);
    try {
      // Without this callback bonjour-service throws send errors (no network, no multicast route).
      const bonjour = new Bonjour({}, (err: unknown) => this.problem(describeError(err)));
      this.bonjour = bonjour;
      this.internals = internalsOf(bonjour);
      const mdns = this.internals.mdns;
      if (mdns !== undefined) {
        guardSocket(mdns, (message) => this.problem(message));
        mdns.on('error', (err: Error) => this.problem(`cannot use UDP port 5353: ${describeError(err)}`));
        mdns.on('warning', () => {}); // undecodable packets and interfaces without multicast: not ours to report
      }
      const service = bonjour.publish({ name: instanceName, type: SERVICE_TYPE, protocol: 'tcp', port: advert.port, txt: encodeHostTxt(advert) });
      this.service = service;
      service.on('up', () => onEvent({ type: 'announced', instanceName }));
      this.conflictTimer = setTimeout(() => {
        // bonjour-service stops a service whose name another device answered for during probing.
        if (!service.published && !service.activated && this.stopping === undefined) onEvent({ type: 'name-conflict', instanceName });
      }, CONFLICT_CHECK_MS);
      this.conflictTimer.unref();
    } catch (err) {
      this.problem(describeError(err));
    }
  }

  setListenerCount(count: number): void {
    const service = this.service;
    if (service === undefined || this.advert === undefined || this.stopping !== undefined) return;
    this.advert = { ...this.advert, listeners: count };
    service.txt = encodeHostTxt(this.advert);
    // Still probing: the announcement will carry the new TXT.
    if (!service.published) return;
    const fresh = service.records() as RegisteredRecord[];
    const txt = fresh.find((record) => record.type === 'TXT');
    const registered = this.internals?.registry?.TXT;
    const mdns = this.internals?.mdns;
    if (txt === undefined || registered === undefined || mdns === undefined) return;
    // The registered record object is also the one bonjour-service re-announces, so queries and later
    // announcements both carry the new count.
    for (const record of registered) if (record.name === txt.name) record.data = txt.data;
    for (const record of fresh) if (record.type !== 'PTR') record.flush = true; // RFC 6762 §10.2: replace, don't add
    mdns.respond({ answers: fresh }, (err) => {
      if (err) this.problem(describeError(err));
    });
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      clearTimeout(this.conflictTimer);
      const bonjour = this.bonjour;
      if (bonjour === undefined) return resolve();
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        try {
          bonjour.destroy(() => resolve());
        } catch {
          resolve();
        }
      };
      const timer = setTimeout(finish, GOODBYE_TIMEOUT_MS);
      try {
        bonjour.unpublishAll(finish); // goodbyes: browsers drop the host at once (RFC 6762 §10.1)
      } catch {
        finish();
      }
    });
    return this.stopping;
  }

  private problem(message: string): void {
    if (this.problems.has(message)) return;
    this.problems.add(message);
    this.onEvent({ type: 'problem', message });
  }
}
