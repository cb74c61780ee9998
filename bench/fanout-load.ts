/**
 * Host cost of fan-out: host CPU (% of one core) and bytes sent per listener at 1, 10 and 100 listeners,
 * for PCM and Opus. Listeners run in a child process on 127.0.0.1 so the CPU figure is the host's own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAudioBackend } from '../src/adapters/audio/audio-backend.js';
import type { CodecName } from '../src/core/handshake.js';
import { writeTestWav } from '../test/support/audio-files.js';
import { startLoopbackHost } from '../test/support/loopback-host.js';
import { round } from './support/stats.js';

/** Seconds measured per run. */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const loader = fileURLToPath(new URL('./support/load-listeners.js', import.meta.url));

/** Host CPU and bytes per listener for `listeners` listeners of `codec` (with `accessCode`: encrypted). */
export async function measureFanout(codec: CodecName, listeners: number, input: string, accessCode?: string): Promise<Record<string, unknown>> {
  const backend = await loadAudioBackend({ required: false }).catch(() => undefined);
  if (codec === 'opus' && backend === undefined) return { codec, listeners, skipped: 'audio backend (audify) not installed' };
  const host = await startLoopbackHost(input, codec, { hostName: 'bench', maxListeners: 1000, accessCode });
  const args = [loader, String(host.port), String(listeners), codec, String(SECONDS), ...(accessCode === undefined ? [] : [accessCode])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const dropsStart = host.stats().droppedFrames;
  await new Promise((resolve) => child.on('close', resolve));
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const drops = host.stats().droppedFrames - dropsStart;
  await host.stop();
  const result = JSON.parse(output.trim() || '{"bytes":0,"listeners":0}') as { bytes: number; listeners: number };
  const perListenerKbps = (result.bytes * 8) / Math.max(1, result.listeners) / SECONDS / 1000;
  return {
    codec,
    listeners: result.listeners,
    hostCpuPercentOfOneCore: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 1),
    perListenerKbps: round(perListenerKbps, 1),
    droppedFrames: drops,
  };
}

export async function runFanoutLoad(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-'));
  try {
    const input = join(dir, 'tones.wav');
    writeTestWav(input, { seconds: SECONDS + 8, kind: 'tones' });
    const results = [];
    for (const codec of ['pcm', 'opus'] as const) for (const listeners of [1, 10, 100]) results.push(await measureFanout(codec, listeners, input));
    return {
      bench: 'fanout-load',
      seconds: SECONDS,
      note: 'perListenerKbps counts AuraLync bytes (framing included), not TCP/IP headers',
      results,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runFanoutLoad(), null, 2));
  process.exit(0);
}
