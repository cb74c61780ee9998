/**
 * Browser over bonjour-service. A standing bonjour browser hears announcements and goodbyes; each
 * query() starts a fresh bonjour browser (and drops the previous one), because a bonjour browser
 * reports a service only once: a fresh one reports every host that answers, which is what liveness
 * needs, and it does not know hosts that died since, so their return is reported at their first
 * announcement.
 */
import { Bonjour, type Browser as BonjourServiceBrowser, type Service } from 'bonjour-service';
import { describeError } from '../../core/errors.js';
import { SERVICE_TYPE } from '../../core/host-record.js';
import type { Browser, BrowserHandlers, ServiceSighting } from '../../ports/discovery.js';
import { guardSocket, internalsOf } from './bonjour-internals.js';

/** Finds `_auralync._tcp` services with bonjour-service. */
export class BonjourBrowser implements Browser {
  private bonjour: Bonjour | undefined;
  private standing: BonjourServiceBrowser | undefined;
  private scan: BonjourServiceBrowser | undefined;
  private handlers: BrowserHandlers | undefined;
  private stopping: Promise<void> | undefined;

  start(handlers: BrowserHandlers): void {
    if (this.bonjour !== undefined || this.stopping !== undefined) return;
    this.handlers = handlers;
    try {
      const bonjour = new Bonjour({}, (err: unknown) => handlers.onProblem(describeError(err)));
      this.bonjour = bonjour;
      const { mdns } = internalsOf(bonjour);
      if (mdns !== undefined) {
        guardSocket(mdns, (message) => handlers.onProblem(message));
        mdns.on('error', (err: Error) => handlers.onProblem(`cannot use UDP port 5353: ${describeError(err)}`));
        mdns.on('warning', (err: NodeJS.ErrnoException) => {
          // Socket warnings (an interface without multicast) are routine; a decode failure means garbage on 5353.
          if (err.syscall === undefined) handlers.onProblem('ignored undecodable packets on UDP 5353');
        });
      }
      this.standing = this.watch(bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' }));
    } catch (err) {
      handlers.onProblem(describeError(err));
    }
  }

  query(): void {
    if (this.bonjour === undefined || this.stopping !== undefined) return;
    try {
      const next = this.watch(this.bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' }));
      this.scan?.stop();
      this.scan = next;
    } catch (err) {
      this.handlers?.onProblem(describeError(err));
    }
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.scan?.stop();
      this.standing?.stop();
      const bonjour = this.bonjour;
      if (bonjour === undefined) return resolve();
      try {
        bonjour.destroy(() => resolve());
      } catch {
        resolve();
      }
    });
    return this.stopping;
  }

  private watch(browser: BonjourServiceBrowser): BonjourServiceBrowser {
    const sight = (service: Service) => {
      if (this.stopping === undefined) this.handlers?.onSighting(toSighting(service));
    };
    browser.on('up', sight);
    browser.on('txt-update', sight);
    browser.on('srv-update', sight);
    browser.on('down', (service: Service) => {
      if (this.stopping === undefined && typeof service.name === 'string') this.handlers?.onGoodbye(service.name);
    });
    return browser;
  }
}

function toSighting(service: Service): ServiceSighting {
  return {
    instanceName: service.name,
    port: service.port,
    txt: service.txt,
    addresses: Array.isArray(service.addresses) ? service.addresses.filter((a): a is string => typeof a === 'string') : [],
    senderAddress: typeof service.referer?.address === 'string' ? service.referer.address : undefined,
  };
}
