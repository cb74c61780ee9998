/**
 * The tray app: one icon and menu over the host and listener sessions, discovery, settings,
 * notifications and start-at-login. It owns the TrayState; the menu is buildMenu(state), re-rendered
 * after every change; clicks come back as menu commands, run one at a time.
 */
import { generateCode } from '../core/access-code.js';
import { AuraError, describeError } from '../core/errors.js';
import type { HostAdvert, HostRecord } from '../core/host-record.js';
import { PROTOCOL_VERSION, type CodecName } from '../core/handshake.js';
import { DEFAULT_SETTINGS, updateSettings, type Settings } from '../core/settings-schema.js';
import type { AudioDecoder, AudioEncoder } from '../ports/audio-codec.js';
import type { AudioSink } from '../ports/audio-sink.js';
import type { AudioSource } from '../ports/audio-source.js';
import type { Clock } from '../ports/clock.js';
import type { Autostart, Notifier, Tray } from '../ports/desktop.js';
import type { DeviceCatalog } from '../ports/device-catalog.js';
import type { Advertiser } from '../ports/discovery.js';
import type { SettingsStore } from '../ports/settings.js';
import type { ChannelConnector, ChannelServer } from '../ports/transport.js';
import type { DirectoryEvent } from '../core/host-directory.js';
import { DEFAULT_LATENCY_MS, DEFAULT_MAX_LATENCY_MS, MIN_ADAPTIVE_LATENCY_MS } from './cli-args.js';
import { HostAdvertising } from './host-advertising.js';
import { HostSession, type HostEvent } from './host-session.js';
import { ListenerSession, type ListenerEvent } from './listener-session.js';
import { buildMenu, type MenuCommand, type MenuModel } from './menu-model.js';
import { NotificationPolicy, type NotableEvent } from './notification-policy.js';
import type { ListenTarget, TrayState } from './tray-state.js';

/** How the tray app reaches audio. */
export interface TrayAudio {
  /** Lists devices; undefined when there is no audio backend (the device menus say so). */
  readonly catalog: DeviceCatalog | undefined;
  /**
   * What hosting captures: the device with this id, or the default (null). Rejects with an AuraError.
   * `onDeviceNotice` hears, in one line each, that the device went (silence is sent) and came back.
   */
  captureSource(deviceId: string | null, onDeviceNotice: (line: string) => void): Promise<AudioSource>;
  /**
   * Where listening plays: the device with this id, or the default (null). Rejects with
   * ERR_DEVICE_UNAVAILABLE. `onDeviceNotice` hears, in one line, that playback moved to the default output.
   */
  playbackSink(deviceId: string | null, onDeviceNotice: (line: string) => void): Promise<AudioSink>;
  readonly opusEncoderFactory: (() => AudioEncoder) | undefined;
  readonly opusDecoderFactory: (() => AudioDecoder) | undefined;
}

/** The live host list the tray follows (HostFinder in production). */
export interface TrayHostFinder {
  start(): void;
  stop(): Promise<void>;
  hosts(): HostRecord[];
  on(handler: (event: DirectoryEvent) => void): () => void;
}

/** Discovery, when it is on. */
export interface TrayDiscovery {
  readonly finder: TrayHostFinder;
  /** A new advertiser for one hosting session. */
  advertiser(): Advertiser;
  /** This computer's stable host id. */
  hostId(): Promise<string>;
}

/** Everything the tray app needs, assembled by main.ts. */
export interface TrayAppDeps {
  readonly tray: Tray;
  readonly notifier: Notifier;
  readonly autostart: Autostart;
  readonly settingsStore: SettingsStore;
  readonly clock: Clock;
  /** One line for the log (stderr). */
  readonly log: (line: string) => void;
  /** This computer's name: the default display name. */
  readonly computerName: string;
  readonly audio: TrayAudio;
  readonly server: () => ChannelServer;
  readonly connector: () => ChannelConnector;
  /** Undefined when discovery is off. */
  readonly discovery: TrayDiscovery | undefined;
  /** Started by the login autostart entry: no "running in the tray" greeting. */
  readonly hidden: boolean;
  /** How often host/listener figures in the menu are refreshed [ms]. */
  readonly statsIntervalMs?: number;
}

interface Hosting {
  session: HostSession;
  advertising: HostAdvertising | undefined;
  unsubscribe: () => void;
}

interface Listening {
  session: ListenerSession;
  target: ListenTarget;
  connectedOnce: boolean;
  unsubscribe: () => void;
}

/** The tray application. */
export class TrayApp {
  private state: TrayState;
  private menu: MenuModel;
  private readonly policy: NotificationPolicy;
  private hosting: Hosting | undefined;
  private listening: Listening | undefined;
  private queue: Promise<void> = Promise.resolve();
  private saving: Promise<void> = Promise.resolve();
  private saveFailed = false;
  private trayShown = false;
  private ownHostId: string | undefined;
  private cancelTimers: (() => void)[] = [];
  private unsubscribeFinder: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private resolveDone: (result: { code: number; reason: string }) => void = () => {};
  /** Resolves when the user quits (code 0) or the tray goes away (code 1). */
  readonly done: Promise<{ code: number; reason: string }>;

  constructor(private readonly deps: TrayAppDeps) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.state = {
      hosting: undefined,
      listening: undefined,
      hosts: [],
      discovery: deps.discovery === undefined ? 'off' : 'looking',
      devices: { status: deps.audio.catalog === undefined ? 'unavailable' : 'loading', capture: [], output: [] },
      settings: DEFAULT_SETTINGS,
      autostart: { supported: deps.autostart.supported, enabled: false },
      trouble: undefined,
    };
    this.menu = buildMenu(this.state);
    this.policy = new NotificationPolicy({ clock: deps.clock, enabled: true, notify: (n) => deps.notifier.notify(n) });
  }

  /** The current state (tests, logs). */
  get snapshot(): TrayState {
    return this.state;
  }

  /** The menu as last rendered. */
  get currentMenu(): MenuModel {
    return this.menu;
  }

  /**
   * Loads settings, shows the tray (rejects with ERR_NO_TRAY when it cannot), starts discovery and
   * device listing, then resumes hosting or listening as the last run left it.
   */
  async start(): Promise<void> {
    const { deps } = this;
    const loaded = await deps.settingsStore.load();
    this.state = { ...this.state, settings: loaded.settings };
    this.policy.setEnabled(loaded.settings.notifications);
    if (loaded.migratedFrom !== undefined) deps.log(`settings: upgraded ${deps.settingsStore.path} from version ${loaded.migratedFrom}`);
    const autostartEnabled = await this.readAutostart();
    this.state = { ...this.state, autostart: { supported: deps.autostart.supported, enabled: autostartEnabled } };
    if (loaded.settings.startAtLogin !== autostartEnabled) this.changeSettings({ startAtLogin: autostartEnabled });
    this.menu = buildMenu(this.state);
    await deps.tray.start(this.menu.view, {
      onClick: (id) => this.click(id),
      onOpen: (id) => {
        if (id === 'output-device' || id === 'capture-device') void this.refreshDevices();
      },
      onExit: (reason) => this.resolveDone({ code: 1, reason: `the tray icon went away (${reason})` }),
    });
    this.trayShown = true;
    if (loaded.recovered !== undefined) {
      const kept = loaded.recovered.backupPath === undefined ? '' : `; the old file is kept as ${loaded.recovered.backupPath}`;
      deps.log(`settings: ${loaded.recovered.reason} in ${deps.settingsStore.path}${kept}`);
      this.notify({ type: 'problem', title: 'Settings were reset', body: `${loaded.recovered.reason}${kept}` });
    }
    if (loaded.notSaved !== undefined) this.settingsNotSaved(loaded.notSaved);
    if (!deps.hidden) deps.log('AuraLync is running in the system tray (its menu has everything; Quit ends it)');
    this.startDiscovery();
    void this.refreshDevices();
    this.cancelTimers.push(deps.clock.setInterval(() => this.refreshStats(), deps.statsIntervalMs ?? 1000));
    const { modeAtExit, lastHost } = loaded.settings;
    if (modeAtExit === 'hosting') this.enqueue(() => this.startHosting());
    else if (modeAtExit === 'listening' && lastHost !== null) this.enqueue(() => this.startListening(lastHost));
  }

  /** Runs what a click on the entry `id` means in the menu the user saw. Unknown ids are ignored. */
  click(id: string): void {
    const command = this.menu.commands.get(id);
    if (command !== undefined) this.enqueue(() => this.run(command));
  }

  /** Resolves once every command queued so far has run (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Stops sessions, discovery and the tray; safe to call twice. The mode at exit stays saved for the next start. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const cancel of this.cancelTimers) cancel();
      this.cancelTimers = [];
      this.policy.stop();
      await this.queue;
      await Promise.all([this.stopHostingSession(), this.stopListeningSession()]);
      this.unsubscribeFinder?.();
      await this.deps.discovery?.finder.stop();
      await this.saving;
      await this.deps.tray.stop();
    })();
    return this.stopping;
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.deps.log(`error: ${describeError(err)}`);
      this.setState({ trouble: describeError(err) });
    });
  }

  private async run(command: MenuCommand): Promise<void> {
    if (this.stopping !== undefined) return;
    // Any action is the user moving on: an old problem line is cleared (new trouble sets it again).
    if (command.kind !== 'notifications') this.setState({ trouble: undefined });
    switch (command.kind) {
      case 'start-hosting':
        return this.startHosting(true);
      case 'stop-hosting':
        await this.stopHostingSession();
        this.changeSettings({ modeAtExit: 'idle' });
        return;
      case 'listen':
        return this.startListening(command.target, true);
      case 'stop-listening':
        await this.stopListeningSession();
        this.changeSettings({ modeAtExit: 'idle' });
        return;
      case 'output-device':
        this.changeSettings({ outputDevice: command.deviceId });
        // The new device takes over at once: the stream restarts on it.
        if (this.listening !== undefined) await this.startListening(this.listening.target, false, true);
        return;
      case 'capture-device':
        this.changeSettings({ captureDevice: command.deviceId });
        if (this.hosting !== undefined) {
          await this.stopHostingSession();
          await this.startHosting(false);
        }
        return;
      case 'access-code': {
        const code = command.enabled ? generateCode() : null;
        this.changeSettings({ accessCode: code });
        this.deps.log(code === null ? 'access code off: anyone on the network may listen' : `access code: ${code}`);
        if (code !== null) this.notify({ type: 'problem', title: `Access code: ${code}`, body: 'Listeners need it to hear this computer; their audio is encrypted.' });
        // Listeners must (or no longer need to) prove the code: the host restarts with it.
        if (this.hosting !== undefined) {
          await this.stopHostingSession();
          await this.startHosting(false);
        }
        return;
      }
      case 'boost':
        this.changeSettings({ boost: command.boost });
        this.listening?.session.setBoost(command.boost);
        return;
      case 'notifications':
        this.changeSettings({ notifications: command.enabled });
        this.policy.setEnabled(command.enabled);
        return;
      case 'autostart':
        return this.setAutostart(command.enabled);
      case 'quit':
        this.resolveDone({ code: 0, reason: 'quit from the tray menu' });
        return;
    }
  }

  // --- hosting ---------------------------------------------------------------------------------

  private async startHosting(userAsked = false): Promise<void> {
    if (this.hosting !== undefined) return;
    await this.stopListeningSession();
    const { deps } = this;
    const settings = this.state.settings;
    const displayName = settings.displayName ?? deps.computerName;
    this.setState({ hosting: { phase: 'starting', displayName, port: settings.port, listeners: [] } });
    let session: HostSession | undefined;
    try {
      const source = await deps.audio.captureSource(settings.captureDevice, (line) => this.deviceNotice('Capture device', line));
      const encoder = deps.audio.opusEncoderFactory;
      session = new HostSession({
        source,
        server: deps.server(),
        clock: deps.clock,
        port: settings.port,
        codec: encoder === undefined ? 'pcm' : 'opus',
        hostName: displayName,
        opusEncoderFactory: encoder,
        accessCode: settings.accessCode ?? undefined,
      });
      const unsubscribe = session.on((event) => this.onHostEvent(event));
      await session.start();
      this.hosting = { session, advertising: undefined, unsubscribe };
      deps.log(`hosting '${displayName}' on port ${session.port}, capturing ${source.description}`);
      this.setState({ hosting: { phase: 'running', displayName, port: session.port, listeners: [] } });
      if (userAsked || settings.modeAtExit !== 'hosting') this.changeSettings({ modeAtExit: 'hosting' });
      await this.startAdvertising(session, displayName);
    } catch (err) {
      const reason = describeError(err);
      if (this.hosting?.session === session) this.hosting = undefined;
      await session?.stop().catch(() => {});
      deps.log(`error: cannot host: ${reason}`);
      this.setState({ hosting: undefined, trouble: `cannot host: ${reason}` });
      this.notify({ type: 'problem', title: 'Cannot start hosting', body: reason });
    }
  }

  private async startAdvertising(session: HostSession, displayName: string): Promise<void> {
    const discovery = this.deps.discovery;
    if (discovery === undefined || this.hosting?.session !== session) return;
    const hostId = this.ownHostId ?? (await discovery.hostId());
    this.ownHostId = hostId;
    const codecs: CodecName[] = this.deps.audio.opusEncoderFactory === undefined ? ['pcm'] : ['opus', 'pcm'];
    const advert: HostAdvert = { hostId, displayName, port: session.port, codecs, protocolVersion: PROTOCOL_VERSION, listeners: 0, codeRequired: session.codeRequired };
    const advertising = new HostAdvertising({ advertiser: discovery.advertiser(), clock: this.deps.clock, session, advert, log: this.deps.log });
    this.hosting.advertising = advertising;
    await advertising.start();
    this.setState({ hosts: this.visibleHosts() });
  }

  private onHostEvent(event: HostEvent): void {
    switch (event.type) {
      case 'listener-joined':
        this.deps.log(`+ ${event.name} joined from ${event.address}`);
        this.notify({ type: 'listener-joined', name: event.name });
        this.refreshStats();
        return;
      case 'listener-rejoined':
        // The same person, still listening: worth a log line, not a notification.
        this.deps.log(`~ ${event.name} rejoined from ${event.address}`);
        this.refreshStats();
        return;
      case 'listener-left':
        this.deps.log(`- ${event.name} left (${event.reason})`);
        this.notify({ type: 'listener-left', name: event.name });
        this.refreshStats();
        return;
      case 'source-error':
        this.deps.log(`error: capture failed: ${event.message}`);
        this.notify({ type: 'problem', title: 'Hosting stopped', body: `capture failed: ${event.message}` });
        this.enqueue(async () => {
          await this.stopHostingSession();
          this.setState({ trouble: `capture failed: ${event.message}` });
        });
        return;
      case 'source-ended':
        this.deps.log('hosting: the input ended');
        this.enqueue(() => this.stopHostingSession());
        return;
      case 'listening':
        return;
    }
  }

  private async stopHostingSession(): Promise<void> {
    const hosting = this.hosting;
    if (hosting === undefined) return;
    this.hosting = undefined;
    const current = this.state.hosting;
    if (current !== undefined) this.setState({ hosting: { ...current, phase: 'stopping' } });
    this.notify({ type: 'session-ended' });
    hosting.unsubscribe();
    // Goodbyes first, so browsers drop this host at once.
    await hosting.advertising?.stop().catch(() => {});
    await hosting.session.stop().catch((err: unknown) => this.deps.log(`warning: stopping the host: ${describeError(err)}`));
    this.setState({ hosting: undefined });
    this.deps.log('hosting stopped');
  }

  // --- listening -------------------------------------------------------------------------------

  private async startListening(target: ListenTarget, userAsked = false, restart = false): Promise<void> {
    if (!restart && this.listening !== undefined && sameTarget(this.listening.target, target)) return;
    await this.stopHostingSession();
    await this.stopListeningSession();
    const { deps } = this;
    const settings = this.state.settings;
    this.setState({ listening: { phase: 'connecting', target, latencyMs: undefined, why: undefined } });
    let sink: AudioSink;
    try {
      sink = await deps.audio.playbackSink(settings.outputDevice, (line) => this.deviceNotice('Output device', line));
    } catch (err) {
      return this.listenFailed(target, err, settings.outputDevice);
    }
    const hostId = target.hostId;
    const finder = deps.discovery?.finder;
    const session = new ListenerSession({
      host: target.address,
      port: target.port,
      // A host found by discovery is followed by its id when it comes back at another address.
      resolveAddress:
        hostId === null || finder === undefined
          ? undefined
          : async () => {
              const found = finder.hosts().find((host) => host.hostId === hostId);
              return found === undefined ? undefined : { host: found.address, port: found.port };
            },
      connector: deps.connector(),
      sink,
      clock: deps.clock,
      protocol: 'v2',
      boost: settings.boost,
      // As the CLI's default: the buffer follows the network's jitter.
      latencyMs: DEFAULT_LATENCY_MS,
      adaptiveLatency: { minMs: MIN_ADAPTIVE_LATENCY_MS, maxMs: DEFAULT_MAX_LATENCY_MS },
      name: settings.displayName ?? deps.computerName,
      opusDecoderFactory: deps.audio.opusDecoderFactory,
      failIfFirstConnectFails: false,
    });
    const listening: Listening = { session, target, connectedOnce: false, unsubscribe: () => {} };
    listening.unsubscribe = session.on((event) => this.onListenerEvent(listening, event));
    this.listening = listening;
    try {
      await session.start();
    } catch (err) {
      listening.unsubscribe();
      this.listening = undefined;
      await session.stop().catch(() => {});
      return this.listenFailed(target, err, settings.outputDevice);
    }
    deps.log(`listening to '${target.displayName}' at ${target.address}:${target.port} on ${sink.description}`);
    if (userAsked || settings.modeAtExit !== 'listening' || !sameLastHost(settings, target)) {
      this.changeSettings({ modeAtExit: 'listening', lastHost: { ...target } });
    }
  }

  private listenFailed(target: ListenTarget, err: unknown, device: string | null): void {
    const reason = describeError(err);
    this.deps.log(`error: cannot listen to '${target.displayName}': ${reason}`);
    this.setState({ listening: undefined, trouble: `cannot listen: ${reason}` });
    if (err instanceof AuraError && err.code === 'ERR_DEVICE_UNAVAILABLE') {
      this.notify({ type: 'output-unavailable', device: device ?? 'default output', reason });
    } else {
      this.notify({ type: 'problem', title: 'Cannot listen', body: `'${target.displayName}': ${reason}` });
    }
  }

  private onListenerEvent(listening: Listening, event: ListenerEvent): void {
    if (this.listening !== listening) return;
    const current = this.state.listening;
    if (current === undefined) return;
    const name = listening.target.displayName;
    switch (event.type) {
      case 'connected': {
        const again = listening.connectedOnce;
        listening.connectedOnce = true;
        this.deps.log(`${again ? 'reconnected' : 'connected'} to '${event.hostName}' (${event.codec})`);
        this.notify(again ? { type: 'reconnected', hostName: name } : { type: 'connected', hostName: name });
        this.setState({ listening: { ...current, phase: 'playing', why: undefined }, trouble: undefined });
        return;
      }
      case 'stream-lost':
        this.deps.log(`stream lost: ${event.reason}`);
        // A host that says goodbye has stopped sharing: that is news of its own.
        if (event.reason === 'the host stopped streaming') this.notify({ type: 'host-gone', hostName: name });
        else this.notify({ type: 'stream-lost', hostName: name, reason: event.reason });
        this.setState({ listening: { ...current, phase: 'reconnecting', why: event.reason, latencyMs: undefined } });
        return;
      case 'reconnecting':
        if (current.phase !== 'reconnecting' || current.why !== event.why) {
          this.setState({ listening: { ...current, phase: 'reconnecting', why: event.why, latencyMs: undefined } });
        }
        return;
      case 'rejected':
        this.deps.log(`the host refused: ${event.reason}`);
        if (event.code === 'no-code') {
          // The tray has no text entry: say where a code can be given.
          this.notify({ type: 'problem', title: `'${name}' needs an access code`, body: `Ask its host for the code, then listen from a terminal: auralync listen "${name}" --code CODE` });
        } else {
          this.notify({ type: 'problem', title: 'The host refused', body: `'${name}': ${event.reason}` });
        }
        this.setState({ trouble: `refused: ${event.reason}` });
        return;
      case 'sink-error':
        this.deps.log(`error: output: ${event.message}`);
        this.notify({ type: 'output-unavailable', device: this.state.settings.outputDevice ?? 'default output', reason: event.message });
        this.setState({ trouble: `output: ${event.message}` });
        return;
      case 'connecting':
        return;
    }
  }

  private async stopListeningSession(): Promise<void> {
    const listening = this.listening;
    if (listening === undefined) return;
    this.listening = undefined;
    const current = this.state.listening;
    if (current !== undefined) this.setState({ listening: { ...current, phase: 'stopping' } });
    this.notify({ type: 'session-ended' });
    listening.unsubscribe();
    await listening.session.stop().catch((err: unknown) => this.deps.log(`warning: stopping the listener: ${describeError(err)}`));
    this.setState({ listening: undefined });
    this.deps.log('listening stopped');
  }

  // --- discovery, devices, figures ---------------------------------------------------------------

  private startDiscovery(): void {
    const discovery = this.deps.discovery;
    if (discovery === undefined) return;
    void discovery.hostId().then(
      (id) => {
        this.ownHostId = id;
        this.setState({ hosts: this.visibleHosts() });
      },
      (err: unknown) => this.deps.log(`warning: ${describeError(err)}`),
    );
    this.unsubscribeFinder = discovery.finder.on((event) => {
      const target = this.listening?.target;
      if (event.type === 'down' && target !== undefined && target.hostId === event.host.hostId) {
        this.deps.log(`'${event.host.displayName}' ${event.reason === 'goodbye' ? 'stopped sharing' : 'stopped answering'}`);
        this.notify({ type: 'host-gone', hostName: target.displayName });
      }
      this.setState({ hosts: this.visibleHosts(), discovery: 'on' });
    });
    discovery.finder.start();
    // Answers come within milliseconds; after this long "nothing found" is the truth.
    this.cancelTimers.push(
      this.deps.clock.setTimeout(() => {
        if (this.state.discovery === 'looking') this.setState({ discovery: 'on' });
      }, 3000),
    );
  }

  private visibleHosts(): HostRecord[] {
    const hosts = this.deps.discovery?.finder.hosts() ?? [];
    return hosts.filter((host) => host.hostId !== this.ownHostId);
  }

  private async refreshDevices(): Promise<void> {
    const catalog = this.deps.audio.catalog;
    if (catalog === undefined) return;
    try {
      const devices = await catalog.list();
      this.setState({
        devices: { status: 'ready', capture: devices.filter((d) => d.kind === 'capture'), output: devices.filter((d) => d.kind === 'output') },
      });
    } catch (err) {
      this.deps.log(`warning: cannot list audio devices: ${describeError(err)}`);
      this.setState({ devices: { status: 'unavailable', capture: [], output: [] } });
    }
  }

  private refreshStats(): void {
    const hosting = this.state.hosting;
    if (this.hosting !== undefined && hosting?.phase === 'running') {
      const listeners = this.hosting.session.stats().listeners.map((l) => ({ name: l.name, latencyMs: l.latencyMs, jitterMs: l.jitterMs, underruns: l.underruns, droppedFrames: l.droppedFrames, driftPpm: l.driftPpm, reconnecting: l.reconnecting }));
      this.setState({ hosting: { ...hosting, listeners } });
    }
    const listening = this.state.listening;
    if (this.listening !== undefined && listening?.phase === 'playing') {
      this.setState({ listening: { ...listening, latencyMs: this.listening.session.stats().latencyMs } });
    }
  }

  // --- settings, autostart, notifications --------------------------------------------------------

  private changeSettings(patch: Partial<Omit<Settings, 'version'>>): void {
    const settings = updateSettings(this.state.settings, patch);
    this.setState({ settings });
    this.saving = this.saving
      .then(() => this.deps.settingsStore.save(settings))
      .then(
        () => {
          this.saveFailed = false;
        },
        (err: unknown) => {
          // Said once per run of failures, not on every click.
          if (!this.saveFailed) this.settingsNotSaved(describeError(err));
          this.saveFailed = true;
        },
      );
  }

  /** Settings cannot be written (read-only or full disk): the app runs on with them in memory, and says so. */
  private settingsNotSaved(why: string): void {
    this.deps.log(`warning: settings will not be kept after AuraLync quits: ${why}`);
    this.notify({ type: 'problem', title: 'Settings cannot be saved', body: `AuraLync runs on, but changes will not be kept: ${why}` });
  }

  private async readAutostart(): Promise<boolean> {
    if (!this.deps.autostart.supported) return false;
    try {
      return await this.deps.autostart.isEnabled();
    } catch (err) {
      this.deps.log(`warning: cannot read the start-at-login entry: ${describeError(err)}`);
      return false;
    }
  }

  private async setAutostart(enabled: boolean): Promise<void> {
    const { autostart } = this.deps;
    try {
      await autostart.setEnabled(enabled);
    } catch (err) {
      this.deps.log(`error: start at login: ${describeError(err)}`);
      this.setState({ trouble: `start at login: ${describeError(err)}` });
    }
    // Whatever happened, the menu shows what is really installed.
    const actual = await this.readAutostart();
    this.setState({ autostart: { supported: autostart.supported, enabled: actual } });
    this.changeSettings({ startAtLogin: actual });
    this.deps.log(`start at login ${actual ? 'on' : 'off'} (${autostart.location})`);
  }

  /** A device went away or came back mid-stream: the log and a notification say so. */
  private deviceNotice(title: string, line: string): void {
    this.deps.log(line);
    this.notify({ type: 'problem', title, body: line });
  }

  private notify(event: NotableEvent): void {
    this.policy.handle(event);
  }

  private setState(patch: Partial<TrayState>): void {
    this.state = { ...this.state, ...patch };
    this.menu = buildMenu(this.state);
    if (this.trayShown && this.stopping === undefined) this.deps.tray.update(this.menu.view);
  }
}

function sameTarget(a: ListenTarget, b: ListenTarget): boolean {
  if (a.hostId !== null || b.hostId !== null) return a.hostId === b.hostId;
  return a.address === b.address && a.port === b.port;
}

function sameLastHost(settings: Settings, target: ListenTarget): boolean {
  const last = settings.lastHost;
  return last !== null && last.hostId === target.hostId && last.address === target.address && last.port === target.port;
}
