/** A listener following its host: the address is asked for again before each reconnect. */
import assert from 'node:assert/strict';
import { HostAdvertising } from '../../src/app/host-advertising.js';
import type { HostEvent, ListenerInfo } from '../../src/app/host-session.js';
import { ListenerSession } from '../../src/app/listener-session.js';
import { Backoff } from '../../src/core/backoff.js';
import type { HostAdvert } from '../../src/core/host-record.js';
import type { StreamSink } from '../../src/ports/audio-sink.js';
import type { Advertiser, AdvertiserEvent } from '../../src/ports/discovery.js';
import type { ByteChannel, ChannelConnector } from '../../src/ports/transport.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemoryChannel } from '../fakes/memory-channel.js';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

class RecordingConnector implements ChannelConnector {
  readonly calls: string[] = [];
  readonly hostEnds: MemoryChannel[] = [];
  connect(host: string, port: number): Promise<ByteChannel> {
    this.calls.push(`${host}:${port}`);
    const [hostEnd, listenerEnd] = MemoryChannel.pair();
    this.hostEnds.push(hostEnd);
    return Promise.resolve(listenerEnd);
  }
}

const nullSink: StreamSink = { kind: 'stream', description: 'nowhere', write: () => Promise.resolve(), close: () => Promise.resolve() };

function listener(resolveAddress?: () => Promise<{ host: string; port: number } | undefined>) {
  const clock = new ManualClock();
  const connector = new RecordingConnector();
  const session = new ListenerSession({
    host: '10.0.0.5', port: 50007, connector, sink: nullSink, clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'ann',
    backoff: new Backoff(100, 100, () => 0.5), resolveAddress,
  });
  return { clock, connector, session };
}

/** Ends the current connection from the host's side and lets the listener wait out its backoff. */
async function dropAndWait(clock: ManualClock, connector: RecordingConnector): Promise<void> {
  connector.hostEnds.at(-1)?.destroy();
  await flush();
  clock.advance(100);
  await flush();
}

describe('listener following its host (resolveAddress)', () => {
  it('reconnects to where the host is now, asking before each reconnect but not the first connect', async () => {
    const answers = [{ host: '10.0.0.9', port: 6000 }, undefined, { host: '10.0.0.11', port: 6001 }];
    let asked = 0;
    const { clock, connector, session } = listener(() => Promise.resolve(answers[asked++]));
    await session.start();
    await flush();
    assert.deepEqual(connector.calls, ['10.0.0.5:50007']);
    assert.equal(asked, 0);
    await dropAndWait(clock, connector);
    await dropAndWait(clock, connector);
    await dropAndWait(clock, connector);
    assert.deepEqual(connector.calls, ['10.0.0.5:50007', '10.0.0.9:6000', '10.0.0.9:6000', '10.0.0.11:6001'], 'an unknown answer keeps the last address');
    await session.stop();
  });

  it('keeps the last address when the lookup fails or answers nonsense', async () => {
    const answers: (() => Promise<{ host: string; port: number } | undefined>)[] = [
      () => Promise.reject(new Error('mDNS socket failed')),
      () => Promise.resolve({ host: '10.0.0.9', port: 0 }),
      () => Promise.resolve({ host: '', port: 6000 }),
    ];
    let asked = 0;
    const { clock, connector, session } = listener(() => (answers[asked++] as () => Promise<{ host: string; port: number } | undefined>)());
    await session.start();
    await flush();
    for (let i = 0; i < 3; i++) await dropAndWait(clock, connector);
    assert.deepEqual(connector.calls, ['10.0.0.5:50007', '10.0.0.5:50007', '10.0.0.5:50007', '10.0.0.5:50007']);
    await session.stop();
  });

  it('behaves exactly as before without resolveAddress', async () => {
    const { clock, connector, session } = listener();
    await session.start();
    await flush();
    await dropAndWait(clock, connector);
    assert.deepEqual(connector.calls, ['10.0.0.5:50007', '10.0.0.5:50007']);
    await session.stop();
  });
});

class FakeAdvertiser implements Advertiser {
  started: HostAdvert | undefined;
  counts: number[] = [];
  stops = 0;
  onEvent: (event: AdvertiserEvent) => void = () => {};
  start(advert: HostAdvert, onEvent: (event: AdvertiserEvent) => void): Promise<void> {
    this.started = advert;
    this.onEvent = onEvent;
    return Promise.resolve();
  }
  setListenerCount(count: number): void {
    this.counts.push(count);
  }
  stop(): Promise<void> {
    this.stops++;
    return Promise.resolve();
  }
}

describe('host advertising (listener count in the TXT record)', () => {
  const advert: HostAdvert = { hostId: '3fa2c1d4e5f60718', displayName: 'Living room', port: 50007, codecs: ['pcm'], protocolVersion: 2, listeners: 0, codeRequired: false };
  const format = { protocol: 'v2' as const, codec: 'pcm' as const };

  function setup() {
    const clock = new ManualClock();
    const advertiser = new FakeAdvertiser();
    const handlers = new Set<(event: HostEvent) => void>();
    const session = { on: (handler: (event: HostEvent) => void) => (handlers.add(handler), () => handlers.delete(handler)) };
    const emit = (event: HostEvent) => handlers.forEach((handler) => handler(event));
    const log: string[] = [];
    const advertising = new HostAdvertising({ advertiser, clock, session, advert, log: (line) => log.push(line) });
    return { clock, advertiser, emit, log, advertising, handlers };
  }

  /** A listener's figures as a host has them when it leaves. */
  const lastHeard = (name: string): ListenerInfo => ({
    name, address: '10.0.0.2', format: 'v2 opus', droppedFrames: 0, queuedFrames: 0, bytesSent: 0, latencyMs: 80, underruns: 0, driftPpm: 3, jitterMs: 9, reconnecting: false,
  });

  it('advertises the host and keeps the listener count current, one update per burst', async () => {
    const { clock, advertiser, emit, advertising } = setup();
    await advertising.start();
    assert.deepEqual(advertiser.started, advert);
    for (const name of ['a', 'b', 'c']) emit({ type: 'listener-joined', name, address: '10.0.0.2', format });
    clock.advance(200);
    assert.deepEqual(advertiser.counts, [3]);
    emit({ type: 'listener-left', name: 'a', address: '10.0.0.2', reason: 'left', last: lastHeard('a') });
    emit({ type: 'source-ended' });
    clock.advance(200);
    assert.deepEqual(advertiser.counts, [3, 2]);
    emit({ type: 'listener-joined', name: 'd', address: '10.0.0.2', format });
    emit({ type: 'listener-left', name: 'd', address: '10.0.0.2', reason: 'left', last: lastHeard('d') });
    clock.advance(200);
    assert.deepEqual(advertiser.counts, [3, 2], 'no update when the count ends where it was');
    assert.equal(advertising.listenerCount, 2);
  });

  it('says what happened in one line each', async () => {
    const { advertiser, advertising, log } = setup();
    await advertising.start();
    advertiser.onEvent({ type: 'announced', instanceName: 'Living room (3fa2)' });
    advertiser.onEvent({ type: 'name-conflict', instanceName: 'Living room (3fa2)' });
    advertiser.onEvent({ type: 'problem', message: 'cannot use UDP port 5353: EACCES' });
    assert.equal(log.length, 3);
    assert.match(log[0] as string, /advertised as 'Living room \(3fa2\)'/);
    assert.match(log[1] as string, /already uses the name/);
    assert.match(log[2] as string, /EACCES.*connect by address/);
  });

  it('stops following and sends goodbyes once, however often it is stopped', async () => {
    const { clock, advertiser, emit, advertising, handlers } = setup();
    await advertising.start();
    emit({ type: 'listener-joined', name: 'a', address: '10.0.0.2', format });
    await advertising.stop();
    await advertising.stop();
    clock.advance(1000);
    assert.equal(advertiser.stops, 1);
    assert.deepEqual(advertiser.counts, [], 'no update after stop');
    assert.equal(handlers.size, 0, 'unsubscribed from the host');
  });
});
