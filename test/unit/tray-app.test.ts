/** The tray app end to end over fakes: menu clicks start real host and listener sessions on an in-memory network. */
import assert from 'node:assert/strict';
import { HostSession } from '../../src/app/host-session.js';
import { TrayApp, type TrayAppDeps, type TrayHostFinder } from '../../src/app/tray-app.js';
import { AuraError } from '../../src/core/errors.js';
import { parseWelcome } from '../../src/core/handshake.js';
import type { DirectoryEvent } from '../../src/core/host-directory.js';
import type { HostAdvert, HostRecord } from '../../src/core/host-record.js';
import type { Settings } from '../../src/core/settings-schema.js';
import { decodeJsonBody, encodeJsonFrame, encodePing, FrameReader, FrameType, type Frame } from '../../src/core/v2-frames.js';
import type { AudioSink } from '../../src/ports/audio-sink.js';
import type { Advertiser } from '../../src/ports/discovery.js';
import { FakeAudioSource } from '../fakes/fake-audio-source.js';
import { FakeAutostart } from '../fakes/fake-autostart.js';
import { FakeNotifier } from '../fakes/fake-notifier.js';
import { FakeTray } from '../fakes/fake-tray.js';
import { LoopbackNetwork } from '../fakes/loopback-network.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { MemorySettingsStore } from '../fakes/memory-settings-store.js';
import { CountingSink, UnpluggedSink } from '../fakes/recording-sink.js';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

class FakeFinder implements TrayHostFinder {
  list: HostRecord[] = [];
  private handlers = new Set<(event: DirectoryEvent) => void>();
  started = false;
  start(): void {
    this.started = true;
  }
  async stop(): Promise<void> {}
  hosts(): HostRecord[] {
    return this.list;
  }
  on(handler: (event: DirectoryEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  up(host: HostRecord): void {
    this.list = [...this.list, host];
    for (const h of this.handlers) h({ type: 'up', host });
  }
  down(host: HostRecord): void {
    this.list = this.list.filter((h) => h.hostId !== host.hostId);
    for (const h of this.handlers) h({ type: 'down', host, reason: 'goodbye' });
  }
}

class FakeAdvertiser implements Advertiser {
  started = false;
  stopped = false;
  advert: HostAdvert | undefined;
  async start(advert: HostAdvert): Promise<void> {
    this.started = true;
    this.advert = advert;
  }
  setListenerCount(): void {}
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

const OWN_ID = 'aaaa000000000001';

function denRecord(port: number): HostRecord {
  return { hostId: 'dddd000000000002', displayName: 'Den', instanceName: 'Den (dddd)', address: '127.0.0.1', addresses: ['127.0.0.1'], port, codecs: ['pcm'], protocolVersion: 2, listeners: 0, codeRequired: false };
}

function setup(settings: Partial<Settings> = {}, options: { sink?: () => AudioSink; discovery?: boolean } = {}) {
  const clock = new ManualClock();
  const tray = new FakeTray();
  const notifier = new FakeNotifier();
  const autostart = new FakeAutostart();
  const store = new MemorySettingsStore({ port: 50100, ...settings });
  const network = new LoopbackNetwork();
  const sources: FakeAudioSource[] = [];
  const sinks: AudioSink[] = [];
  const finder = new FakeFinder();
  const advertisers: FakeAdvertiser[] = [];
  const deviceNotices: ((line: string) => void)[] = [];
  const logs: string[] = [];
  const deps: TrayAppDeps = {
    tray,
    notifier,
    autostart,
    settingsStore: store,
    clock,
    log: (line) => logs.push(line),
    computerName: 'my-pc',
    audio: {
      catalog: { list: async () => [{ id: 'speakers', name: 'Speakers', kind: 'output', isDefault: true }] },
      captureSource: async (_id, onDeviceNotice) => {
        deviceNotices.push(onDeviceNotice);
        const source = new FakeAudioSource();
        sources.push(source);
        return source;
      },
      playbackSink: async (_id, onDeviceNotice) => {
        deviceNotices.push(onDeviceNotice);
        const sink = options.sink?.() ?? new CountingSink();
        sinks.push(sink);
        return sink;
      },
      opusEncoderFactory: undefined,
      opusDecoderFactory: undefined,
    },
    server: () => network.server(),
    connector: () => network,
    discovery:
      options.discovery === false
        ? undefined
        : {
            finder,
            advertiser: () => {
              const advertiser = new FakeAdvertiser();
              advertisers.push(advertiser);
              return advertiser;
            },
            hostId: async () => OWN_ID,
          },
    hidden: true,
  };
  const app = new TrayApp(deps);
  return { app, clock, tray, notifier, autostart, store, network, sources, sinks, finder, advertisers, logs, deviceNotices };
}

/** A host on the loopback network, as another computer would run it. */
async function otherHost(network: LoopbackNetwork, clock: ManualClock, port: number) {
  const source = new FakeAudioSource();
  const host = new HostSession({ source, server: network.server(), clock, port, codec: 'pcm', hostName: 'Den' });
  await host.start();
  return { host, source };
}

describe('tray app', () => {
  it('shows the tray, then hosts on "Start hosting" and says who joined', async () => {
    const { app, tray, clock, notifier, store, network, advertisers } = setup();
    await app.start();
    assert.equal(tray.view.icon, 'idle');
    tray.click('hosting');
    await app.idle();
    await flush();
    assert.equal(tray.view.icon, 'hosting');
    assert.equal(tray.item('hosting').label, 'Stop hosting');
    assert.equal(tray.item('status').label, "Hosting 'my-pc' · 0 listeners · port 50100");
    assert.equal(store.current.modeAtExit, 'hosting');
    assert.ok(advertisers[0]?.started, 'advertised over discovery');

    // A listener joins over the (loopback) network.
    const { ListenerSession } = await import('../../src/app/listener-session.js');
    const listener = new ListenerSession({ host: '127.0.0.1', port: 50100, connector: network, sink: new CountingSink(), clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'Alice' });
    await listener.start();
    await flush();
    clock.advance(1000);
    // Its health as it reports it (no audio yet, so no latency or jitter to tell).
    assert.deepEqual(tray.visibleLabels('listeners'), ['Alice: latency unknown, 0 underruns, 0 drops, drift 0 ppm']);
    assert.match(tray.item('status').label, /· 1 listener ·/);
    clock.advance(1500);
    assert.deepEqual(notifier.shown.map((n) => `${n.title}: ${n.body}`), ['Listener joined: Alice']);

    await listener.stop();
    await flush();
    clock.advance(6000);
    assert.deepEqual(notifier.titles(), ['Listener joined', 'Listener left']);
    assert.deepEqual(tray.visibleLabels('listeners'), ['No listeners yet']);

    tray.click('hosting');
    await app.idle();
    assert.equal(tray.view.icon, 'idle');
    assert.equal(store.current.modeAtExit, 'idle');
    assert.ok(advertisers[0]?.stopped, 'goodbyes sent');
    await app.stop();
    assert.ok(tray.stopped);
  });

  it('a listener back on a new connection is one listener: logged as rejoined, no second notification', async () => {
    const { app, tray, clock, notifier, network, logs } = setup();
    await app.start();
    tray.click('hosting');
    await app.idle();
    await flush();
    /** A listener's connection by hand: its Hello, and the Welcome it gets back. */
    const connectAs = async (fields: Record<string, unknown>) => {
      const channel = await network.connect('127.0.0.1', 50100);
      const reader = new FrameReader();
      const frames: Frame[] = [];
      channel.onData((bytes) => frames.push(...reader.push(bytes)));
      channel.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name: 'Alice', ...fields }));
      await flush();
      const welcome = frames.find((f) => f.type === FrameType.Welcome);
      assert.ok(welcome !== undefined, 'welcomed');
      return { welcome: parseWelcome(decodeJsonBody(welcome.body)), ping: () => channel.write(encodePing(clock.now())) };
    };
    const first = await connectAs({});
    clock.advance(2500);
    assert.deepEqual(notifier.titles(), ['Listener joined']);
    const second = await connectAs({ resumes: first.welcome.resumeToken?.toString('base64') });
    clock.advance(1000);
    assert.ok(logs.some((line) => line.startsWith('~ Alice rejoined')), logs.join('\n'));
    assert.deepEqual(tray.visibleLabels('listeners'), ['Alice: latency unknown, 0 drops']);
    // Long enough for any 'left' or 'joined' to be shown (notifications are at least 5 s apart).
    for (let i = 0; i < 8; i++) {
      second.ping();
      await flush();
      clock.advance(1000);
    }
    assert.deepEqual(notifier.titles(), ['Listener joined'], 'no "left" and no second "joined"');
    assert.deepEqual(tray.visibleLabels('listeners'), ['Alice: latency unknown, 0 drops']);
    await app.stop();
  });

  it('resumes hosting at start when it was hosting at exit', async () => {
    const { app, tray } = setup({ modeAtExit: 'hosting' });
    await app.start();
    await app.idle();
    assert.equal(tray.view.icon, 'hosting');
    await app.stop();
  });

  it('a port in use: trouble icon, the reason, one notification', async () => {
    const { app, tray, notifier, network, clock } = setup();
    await otherHost(network, clock, 50100);
    await app.start();
    tray.click('hosting');
    await app.idle();
    assert.equal(tray.view.icon, 'trouble');
    assert.equal(tray.item('status').label, 'Cannot host: port 50100 is in use');
    assert.equal(tray.item('hosting').label, 'Start hosting');
    assert.deepEqual(notifier.titles(), ['Cannot start hosting']);
    await app.stop();
  });

  it('lists discovered hosts (not itself), listens to one, and follows it going away and coming back', async () => {
    const { app, tray, clock, notifier, finder, store, network, sinks } = setup();
    const den = await otherHost(network, clock, 50200);
    await app.start();
    await flush();
    finder.up({ ...denRecord(50100), hostId: OWN_ID, displayName: 'Me' });
    finder.up(denRecord(50200));
    assert.deepEqual(tray.visibleLabels('listen-to'), ['Den: 0 listeners']);
    tray.click('listen-to.0');
    await app.idle();
    await flush();
    clock.advance(0);
    assert.equal(tray.view.icon, 'listening');
    assert.deepEqual(tray.item('listen-to.0').checked, true);
    assert.deepEqual(notifier.titles(), ['Connected']);
    assert.deepEqual(store.current.lastHost, { hostId: 'dddd000000000002', displayName: 'Den', address: '127.0.0.1', port: 50200 });
    assert.equal(store.current.modeAtExit, 'listening');
    for (let i = 0; i < 10; i++) den.source.emit();
    await flush();
    assert.ok((sinks[0] as CountingSink).samples > 0, 'audio arrives');

    // The host stops sharing: goodbye over mDNS, then its goodbye on the stream.
    finder.down(denRecord(50200));
    await den.host.stop();
    await flush();
    clock.advance(100);
    await flush();
    assert.equal(tray.view.icon, 'trouble');
    assert.match(tray.item('status').label, /^Reconnecting to 'Den'/);
    clock.advance(10_000);
    assert.deepEqual(notifier.titles(), ['Connected', 'Host gone']);
    assert.deepEqual(tray.visibleLabels('listen-to'), ['Den (127.0.0.1:50200)'], 'the host being played stays listed');

    // It comes back: the listener reconnects on its own.
    const back = await otherHost(network, clock, 50200);
    finder.up(denRecord(50200));
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      await flush();
    }
    assert.equal(tray.view.icon, 'listening');
    assert.deepEqual(notifier.titles(), ['Connected', 'Host gone', 'Reconnected']);

    tray.click('stop-listening');
    await app.idle();
    assert.equal(tray.view.icon, 'idle');
    assert.equal(store.current.modeAtExit, 'idle');
    await back.host.stop();
    await app.stop();
  });

  it('resumes listening to the last host at start', async () => {
    const { app, tray, clock, network } = setup({ modeAtExit: 'listening', lastHost: { hostId: null, displayName: 'Den', address: '127.0.0.1', port: 50200 } }, { discovery: false });
    const den = await otherHost(network, clock, 50200);
    await app.start();
    await app.idle();
    await flush();
    assert.equal(tray.view.icon, 'listening');
    assert.match(tray.item('status').label, /^Listening to 'Den'/);
    await app.stop();
    await den.host.stop();
  });

  it('output device unavailable: a notification, the trouble icon, not listening', async () => {
    const { app, tray, notifier, finder, clock, network } = setup({}, { sink: () => new UnpluggedSink() });
    await otherHost(network, clock, 50200);
    await app.start();
    finder.up(denRecord(50200));
    tray.click('listen-to.0');
    await app.idle();
    assert.equal(tray.view.icon, 'trouble');
    assert.deepEqual(notifier.shown.map((n) => n.title), ['Output device unavailable']);
    assert.equal(tray.item('stop-listening').enabled, false);
    await app.stop();
  });

  it('a device that goes away mid-stream: its one line goes to the log and a notification', async () => {
    const { app, tray, notifier, finder, clock, network, logs, deviceNotices } = setup();
    await otherHost(network, clock, 50200);
    await app.start();
    tray.click('hosting');
    await app.idle();
    finder.up(denRecord(50200));
    tray.click('listen-to.0');
    await app.idle();
    assert.equal(deviceNotices.length, 2, 'the capture source and the playback sink each got a notice line');
    deviceNotices[0]!("capture device 'Monitor of USB' is gone (the device was removed); sending silence and retrying every 2 s");
    deviceNotices[1]!("output 'USB' is gone (the device was removed); playing on the default output 'Speakers'");
    await flush();
    const shown = notifier.shown.filter((n) => /device/.test(n.title));
    assert.deepEqual(shown.map((n) => n.title), ['Capture device', 'Output device']);
    assert.match(shown[1]!.body, /playing on the default output 'Speakers'/);
    assert.ok(logs.some((line) => /capture device 'Monitor of USB' is gone/.test(line)));
    assert.ok(logs.some((line) => /output 'USB' is gone/.test(line)));
    await app.stop();
  });

  it('an access code: made up and shown on click, saved, the host restarts with it; a listener without it is refused', async () => {
    const { app, tray, notifier, store, clock, network, advertisers } = setup();
    await app.start();
    tray.click('hosting');
    await app.idle();
    tray.click('access-code');
    await app.idle();
    const code = store.current.accessCode;
    assert.match(code ?? '', /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.equal(tray.item('access-code').label, `Access code: ${code}`);
    assert.ok(notifier.titles().includes(`Access code: ${code}`));
    assert.equal(tray.item('hosting').label, 'Stop hosting', 'hosting again, now with the code');
    assert.equal(advertisers.at(-1)?.advert?.codeRequired, true, 'the mDNS record says code=1');
    const { ListenerSession } = await import('../../src/app/listener-session.js');
    const refused: string[] = [];
    const stranger = new ListenerSession({ host: '127.0.0.1', port: 50100, connector: network, sink: new CountingSink(), clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'Eve' });
    stranger.on((event) => event.type === 'rejected' && refused.push(event.code));
    await stranger.start();
    const friend = new ListenerSession({ host: '127.0.0.1', port: 50100, connector: network, sink: new CountingSink(), clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'Ann', accessCode: code ?? '' });
    await friend.start();
    for (let i = 0; i < 20 && tray.visibleLabels('listeners')[0] === 'No listeners yet'; i++) {
      await flush();
      clock.advance(100);
    }
    assert.deepEqual(refused, ['no-code']);
    assert.deepEqual(tray.visibleLabels('listeners'), ['Ann: latency unknown, 0 underruns, 0 drops, drift 0 ppm']);
    await stranger.stop();
    await friend.stop();
    tray.click('access-code');
    await app.idle();
    assert.equal(store.current.accessCode, null);
    assert.equal(tray.item('access-code').label, 'Require an access code');
    await app.stop();
  });

  it('honours the Notifications toggle and saves it', async () => {
    const { app, tray, notifier, store, clock, network } = setup();
    await app.start();
    tray.click('notifications');
    await app.idle();
    assert.equal(store.current.notifications, false);
    assert.equal(tray.item('notifications').checked, false);
    tray.click('hosting');
    await app.idle();
    const { ListenerSession } = await import('../../src/app/listener-session.js');
    const listener = new ListenerSession({ host: '127.0.0.1', port: 50100, connector: network, sink: new CountingSink(), clock, protocol: 'v2', boost: 1, latencyMs: 60, name: 'Bob' });
    await listener.start();
    await flush();
    clock.advance(10_000);
    assert.deepEqual(notifier.shown, []);
    await listener.stop();
    await app.stop();
  });

  it('boost and devices are saved; the device menu lists the catalog', async () => {
    const { app, tray, store } = setup();
    await app.start();
    await flush();
    assert.deepEqual(tray.visibleLabels('output-device'), ['System default', 'Speakers (default)']);
    tray.click('boost.4');
    tray.click('output-device.0');
    await app.idle();
    assert.equal(store.current.boost, 4);
    assert.equal(store.current.outputDevice, 'speakers');
    assert.deepEqual(tray.item('boost.4').checked, true);
    assert.deepEqual(tray.item('output-device.0').checked, true);
    await app.stop();
  });

  it('Start at login shows what is really installed', async () => {
    const { app, tray, autostart, store } = setup({ startAtLogin: true });
    await app.start();
    assert.equal(tray.item('autostart').checked, false, 'the entry is not there, whatever the settings said');
    assert.equal(store.current.startAtLogin, false);
    tray.click('autostart');
    await app.idle();
    assert.equal(autostart.enabled, true);
    assert.equal(tray.item('autostart').checked, true);
    autostart.refuse = true;
    tray.click('autostart');
    await app.idle();
    assert.equal(tray.item('autostart').checked, true, 'still installed: the removal failed');
    assert.match(tray.item('status').label, /start at login: access denied/i);
    await app.stop();
  });

  it('settings reset from a damaged file: one notification and one log line', async () => {
    const { app, notifier, store, logs } = setup();
    store.loadResult = { ...store.loadResult, recovered: { reason: 'the settings file could not be read (Unexpected token)', backupPath: '/cfg/config.json.bad-x' } };
    await app.start();
    assert.deepEqual(notifier.titles(), ['Settings were reset']);
    assert.match(notifier.shown[0]?.body ?? '', /kept as \/cfg\/config\.json\.bad-x/);
    assert.equal(logs.filter((line) => /settings: .*bad-x/.test(line)).length, 1);
    await app.stop();
  });

  it('settings that cannot be saved (full or read-only disk): it runs on, says so once in a line and a notification', async () => {
    const { app, tray, notifier, store, logs } = setup();
    store.failSave = new AuraError('ERR_FILE', 'cannot save /cfg/config.json: ENOSPC: no space left on device');
    await app.start();
    tray.click('boost.4');
    await app.idle();
    tray.click('boost.2');
    await app.idle();
    await flush();
    assert.equal(tray.item('boost').label, 'Boost (2x)', 'the change applies for this run');
    assert.deepEqual(notifier.titles(), ['Settings cannot be saved']);
    assert.equal(logs.filter((line) => /settings will not be kept .*ENOSPC/.test(line)).length, 1);
    await app.stop();
  });

  it('a settings place it cannot write at start: the same one notice', async () => {
    const { app, notifier, store } = setup();
    store.loadResult = { ...store.loadResult, notSaved: 'cannot create the settings folder /ro/auralync: EROFS: read-only file system' };
    await app.start();
    assert.deepEqual(notifier.titles(), ['Settings cannot be saved']);
    assert.match(notifier.shown[0]?.body ?? '', /EROFS/);
    await app.stop();
  });

  it('no tray: start() rejects with the tray error and nothing is started', async () => {
    const { app, tray, finder } = setup({ modeAtExit: 'hosting' });
    tray.failStart = new AuraError('ERR_NO_TRAY', 'cannot show the tray icon (no display/tray)');
    await assert.rejects(app.start(), /cannot show the tray icon/);
    assert.equal(finder.started, false);
  });

  it('Quit resolves done with code 0; the tray going away resolves it with 1', async () => {
    const first = setup();
    await first.app.start();
    first.tray.click('quit');
    assert.deepEqual(await first.app.done, { code: 0, reason: 'quit from the tray menu' });
    await first.app.stop();
    await first.app.stop();
    const second = setup();
    await second.app.start();
    second.tray.handlers?.onExit('helper exited with code 2');
    assert.equal((await second.app.done).code, 1);
    await second.app.stop();
  });
});
