/**
 * Child process for the network benchmarks: one listener (adaptive jitter buffer, Opus or PCM) playing
 * into a NullSink — a sound card that pulls on the real clock, so the buffer, underruns and latency are
 * those of real playback — printing its figures as one JSON line every SAMPLE_MS until SECONDS have
 * passed. Runs wherever it is started (inside a network namespace for the benchmarks).
 *
 *   [PROBE_LATENCY_MS=80] node probe-listener.js HOST PORT SECONDS SAMPLE_MS
 */
import { opusDecoderFactory } from '../../src/adapters/audio/audio-backend.js';
import { NullSink } from '../../src/adapters/audio/null-sink.js';
import { TcpConnector } from '../../src/adapters/net/tcp-connector.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { DEFAULT_LATENCY_MS, DEFAULT_MAX_LATENCY_MS, MIN_ADAPTIVE_LATENCY_MS } from '../../src/app/cli-args.js';
import { ListenerSession } from '../../src/app/listener-session.js';

const [host, portText, secondsText, sampleText] = process.argv.slice(2);
const fixedLatency = process.env.PROBE_LATENCY_MS === undefined ? undefined : Number(process.env.PROBE_LATENCY_MS);
const started = performance.now();
const session = new ListenerSession({
  host: host as string,
  port: Number(portText),
  connector: new TcpConnector(),
  sink: new NullSink(systemClock),
  clock: systemClock,
  protocol: 'v2',
  boost: 1,
  // PROBE_LATENCY_MS fixes the target (as `listen --latency MS` does); by default it adapts.
  latencyMs: fixedLatency ?? DEFAULT_LATENCY_MS,
  adaptiveLatency: fixedLatency === undefined ? { minMs: MIN_ADAPTIVE_LATENCY_MS, maxMs: DEFAULT_MAX_LATENCY_MS } : undefined,
  name: 'probe',
  opusDecoderFactory: opusDecoderFactory(),
});
session.on((event) => process.stdout.write(`${JSON.stringify({ t: performance.now() - started, event })}\n`));
await session.start();
const timer = setInterval(() => {
  const s = session.stats();
  const sample = {
    t: performance.now() - started,
    state: s.state,
    bufferedMs: s.bufferedMs,
    targetMs: s.targetMs,
    latencyMs: s.latencyMs,
    underruns: s.underruns,
    missingPackets: s.missingPackets,
    framesReceived: s.framesReceived,
    reconnects: s.reconnects,
    driftPpm: s.driftPpm,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}, Number(sampleText));
setTimeout(() => {
  clearInterval(timer);
  void session.stop().then(() => process.exit(0));
}, Number(secondsText) * 1000);
