/**
 * Browsing with liveness, driven by a fake mDNS network on a manual clock: a killed host vanishes within
 * 6 s, comes back at its first announcement, survives lost packets, and bad records are logged once.
 */
import assert from 'node:assert/strict';
import { describeAmbiguous, formatHostTable, HostFinder, hostsNamed, noHostsReason } from '../../src/app/host-finder.js';
import type { DirectoryEvent } from '../../src/core/host-directory.js';
import { encodeHostTxt, type HostAdvert, type HostRecord } from '../../src/core/host-record.js';
import type { Browser, BrowserHandlers, ServiceSighting } from '../../src/ports/discovery.js';
import { ManualClock } from '../fakes/manual-clock.js';

interface FakeHost {
  sighting: ServiceSighting;
  alive: boolean;
}

/**
 * An mDNS network as bonjour-service shows it: each query() starts a fresh scan that every live host
 * answers; an announcement is reported only if the current scan has not seen that instance yet.
 */
class FakeNetwork implements Browser {
  readonly hosts = new Map<string, FakeHost>();
  handlers: BrowserHandlers | undefined;
  queries = 0;
  /** Answers to drop (lost packets), counted down per answer. */
  dropAnswers = 0;
  private scanSeen = new Set<string>();
  stopped = false;

  start(handlers: BrowserHandlers): void {
    this.handlers = handlers;
    this.query();
  }

  query(): void {
    if (this.stopped) return;
    this.queries++;
    this.scanSeen = new Set();
    for (const host of this.hosts.values()) {
      if (!host.alive) continue;
      if (this.dropAnswers > 0) {
        this.dropAnswers--;
        continue;
      }
      this.scanSeen.add(host.sighting.instanceName);
      this.handlers?.onSighting(host.sighting);
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  /** A host starts (or restarts) and announces itself. */
  announce(sighting: ServiceSighting): void {
    this.hosts.set(sighting.instanceName, { sighting, alive: true });
    if (this.scanSeen.has(sighting.instanceName)) return; // bonjour-service reports a service once per browser
    this.scanSeen.add(sighting.instanceName);
    this.handlers?.onSighting(sighting);
  }

  /** SIGKILL: no goodbye, no more answers. */
  kill(instanceName: string): void {
    const host = this.hosts.get(instanceName);
    if (host !== undefined) host.alive = false;
  }

  goodbye(instanceName: string): void {
    this.kill(instanceName);
    this.handlers?.onGoodbye(instanceName);
  }
}

const advert: HostAdvert = { hostId: '3fa2c1d4e5f60718', displayName: 'Living room', port: 50007, codecs: ['pcm'], protocolVersion: 2, listeners: 0, codeRequired: false };

function hostSighting(overrides: Partial<ServiceSighting> = {}, advertOverrides: Partial<HostAdvert> = {}): ServiceSighting {
  return {
    instanceName: 'Living room (3fa2)',
    port: 50007,
    txt: encodeHostTxt({ ...advert, ...advertOverrides }),
    addresses: ['10.0.0.5'],
    senderAddress: '10.0.0.5',
    ...overrides,
  };
}

function setup() {
  const clock = new ManualClock();
  const network = new FakeNetwork();
  const problems: string[] = [];
  const finder = new HostFinder({ browser: network, clock, onProblem: (line) => problems.push(line) });
  const events: { atMs: number; event: DirectoryEvent }[] = [];
  finder.on((event) => events.push({ atMs: clock.now(), event }));
  return { clock, network, finder, events, problems };
}

/** Advances in 50 ms steps until `check` holds; returns the time it took [ms] or Infinity. */
function advanceUntil(clock: ManualClock, check: () => boolean, limitMs: number): number {
  const start = clock.now();
  while (!check()) {
    if (clock.now() - start > limitMs) return Infinity;
    clock.advance(50);
  }
  return clock.now() - start;
}

describe('host finder (liveness)', () => {
  it('lists a host that answers and keeps it while it keeps answering', () => {
    const { clock, network, finder, events } = setup();
    network.announce(hostSighting());
    finder.start();
    assert.deepEqual(finder.hosts().map((h) => h.displayName), ['Living room']);
    clock.advance(60_000);
    assert.deepEqual(events.map((e) => e.event.type), ['up']);
    assert.ok(network.queries >= 40, `re-queried every ~1.4 s (${network.queries} queries)`);
  });

  it('drops a host killed without goodbye within 6 s, whatever the moment of the kill', () => {
    let worst = 0;
    for (let phaseMs = 0; phaseMs < 1400; phaseMs += 100) {
      const { clock, network, finder } = setup();
      network.announce(hostSighting());
      finder.start();
      clock.advance(10_000 + phaseMs);
      network.kill('Living room (3fa2)');
      const tookMs = advanceUntil(clock, () => finder.hosts().length === 0, 10_000);
      worst = Math.max(worst, tookMs);
    }
    assert.ok(worst <= 6000, `gone within 6 s in every phase (worst ${worst} ms)`);
    assert.ok(worst >= 3000, `but not hastily (worst ${worst} ms)`);
  });

  it('survives two lost answers in a row', () => {
    const { clock, network, finder, events } = setup();
    network.announce(hostSighting());
    finder.start();
    clock.advance(5000);
    network.dropAnswers = 2;
    clock.advance(10_000);
    assert.deepEqual(events.map((e) => e.event.type), ['up']);
  });

  it('shows a killed host again at its first announcement after it comes back', () => {
    const { clock, network, finder, events } = setup();
    network.announce(hostSighting());
    finder.start();
    clock.advance(3000);
    network.kill('Living room (3fa2)');
    advanceUntil(clock, () => finder.hosts().length === 0, 10_000);
    clock.advance(700);
    const backAt = clock.now();
    network.announce(hostSighting({ addresses: ['10.0.0.9'], senderAddress: '10.0.0.9' }));
    assert.deepEqual(events.map((e) => e.event.type), ['up', 'down', 'up']);
    assert.equal(events[2]?.atMs, backAt, 'reported at the announcement itself');
    assert.equal(finder.hosts()[0]?.address, '10.0.0.9', 'at its new address');
  });

  it('follows a host that restarts elsewhere before it expired', () => {
    const { clock, network, finder, events } = setup();
    network.announce(hostSighting());
    finder.start();
    clock.advance(3000);
    network.kill('Living room (3fa2)');
    clock.advance(1000);
    network.announce(hostSighting({ addresses: ['10.0.0.9'], senderAddress: '10.0.0.9' }));
    clock.advance(1500);
    assert.deepEqual(events.map((e) => e.event.type), ['up', 'changed']);
    assert.equal(finder.hosts()[0]?.address, '10.0.0.9');
  });

  it('drops a host at once when it says goodbye', () => {
    const { clock, network, finder, events } = setup();
    network.announce(hostSighting());
    finder.start();
    clock.advance(2000);
    network.goodbye('Living room (3fa2)');
    const last = events.at(-1)?.event;
    assert.ok(last?.type === 'down' && last.reason === 'goodbye');
    assert.equal(events.at(-1)?.atMs, 2000);
  });

  it('follows the advertised listener count', () => {
    const { clock, network, finder } = setup();
    network.announce(hostSighting());
    finder.start();
    network.hosts.set('Living room (3fa2)', { sighting: hostSighting({}, { listeners: 2 }), alive: true });
    clock.advance(1500);
    assert.equal(finder.hosts()[0]?.listeners, 2);
  });

  it('logs each bad record once and ignores it, keeping the good ones', () => {
    const { clock, network, finder, problems } = setup();
    network.announce(hostSighting());
    network.announce(hostSighting({ instanceName: 'Broken (0000)', port: 0 }));
    network.announce(hostSighting({ instanceName: 'No TXT (0001)', txt: undefined }));
    network.announce(hostSighting({ instanceName: 'Garbage (0002)', txt: { '\u0000': true, id: '???' } }));
    finder.start();
    clock.advance(30_000);
    assert.deepEqual(finder.hosts().map((h) => h.displayName), ['Living room']);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /Broken \(0000\).*bad port 0/);
    assert.match(problems.join('\n'), /No TXT \(0001\).*no TXT/);
    assert.match(problems.join('\n'), /Garbage \(0002\).*id/);
  });

  it('caps how many distinct bad records it reports', () => {
    const { clock, network, finder, problems } = setup();
    for (let i = 0; i < 200; i++) network.announce(hostSighting({ instanceName: `Bad ${i}`, port: -1 }));
    finder.start();
    clock.advance(5000);
    assert.ok(problems.length <= 51, `${problems.length} lines`);
    assert.match(problems.at(-1) ?? '', /more bad records/);
  });

  it('stops querying when stopped; stop is safe twice', async () => {
    const { clock, network, finder } = setup();
    finder.start();
    await finder.stop();
    await finder.stop();
    const queries = network.queries;
    clock.advance(10_000);
    assert.equal(network.queries, queries);
  });

  it('waits for a host or for the timeout', async () => {
    const { clock, network, finder } = setup();
    finder.start();
    const waiting = finder.waitFor((hosts) => hosts.length > 0, 3000);
    clock.advance(1000);
    network.announce(hostSighting());
    assert.equal((await waiting).length, 1);
    const nothing = finder.waitFor(() => false, 3000);
    clock.advance(3000);
    assert.equal((await nothing).length, 1);
  });
});

describe('host lookup by name', () => {
  const host = (id: string, name: string, address: string): HostRecord => ({
    hostId: id, displayName: name, instanceName: `${name} (${id.slice(0, 4)})`, address, addresses: [address], port: 50007, codecs: ['opus'], protocolVersion: 2, listeners: 1, codeRequired: false,
  });
  const hosts = [host('aaaa0000', 'Living room', '10.0.0.1'), host('bbbb0000', 'living ROOM', '10.0.0.2'), host('cccc0000', 'Kitchen', '10.0.0.3')];

  it('matches display names exactly, ignoring case', () => {
    assert.deepEqual(hostsNamed(hosts, 'kitchen').map((h) => h.address), ['10.0.0.3']);
    assert.deepEqual(hostsNamed(hosts, 'Kitch'), []);
    assert.equal(hostsNamed(hosts, 'LIVING room').length, 2);
  });

  it('names every host sharing a name by id and address, in one line', () => {
    const line = describeAmbiguous('Living room', hostsNamed(hosts, 'living room'));
    assert.ok(!line.includes('\n'));
    assert.match(line, /2 hosts are named 'Living room' \(aaaa at 10\.0\.0\.1:50007, bbbb at 10\.0\.0\.2:50007\)/);
  });

  it('explains an empty result and how to connect by address', () => {
    const line = noHostsReason(3000);
    assert.ok(!line.includes('\n'));
    for (const hint of [/3 s/, /firewall/, /subnet/, /client isolation/, /auralync listen 192\.168\.x\.y/]) assert.match(line, hint);
  });

  it('prints a table with name, address, port, codec, listeners, whether a code is needed, and id', () => {
    const lines = formatHostTable([hosts[2] as HostRecord, { ...(hosts[2] as HostRecord), codeRequired: true }]);
    assert.match(lines[0] as string, /^NAME\s+ADDRESS\s+PORT\s+CODEC\s+LISTENERS\s+CODE\s+ID$/);
    assert.match(lines[1] as string, /^Kitchen\s+10\.0\.0\.3\s+50007\s+opus\s+1\s+no\s+cccc$/);
    assert.match(lines[2] as string, /^Kitchen\s+10\.0\.0\.3\s+50007\s+opus\s+1\s+yes\s+cccc$/);
  });
});
