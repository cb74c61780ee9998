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
import { parseCommand, USAGE, type HostCommand, type ListenCommand } from './app/cli-args.js';
import { HostSession } from './app/host-session.js';
import { ListenerSession } from './app/listener-session.js';
import { describeError, isAuraError } from './core/errors.js';
import type { AudioSink } from './ports/audio-sink.js';
import type { AudioSource } from './ports/audio-source.js';
import { loadAudioBackend } from './adapters/audio/audio-backend.js';

const debug = process.env.AURALYNC_DEBUG === '1';

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
  else source = await backend!.captureSource(command.device);
  const session = new HostSession({
    source,
    server: new TcpServer(),
    clock: systemClock,
    port: command.port,
    codec: command.codec,
    hostName: command.name ?? hostname(),
    opusEncoderFactory: backend?.opusEncoderFactory,
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
      case 'listener-left':
        status.log(`- ${event.name} left (${event.reason})`);
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
  status.log(`hosting '${command.name ?? hostname()}' on port ${session.port} (${command.codec}), capturing ${source.description}`);
  let last = { at: performance.now(), bytes: 0 };
  const timer = setInterval(() => {
    const stats = session.stats();
    const now = performance.now();
    const rate = kbps(stats.bytesSent - last.bytes, now - last.at);
    last = { at: now, bytes: stats.bytesSent };
    const latencies = stats.listeners.map((l) => l.latencyMs).filter((v): v is number => v !== undefined);
    const latency = latencies.length > 0 ? ` · latency ${Math.round(Math.max(...latencies))} ms max` : '';
    status.update(`hosting · ${stats.listeners.length} listener(s) · ${rate} kb/s · ${stats.droppedFrames} drops${latency}`);
  }, 500);
  const code = await runUntilStopped(async () => {
    clearInterval(timer);
    await session.stop();
  }, done);
  status.finish();
  return code;
}

async function listen(command: ListenCommand, status: StatusLine): Promise<number> {
  const toFile = command.output !== undefined;
  const backend = await loadAudioBackend({ required: !toFile });
  let sink: AudioSink;
  if (command.output === '-') sink = new RawStreamSink(process.stdout);
  else if (command.output !== undefined) sink = await WavFileSink.create(command.output);
  else sink = await backend!.playbackSink(command.device);
  const session = new ListenerSession({
    host: command.host,
    port: command.port,
    connector: new TcpConnector(),
    sink,
    clock: systemClock,
    protocol: command.v1 ? 'v1' : 'v2',
    boost: command.boost,
    latencyMs: command.latencyMs,
    name: command.name ?? hostname(),
    opusDecoderFactory: backend?.opusDecoderFactory,
    failIfFirstConnectFails: true,
  });
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let lastWhy = '';
  session.on((event) => {
    switch (event.type) {
      case 'connected':
        status.log(`listening to ${event.hostName} (${event.codec}) on ${sink.description}`);
        lastWhy = '';
        break;
      case 'rejected':
        status.log(`error: the host refused: ${event.reason}`);
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
  await session.start();
  const timer = setInterval(() => {
    const s = session.stats();
    const latency = s.latencyMs === undefined ? '' : ` · latency ${Math.round(s.latencyMs)} ms`;
    const buffer = toFile ? '' : ` · buffer ${Math.round(s.bufferedMs)}/${s.targetMs} ms`;
    status.update(`${s.state} ${s.hostName ?? `${command.host}:${command.port}`}${buffer}${latency} · underruns ${s.underruns} · missing ${s.missingPackets}`);
  }, 500);
  const code = await runUntilStopped(async () => {
    clearInterval(timer);
    await session.stop();
  }, done);
  status.finish();
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

async function main(argv: readonly string[]): Promise<number> {
  const status = new StatusLine(process.stderr);
  const command = parseCommand(argv);
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
