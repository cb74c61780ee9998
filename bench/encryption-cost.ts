/**
 * What the access code's encryption costs (issue 7): AES-256-GCM per packet (seal on the host, once per
 * packet for all listeners; open on each listener) as time per packet and % of one core at the stream's
 * packet rate; and the host's whole CPU with 10 and 100 listeners, open vs with a code. Prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveCodeKey, freshNonce, generateCode, streamKey } from '../src/core/access-code.js';
import { AudioCipher } from '../src/core/audio-cipher.js';
import { encodeAudioHeader } from '../src/core/v2-frames.js';
import { writeTestWav } from '../test/support/audio-files.js';
import { measureFanout, SECONDS } from './fanout-load.js';
import { percentile, round } from './support/stats.js';

const PACKETS = Number(process.env.BENCH_PACKETS ?? 20_000);

/** Median over 5 rounds of the time to seal and to open one payload of `bytes` bytes [µs]. */
function cipherCost(bytes: number, packetsPerSecond: number): Record<string, unknown> {
  const cipher = new AudioCipher(streamKey(deriveCodeKey(generateCode(), freshNonce()), freshNonce()));
  const payload = Buffer.alloc(bytes, 0x5a);
  const seals: number[] = [];
  const opens: number[] = [];
  for (let round = 0; round < 5; round++) {
    const sealed: Buffer[] = [];
    let start = process.cpuUsage();
    for (let i = 0; i < PACKETS; i++) sealed.push(cipher.seal(encodeAudioHeader(i, i * 20), payload));
    let cpu = process.cpuUsage(start);
    seals.push((cpu.user + cpu.system) / PACKETS);
    start = process.cpuUsage();
    for (let i = 0; i < PACKETS; i++) cipher.open(encodeAudioHeader(i, i * 20), sealed[i] as Buffer);
    cpu = process.cpuUsage(start);
    opens.push((cpu.user + cpu.system) / PACKETS);
  }
  const sealUs = percentile(seals, 50);
  const openUs = percentile(opens, 50);
  return {
    payloadBytes: bytes,
    packetsPerSecond,
    sealMicrosecondsPerPacket: round(sealUs, 2),
    openMicrosecondsPerPacket: round(openUs, 2),
    hostPercentOfOneCore: round((sealUs * packetsPerSecond) / 1e4, 3),
    listenerPercentOfOneCore: round((openUs * packetsPerSecond) / 1e4, 3),
  };
}

export async function runEncryptionCost(): Promise<Record<string, unknown>> {
  const keyStart = performance.now();
  deriveCodeKey(generateCode(), freshNonce());
  const keyDerivationMs = performance.now() - keyStart;
  const perPacket = [cipherCost(320, 50), cipherCost(3840, 100)];
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-crypto-'));
  try {
    const input = join(dir, 'tones.wav');
    writeTestWav(input, { seconds: SECONDS + 8, kind: 'tones' });
    const fanout = [];
    for (const codec of ['opus', 'pcm'] as const) {
      for (const listeners of [10, 100]) {
        const open = await measureFanout(codec, listeners, input);
        const coded = await measureFanout(codec, listeners, input, generateCode());
        fanout.push({ codec, listeners, open, withCode: coded });
      }
    }
    return {
      bench: 'encryption-cost',
      note: 'per-packet figures: CPU time, median of 5 rounds; 320 B ≈ one 20 ms Opus packet at 128 kb/s, 3840 B = one 10 ms PCM packet. The host seals each packet once for all listeners of a codec; each listener opens its own.',
      keyDerivationMs: round(keyDerivationMs, 1),
      perPacket,
      fanout,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runEncryptionCost(), null, 2));
  process.exit(0);
}
