/**
 * Pipeline latency: capture timestamp of a packet's first frame → its audio handed to the listener's sink,
 * over real TCP on 127.0.0.1, host and listener in one process (one clock). Prints JSON.
 * Opus is measured when the audio backend (audify) is installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAudioBackend, opusDecoderFactory } from '../src/adapters/audio/audio-backend.js';
import { TcpConnector } from '../src/adapters/net/tcp-connector.js';
import { systemClock } from '../src/adapters/system-clock.js';
import { ListenerSession } from '../src/app/listener-session.js';
import type { CodecName } from '../src/core/handshake.js';
import type { StreamSink } from '../src/ports/audio-sink.js';
import { writeTestWav } from '../test/support/audio-files.js';
import { startLoopbackHost } from '../test/support/loopback-host.js';
import { percentile, round } from './support/stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function measure(codec: CodecName, input: string): Promise<Record<string, unknown>> {
  const backend = await loadAudioBackend({ required: false }).catch(() => undefined);
  if (codec === 'opus' && backend === undefined) return { codec, skipped: 'audio backend (audify) not installed' };
  const host = await startLoopbackHost(input, codec, { hostName: 'bench' });
  const discard: StreamSink = { kind: 'stream', description: 'discard', write: () => Promise.resolve(), close: () => Promise.resolve() };
  const latencies: number[] = [];
  const startedAt = performance.now();
  const listener = new ListenerSession({
    host: '127.0.0.1',
    port: host.port,
    connector: new TcpConnector(),
    sink: discard,
    clock: systemClock,
    protocol: 'v2',
    boost: 1,
    latencyMs: 60,
    name: 'bench',
    opusDecoderFactory: opusDecoderFactory(),
    onDelivered: (captureTimeMs) => {
      // Skip the first second: connection set-up and the read-ahead of the file source.
      if (performance.now() - startedAt > 1000) latencies.push(performance.now() - captureTimeMs);
    },
  });
  await listener.start();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  await listener.stop();
  await host.stop();
  return {
    codec,
    packets: latencies.length,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
    note: 'from the capture time of a packet\'s first frame, so a packet\'s own length (5 ms PCM, 10 ms Opus) is included',
  };
}

export async function runPipelineLatency(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-'));
  try {
    const input = join(dir, 'tones.wav');
    writeTestWav(input, { seconds: SECONDS + 5, kind: 'tones' });
    return { bench: 'pipeline-latency', seconds: SECONDS, results: [await measure('pcm', input), await measure('opus', input)] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runPipelineLatency(), null, 2));
  process.exit(0);
}
