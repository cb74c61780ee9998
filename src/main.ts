#!/usr/bin/env node
/**
 * Composition root: argv → command → adapters → app. The only place that calls process.exit.
 * Every expected failure ends as one line on stderr and a non-zero exit code, never a stack trace
 * (set AURALYNC_DEBUG=1 to see stacks).
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { FileSource } from './adapters/audio/file-source.js';
import { RawStreamSink, WavFileSink } from './adapters/audio/file-sink.js';
import { TcpConnector } from './adapters/net/tcp-connector.js';
import { TcpServer } from './adapters/net/tcp-server.js';
import { systemClock } from './adapters/system-clock.js';
import { StatusLine } from './adapters/terminal/status-line.js';
import { BonjourAdvertiser } from './adapters/discovery/bonjour-advertiser.js';
import { BonjourBrowser } from './adapters/discovery/bonjour-browser.js';
import { FileHostIdStore, newHostId } from './adapters/discovery/file-host-id-store.js';
import { parseCommand, USAGE, type HostCommand, type HostsCommand, type ListenCommand } from './app/cli-args.js';
import { HostAdvertising } from './app/host-advertising.js';
import { describeAmbiguous, formatHostTable, HostFinder, hostsNamed, noHostsReason } from './app/host-finder.js';
import { HostSession } from './app/host-session.js';
import { RunMedians, describeListenSummary } from './app/listen-summary.js';
import { describeDrift, describeHealthFigures, describeListenerHealth } from './app/listener-health-line.js';
import { ListenerSession } from './app/listener-session.js';
import { AuraError, describeError, isAuraError } from './core/errors.js';
import type { DirectoryEvent } from './core/host-directory.js';
import { isIpLiteral, shortHostId, type HostRecord } from './core/host-record.js';
import { PROTOCOL_VERSION, type CodecName } from './core/handshake.js';
import type { AudioSink } from './ports/audio-sink.js';
import type { AudioSource } from './ports/audio-source.js';
import { loadAudioBackend, opusDecoderFactory } from './adapters/audio/audio-backend.js';
import { useAudifyFrom } from './adapters/audio/audify-module.js';
import { useOpusScriptFrom } from './adapters/audio/opusscript-decoder.js';
import { prepareSeaAssets, type PackagedRuntime } from './adapters/packaging/sea-assets.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userCacheDir } from './adapters/packaging/cache-dir.js';
import { userConfigDir } from './adapters/discovery/file-host-id-store.js';
import { autostartFor } from './adapters/desktop/autostart-for-platform.js';
import { NodeNotifierNotifier } from './adapters/desktop/node-notifier-notifier.js';
import { importWithoutSignalHooks } from './adapters/foreign-signal-hooks.js';
import { Systray2Tray } from './adapters/desktop/systray2-tray.js';
import { TrayApp, type TrayAudio } from './app/tray-app.js';

const debug = process.env.AURALYNC_DEBUG === '1';
/** Listeners whose health `auralync host` shows under its status line on a terminal. */
const STATUS_LISTENERS_SHOWN = 8;
/** AURALYNC_DISCOVERY=off: no mDNS at all (hosts are not advertised; listen takes addresses and host names only). */
const discoveryOff = process.env.AURALYNC_DISCOVERY === 'off';

function version(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../package.json', '../../package.json']) {
    try {
      return (require(path) as { version: string }).version;
    } catch {
      // try the next layout (compiled out/src or bundled)
    }
  }
  return 'unknown';
}

/** Runs until SIGINT/SIGTERM or `done` resolves, then calls `stop` once. A second signal exits at once. */
function runUntilStopped(stop: () => Promise<void>, done: Promise<number>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const shutdown = (code: number) => {
      if (stopping) process.exit(code);
      stopping = true;
      const force = setTimeout(() => process.exit(code), 3000);
      force.unref();
      stop().then(
        () => resolve(code),
        () => resolve(code),
      );
    };
    process.on('SIGINT', () => shutdown(0));
    process.on('SIGTERM', () => shutdown(0));
    done.then(shutdown, () => shutdown(1));
  });
}

function kbps(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes * 8) / ms) : 0;
}

async function host(command: HostCommand, status: StatusLine): Promise<number> {
  let source: AudioSource;
  const backend = await loadAudioBackend({ required: command.input === undefined });
  if (command.input !== undefined) source = new FileSource(command.input, systemClock);
  else source = await backend!.captureSource(command.device, (line) => status.log(line));
  const session = new HostSession({
    source,
    server: new TcpServer(),
    clock: systemClock,
    port: command.port,
    codec: command.codec,
    hostName: command.name ?? hostname(),
    opusEncoderFactory: backend?.opusEncoderFactory,
    maxListeners: command.maxListeners,
    accessCode: command.accessCode,
  });
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  session.on((event) => {
    switch (event.type) {
      case 'listening':
        break;
      case 'listener-joined':
        status.log(`+ ${event.name} joined from ${event.address} (${event.format.protocol === 'v1' ? 'v1' : event.format.codec})`);
        break;
      case 'listener-rejoined':
        status.log(`~ ${event.name} rejoined from ${event.address} (a new connection; the old one is closed)`);
        break;
      case 'listener-left':
        // How it fared, for a log: its health as it last reported it (a v1 client reports nothing).
        status.log(`- ${event.name} left (${event.reason})${event.last.underruns === undefined ? '' : `; last heard: ${describeHealthFigures(event.last)}`}`);
        break;
      case 'refused':
        status.log(`refused ${event.address}: ${event.reason}`);
        break;
      case 'source-error':
        status.log(`error: capture failed: ${event.message}`);
        resolveDone(1);
        break;
      case 'source-ended':
        status.log('input ended');
        resolveDone(0);
        break;
    }
  });
  await session.start();
  const displayName = command.name ?? hostname();
  status.log(`hosting '${displayName}' on port ${session.port} (${command.codec}), capturing ${source.description}`);
  if (command.accessCode !== undefined) status.log(`access code: ${command.accessCode} (listeners need it; audio is encrypted; v1 clients are refused)`);
  let advertising: HostAdvertising | undefined;
  if (!discoveryOff) {
    const codecs: CodecName[] = backend?.opusEncoderFactory === undefined ? ['pcm'] : command.codec === 'opus' ? ['opus', 'pcm'] : ['pcm', 'opus'];
    advertising = new HostAdvertising({
      advertiser: new BonjourAdvertiser(),
      clock: systemClock,
      session,
      advert: { hostId: await loadHostId(status), displayName, port: session.port, codecs, protocolVersion: PROTOCOL_VERSION, listeners: 0, codeRequired: session.codeRequired },
      log: (line) => status.log(line),
    });
    await advertising.start();
  }
  let last = { at: performance.now(), bytes: 0 };
  status.logEvery(command.statusEveryMs);
  const timer = setInterval(() => {
    const stats = session.stats();
    const now = performance.now();
    const rate = kbps(stats.bytesSent - last.bytes, now - last.at);
    last = { at: now, bytes: stats.bytesSent };
    // Under the totals, each listener's health as it reports it (the first few; the tray lists as many).
    const shown = stats.listeners.slice(0, STATUS_LISTENERS_SHOWN).map((l) => `  ${describeListenerHealth(l)}`);
    const more = stats.listeners.length - shown.length;
    status.update(
      [`hosting · ${stats.listeners.length} listener(s) · ${rate} kb/s · ${stats.droppedFrames} drops`, ...shown, ...(more > 0 ? [`  …and ${more} more`] : [])],
      stats.listeners.length > 0, // in a log, nothing while nobody listens
    );
  }, 500);
  const code = await runUntilStopped(async () => {
    clearInterval(timer);
    // Goodbyes first, so browsers drop this host at once rather than after the expiry.
    await advertising?.stop();
    await session.stop();
  }, done);
  status.finish();
  return code;
}

/** The stable host id; a temporary one (with a warning) when the config dir cannot be used. */
async function loadHostId(status: StatusLine): Promise<string> {
  try {
    return await new FileHostIdStore().load();
  } catch (err) {
    status.log(`warning: ${describeError(err)}; using a temporary host id`);
    return newHostId();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function makeFinder(onProblem: ((line: string) => void) | undefined): HostFinder {
  return new HostFinder({ browser: new BonjourBrowser(), clock: systemClock, onProblem });
}

/** Plausible DNS host name (so 'auralync listen mybox' still works when no host has that display name). */
function looksLikeHostname(text: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(text);
}

/** Finds the one host named `name` (exact, ignoring case); undefined when none answered. Throws when several share it. */
async function findHostByName(name: string, lookMs: number, status: StatusLine): Promise<HostRecord | undefined> {
  const finder = makeFinder((line) => status.log(`warning: ${line}`));
  finder.start();
  try {
    await finder.waitFor((hosts) => hostsNamed(hosts, name).length > 0, lookMs);
    // Answers to one query arrive together; a moment more catches a second host of the same name.
    await sleep(300);
    const matches = hostsNamed(finder.hosts(), name);
    if (matches.length > 1) throw new AuraError('ERR_USAGE', describeAmbiguous(name, matches));
    return matches[0];
  } finally {
    await finder.stop();
  }
}

/**
 * A listener's way back to a host it found by name: a finder kept browsing while it listens, asked before each
 * reconnect where the host (by its id) is now. Asking a finder started afresh waited up to 1.5 s for an answer
 * each time, which during a dropout was most of each try (the listener tries every 250 ms after a drop).
 */
function followHost(host: HostRecord, status: StatusLine): { resolve: () => Promise<{ host: string; port: number } | undefined>; stop: () => Promise<void> } {
  const finder = makeFinder(undefined);
  finder.start();
  let last = { host: host.address, port: host.port };
  return {
    resolve: () => {
      const found = finder.hosts().find((h) => h.hostId === host.hostId);
      if (found === undefined) return Promise.resolve(undefined);
      if (found.address !== last.host || found.port !== last.port) status.log(`'${found.displayName}' is now at ${found.address}:${found.port}`);
      last = { host: found.address, port: found.port };
      return Promise.resolve(last);
    },
    stop: () => finder.stop(),
  };
}

function describeHost(host: HostRecord): string {
  const listeners = `${host.listeners} listener${host.listeners === 1 ? '' : 's'}`;
  return `${host.displayName} (${shortHostId(host.hostId)}) at ${host.address}:${host.port}, ${host.codecs[0] ?? '-'}, ${listeners}`;
}

async function hosts(command: HostsCommand, status: StatusLine): Promise<number> {
  if (discoveryOff) throw new AuraError('ERR_USAGE', 'discovery is turned off (AURALYNC_DISCOVERY=off)');
  const live = command.watch && process.stdout.isTTY === true;
  let drawn = 0;
  const finder = makeFinder((line) => {
    status.log(`warning: ${line}`);
    drawn = 0; // the live table is redrawn below the warning, not over it
  });
  finder.start();
  if (!command.watch) {
    const found = await finder.waitFor(() => false, command.lookMs);
    await finder.stop();
    if (command.json) process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
    else if (found.length > 0) process.stdout.write(`${formatHostTable(found).join('\n')}\n`);
    if (found.length === 0) status.log(noHostsReason(command.lookMs));
    return 0;
  }
  let hinted = false;
  const redraw = () => {
    const list = finder.hosts();
    const lines = [`AuraLync hosts on this network (Ctrl-C to stop):`, ...(list.length > 0 ? formatHostTable(list) : ['  (none yet)'])];
    if (list.length === 0 && hinted) lines.push(`  ${noHostsReason(command.lookMs)}`);
    process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}\x1b[J${lines.join('\n')}\n`);
    // Long lines wrap: count terminal rows, not lines, so the next redraw starts at the top of this one.
    const columns = Math.max(20, process.stdout.columns ?? 80);
    drawn = lines.reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / columns)), 0);
  };
  const onEvent = (event: DirectoryEvent) => {
    if (live) return redraw();
    const line =
      event.type === 'up' ? `+ ${describeHost(event.host)}`
      : event.type === 'changed' ? `~ ${describeHost(event.host)}`
      : `- ${event.host.displayName} (${shortHostId(event.host.hostId)}) ${event.reason === 'goodbye' ? 'stopped' : 'stopped answering'}`;
    process.stdout.write(`${line}\n`);
  };
  finder.on(onEvent);
  if (live) redraw();
  const hint = setTimeout(() => {
    if (finder.hosts().length > 0) return;
    hinted = true;
    if (live) redraw();
    else status.log(noHostsReason(command.lookMs));
  }, command.lookMs);
  return runUntilStopped(async () => {
    clearTimeout(hint);
    await finder.stop();
  }, new Promise<number>(() => {}));
}

async function listen(command: ListenCommand, status: StatusLine): Promise<number> {
  const toFile = command.output !== undefined;
  const backend = await loadAudioBackend({ required: !toFile });
  let sink: AudioSink;
  if (command.output === '-') sink = new RawStreamSink(process.stdout);
  else if (command.output !== undefined) sink = await WavFileSink.create(command.output);
  else sink = await backend!.playbackSink(command.device, (line) => status.log(line), command.leanOutput ? 'lean' : 'standard');
  let target = { host: command.host, port: command.port };
  let following: ReturnType<typeof followHost> | undefined;
  const byName = !discoveryOff && !isIpLiteral(command.host) && command.host.toLowerCase() !== 'localhost';
  if (byName) {
    const found = await findHostByName(command.host, command.lookMs, status);
    if (found !== undefined) {
      status.log(`found '${found.displayName}' (${shortHostId(found.hostId)}) at ${found.address}:${found.port}`);
      target = { host: found.address, port: found.port };
      following = followHost(found, status);
    } else if (!looksLikeHostname(command.host)) {
      throw new AuraError('ERR_HOST_UNREACHABLE', `no host named '${command.host}' found: ${noHostsReason(command.lookMs)}`);
    }
  }
  const session = new ListenerSession({
    host: target.host,
    port: target.port,
    resolveAddress: following?.resolve,
    connector: new TcpConnector(),
    sink,
    clock: systemClock,
    protocol: command.v1 ? 'v1' : 'v2',
    boost: command.boost,
    latencyMs: command.latencyMs,
    adaptiveLatency: command.adaptiveLatency,
    name: command.name ?? hostname(),
    opusDecoderFactory: opusDecoderFactory(),
    failIfFirstConnectFails: true,
    accessCode: command.accessCode,
    twins: command.twin === false ? 0 : undefined,
  });
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let lastWhy = '';
  let everConnected = false;
  session.on((event) => {
    switch (event.type) {
      case 'connected':
        status.log(`listening to ${event.hostName} (${event.codec}) on ${sink.description}`);
        lastWhy = '';
        everConnected = true;
        break;
      case 'rejected':
        // 'no-code' and 'not-protected' are this listener's own refusals; the rest are the host's.
        if (event.code === 'no-code') status.log(`error: ${event.reason} (give it with --code, or AURALYNC_CODE)`);
        else if (event.code === 'not-protected') status.log(`error: ${event.reason}`);
        else status.log(`error: the host refused: ${event.reason}`);
        resolveDone(1);
        break;
      case 'stream-lost':
        status.log(`stream lost: ${event.reason}`);
        break;
      case 'reconnecting':
        // Say why once, not on every retry.
        if (event.why !== lastWhy) status.log(`${event.why}; retrying…`);
        lastWhy = event.why;
        break;
      case 'sink-error':
        status.log(`error: output: ${event.message}`);
        break;
      case 'connecting':
        break;
    }
  });
  try {
    await session.start();
  } catch (err) {
    await following?.stop();
    if (byName && following === undefined && isAuraError(err, 'ERR_HOST_UNREACHABLE') && /unknown host name/.test(err.message)) {
      // Neither a display name over mDNS nor a DNS name: say why discovery may have failed.
      throw new AuraError('ERR_HOST_UNREACHABLE', `no host named '${command.host}' found: ${noHostsReason(command.lookMs)}`);
    }
    throw err;
  }
  status.logEvery(command.statusEveryMs);
  const medians = new RunMedians();
  const timer = setInterval(() => {
    const s = session.stats();
    medians.add(s);
    const latency = s.latencyMs === undefined ? '' : ` · latency ${Math.round(s.latencyMs)} ms`;
    const buffer = toFile ? '' : ` · buffer ${Math.round(s.bufferedMs)}/${s.targetMs} ms`;
    const jitter = s.jitterMs === undefined ? '' : ` · jitter ${Math.round(s.jitterMs)} ms`;
    status.update(`${s.state} ${s.hostName ?? `${target.host}:${target.port}`}${buffer}${latency}${jitter} · underruns ${s.underruns} · missing ${s.missingPackets}${toFile ? '' : ` · ${describeDrift(s.driftPpm)}`}`);
  }, 500);
  const startedAt = performance.now();
  const code = await runUntilStopped(async () => {
    clearInterval(timer);
    try {
      await session.stop();
    } finally {
      await following?.stop();
    }
  }, done);
  status.finish();
  // Stopped by the user (not refused): the run's figures, for logs where no status line was drawn.
  if (code === 0 && everConnected) status.log(describeListenSummary(session.stats(), performance.now() - startedAt, toFile, medians));
  return code;
}

async function devices(json: boolean): Promise<number> {
  const backend = await loadAudioBackend({ required: true });
  const list = await backend!.catalog.list();
  if (json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  for (const kind of ['capture', 'output'] as const) {
    process.stdout.write(kind === 'capture' ? 'Capture (system audio):\n' : 'Output:\n');
    const ofKind = list.filter((d) => d.kind === kind);
    if (ofKind.length === 0) process.stdout.write('  (none)\n');
    for (const device of ofKind) process.stdout.write(`  ${device.isDefault ? '*' : ' '} ${device.id.padEnd(24)} ${device.name}\n`);
  }
  return 0;
}

/**
 * The tray app (no arguments). Settings live in $AURALYNC_CONFIG_DIR (tests), else <config dir>/auralync.
 * Test hook: AURALYNC_TEST_INPUT=<wav> makes "Start hosting" play that file instead of capturing.
 */
async function tray(hidden: boolean, packaged: PackagedRuntime | undefined): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const assets = packaged?.assets;
  // Compiled layout: out/src/main.js, with assets/ at the repository root.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const iconDir = assets !== undefined ? assets.path('assets/icons') : join(root, 'assets', 'icons');
  const testInput = process.env.AURALYNC_TEST_INPUT || undefined;
  const backend = await loadAudioBackend({ required: false });
  const needBackend = async () => backend ?? ((await loadAudioBackend({ required: true })) as NonNullable<typeof backend>);
  const audio: TrayAudio = {
    catalog: backend?.catalog,
    captureSource: async (id, onNotice) =>
      testInput !== undefined ? new FileSource(testInput, systemClock) : (await needBackend()).captureSource(id ?? undefined, onNotice),
    playbackSink: async (id, onNotice) => (await needBackend()).playbackSink(id ?? undefined, onNotice),
    opusEncoderFactory: backend?.opusEncoderFactory,
    opusDecoderFactory: opusDecoderFactory(),
  };
  // A packaged binary carries systray2's helper laid out as <dir>/systray2/<version>/<binary>.
  const systrayDir = assets?.path('systray2');
  const tray = new Systray2Tray({
    iconDir,
    copyDir: systrayDir ?? join(userCacheDir(), 'systray2'),
    version: systrayDir === undefined ? undefined : readdirSync(systrayDir)[0],
    log,
  });
  // Only the tray keeps settings; conf comes with signal hooks that would cut its clean stop short.
  const { ConfSettingsStore } = await importWithoutSignalHooks(() => import('./adapters/storage/conf-settings-store.js'));
  const app = new TrayApp({
    tray,
    notifier: new NodeNotifierNotifier({ iconDir, log }),
    autostart: autostartFor({ launch: packaged !== undefined ? [process.execPath] : [process.execPath, fileURLToPath(import.meta.url)] }),
    settingsStore: new ConfSettingsStore({ dir: process.env.AURALYNC_CONFIG_DIR || join(userConfigDir(), 'auralync') }),
    clock: systemClock,
    log,
    computerName: hostname(),
    audio,
    server: () => new TcpServer(),
    connector: () => new TcpConnector(),
    discovery: discoveryOff
      ? undefined
      : {
          finder: makeFinder((line) => log(`warning: ${line}`)),
          advertiser: () => new BonjourAdvertiser(),
          hostId: () => new FileHostIdStore().load().catch(() => newHostId()),
        },
    hidden,
  });
  await app.start();
  return runUntilStopped(
    () => app.stop(),
    app.done.then(({ code, reason }) => {
      if (code !== 0) log(`auralync: ${reason}`);
      return code;
    }),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  // A packaged single binary carries its native addon inside: write it out (once) and load it from there.
  const packaged = prepareSeaAssets();
  if (packaged !== undefined) useAudifyFrom(packaged.audifyAddon);
  if (packaged?.assets !== undefined) useOpusScriptFrom(packaged.assets.path('opusscript/index.js'));
  const status = new StatusLine(process.stderr);
  const command = parseCommand(argv, process.env);
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`auralync ${version()}\n`);
      return 0;
    case 'devices':
      return devices(command.json);
    case 'host':
      return host(command, status);
    case 'listen':
      return listen(command, status);
    case 'hosts':
      return hosts(command, status);
    case 'tray':
      return tray(command.hidden, packaged);
  }
}

function fatal(err: unknown): never {
  const line = isAuraError(err) ? err.message : `unexpected error: ${describeError(err)}`;
  process.stderr.write(`auralync: ${line}\n`);
  if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(isAuraError(err, 'ERR_USAGE') ? 2 : 1);
}

process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
main(process.argv.slice(2)).then(
  // audify's threads keep the process alive after its streams close (../shared/notes/audio-io.md): exit explicitly.
  (code) => process.exit(code),
  fatal,
);
