/**
 * Keeps a host's mDNS advert current: starts it once the port is known, follows listeners joining and
 * leaving (TXT updates coalesced, so a crowd joining at once sends one update), and sends goodbyes on stop.
 */
import type { HostAdvert } from '../core/host-record.js';
import type { Clock } from '../ports/clock.js';
import type { Advertiser } from '../ports/discovery.js';
import type { HostEvent } from './host-session.js';

/** Options of a HostAdvertising. */
export interface HostAdvertisingOptions {
  readonly advertiser: Advertiser;
  readonly clock: Clock;
  /** The running host's events (listener joins and leaves). */
  readonly session: { on(handler: (event: HostEvent) => void): () => void };
  /** What to advertise; the listener count starts from `advert.listeners`. */
  readonly advert: HostAdvert;
  /** Receives one line per notable event (announced, name conflict, socket trouble). */
  readonly log: (line: string) => void;
  /** Listener-count changes within this window go out as one update [ms]. */
  readonly coalesceMs?: number;
}

/** A host's advert for as long as the host runs. */
export class HostAdvertising {
  private listeners: number;
  private advertised: number;
  private cancelPending: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: HostAdvertisingOptions) {
    this.listeners = options.advert.listeners;
    this.advertised = this.listeners;
  }

  /** Listeners counted from the host's events. */
  get listenerCount(): number {
    return this.listeners;
  }

  /** Starts advertising and following the listener count. */
  async start(): Promise<void> {
    this.unsubscribe = this.options.session.on((event) => {
      if (event.type === 'listener-joined') this.listeners++;
      else if (event.type === 'listener-left') this.listeners = Math.max(0, this.listeners - 1);
      else return;
      this.schedule();
    });
    await this.options.advertiser.start(this.options.advert, (event) => {
      switch (event.type) {
        case 'announced':
          this.options.log(`advertised as '${event.instanceName}' on the local network (mDNS)`);
          break;
        case 'name-conflict':
          this.options.log(`warning: another device on the network already uses the name '${event.instanceName}'; not advertised (listeners can still connect by address)`);
          break;
        case 'problem':
          this.options.log(`warning: mDNS: ${event.message} (listeners can still connect by address)`);
          break;
      }
    });
  }

  /** Sends goodbyes and stops following; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.unsubscribe?.();
      this.cancelPending?.();
      this.cancelPending = undefined;
      await this.options.advertiser.stop();
    })();
    return this.stopping;
  }

  private schedule(): void {
    if (this.cancelPending !== undefined || this.stopping !== undefined) return;
    this.cancelPending = this.options.clock.setTimeout(() => {
      this.cancelPending = undefined;
      if (this.listeners === this.advertised || this.stopping !== undefined) return;
      this.advertised = this.listeners;
      this.options.advertiser.setListenerCount(this.listeners);
    }, this.options.coalesceMs ?? 200);
  }
}
