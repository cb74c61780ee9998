/** The host directory: which hosts a browser shows, and when a silent host disappears. */
import assert from 'node:assert/strict';
import { HostDirectory } from '../../src/core/host-directory.js';
import type { HostRecord } from '../../src/core/host-record.js';
import { ManualClock } from '../fakes/manual-clock.js';

function record(overrides: Partial<HostRecord> = {}): HostRecord {
  return {
    hostId: 'aaaa000011112222',
    displayName: 'Living room',
    instanceName: 'Living room (aaaa)',
    address: '10.0.0.5',
    addresses: ['10.0.0.5'],
    port: 50007,
    codecs: ['opus', 'pcm'],
    protocolVersion: 2,
    listeners: 0,
    codeRequired: false,
    ...overrides,
  };
}

describe('host directory', () => {
  it('reports a new host as up once, and repeats of the same answer as nothing', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    assert.deepEqual(directory.seen(record()).map((e) => e.type), ['up']);
    clock.advance(1400);
    assert.deepEqual(directory.seen(record()), []);
    assert.deepEqual(directory.hosts().map((h) => h.displayName), ['Living room']);
  });

  it('reports what people see changing: listener count, address, port, name', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    directory.seen(record());
    for (const change of [{ listeners: 2 }, { address: '10.0.0.9', addresses: ['10.0.0.9'] }, { port: 6000 }, { displayName: 'Kitchen', instanceName: 'Kitchen (aaaa)' }]) {
      const events = directory.seen(record(change));
      assert.equal(events.length, 1, JSON.stringify(change));
      assert.equal(events[0]?.type, 'changed');
    }
    assert.equal(directory.hosts().length, 1, 'one host: keyed by its stable id, not its name');
    assert.equal(directory.get('aaaa000011112222')?.displayName, 'Kitchen');
  });

  it('drops a host that stops answering after the expiry, not before', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    directory.seen(record());
    clock.advance(4499);
    assert.deepEqual(directory.expire(), []);
    clock.advance(1);
    const events = directory.expire();
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.type === 'down' && [events[0].host.hostId, events[0].reason], ['aaaa000011112222', 'expired']);
    assert.deepEqual(directory.hosts(), []);
    assert.deepEqual(directory.expire(), [], 'down is reported once');
  });

  it('keeps a host that keeps answering alive indefinitely', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    directory.seen(record());
    for (let i = 0; i < 100; i++) {
      clock.advance(1400);
      directory.seen(record());
      assert.deepEqual(directory.expire(), []);
    }
    assert.equal(directory.hosts().length, 1);
  });

  it('drops a host at once on goodbye, and ignores goodbyes for names it does not know', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    directory.seen(record());
    assert.deepEqual(directory.goodbye('Someone else (bbbb)'), []);
    const events = directory.goodbye('Living room (aaaa)');
    assert.deepEqual(events.map((e) => e.type === 'down' && e.reason), ['goodbye']);
    assert.deepEqual(directory.hosts(), []);
  });

  it('reports a host that comes back after expiring as up again', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    directory.seen(record());
    clock.advance(5000);
    directory.expire();
    assert.deepEqual(directory.seen(record({ address: '10.0.0.77', addresses: ['10.0.0.77'] })).map((e) => e.type), ['up']);
    assert.equal(directory.get('aaaa000011112222')?.address, '10.0.0.77');
  });

  it('keeps two hosts with the same display name apart and lists them by name', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    directory.seen(record({ hostId: 'bbbb000011112222', instanceName: 'Living room (bbbb)', address: '10.0.0.6' }));
    directory.seen(record());
    directory.seen(record({ hostId: 'cccc000011112222', displayName: 'Attic', instanceName: 'Attic (cccc)' }));
    assert.deepEqual(directory.hosts().map((h) => `${h.displayName}/${h.hostId.slice(0, 4)}`), ['Attic/cccc', 'Living room/aaaa', 'Living room/bbbb']);
  });

  it('keeps using an address the host still advertises, so a host on two interfaces does not flip', () => {
    const clock = new ManualClock();
    const directory = new HostDirectory(clock, { expiryMs: 4500 });
    const both = ['10.0.0.5', '192.168.1.5'];
    directory.seen(record({ address: '10.0.0.5', addresses: both }));
    assert.deepEqual(directory.seen(record({ address: '192.168.1.5', addresses: both })), []);
    assert.equal(directory.get('aaaa000011112222')?.address, '10.0.0.5');
    const moved = directory.seen(record({ address: '192.168.1.5', addresses: ['192.168.1.5'] }));
    assert.deepEqual(moved.map((e) => e.type), ['changed'], 'but follows it once the old address is gone');
    assert.equal(directory.get('aaaa000011112222')?.address, '192.168.1.5');
  });

  it('refuses a non-positive expiry at construction', () => {
    assert.throws(() => new HostDirectory(new ManualClock(), { expiryMs: 0 }), RangeError);
  });
});
