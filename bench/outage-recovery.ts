/**
 * Recovery after a link outage (issue 6 (c)): host and listener in two network namespaces; once the
 * stream has settled, the listener's link is taken down for 3 s (BENCH_OUTAGE_MS), five times (BENCH_OUTAGES).
 * Per outage: how long after the link returns audio flows again, and until the jitter buffer is back at its
 * target. Prints JSON. Needs root and iproute2.
 *
 * BENCH_OUTAGE_KIND picks the outage: `down` (default) takes the listener's device down (its veth peer, the
 * host's end, loses its carrier with it), so both ends' stacks know: routes go and sends fail locally;
 * `blackhole` loses every packet on a link whose ends stay up (test/support/lossy-link.py, no delay or
 * loss otherwise), as when Wi-Fi stops carrying frames without anyone's interface going down: neither
 * TCP stack is told, and each backs its resends off (RTO doubling from ~200 ms: 0.2, 0.6, 1.4, 3 s...).
 */
import type { CodecName } from '../src/core/handshake.js';
import { netnsUnavailableReason } from '../test/support/netns.js';
import { startLinkedStream, type LinkedStream, type ProbeSample } from './support/linked-stream.js';
import { percentile, round } from './support/stats.js';

const OUTAGES = Number(process.env.BENCH_OUTAGES ?? 5);
const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 3000);
const KIND = process.env.BENCH_OUTAGE_KIND ?? 'down';
const SETTLE_MS = 12_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** First sample at or after `fromMs` for which `test` holds. */
function firstAfter(samples: readonly ProbeSample[], fromMs: number, test: (sample: ProbeSample, previous: ProbeSample) => boolean): ProbeSample | undefined {
  for (let i = 1; i < samples.length; i++) {
    const sample = samples[i] as ProbeSample;
    if (sample.t >= fromMs && test(sample, samples[i - 1] as ProbeSample)) return sample;
  }
  return undefined;
}

/** The host's roster lines since `sinceMs` (wall clock), counted: "+ … joined", "~ … rejoined", "- … left". */
function hostRoster(stream: LinkedStream, sinceMs: number): { joined: number; rejoined: number; left: number } {
  const lines = stream.hostLog.lines.filter((line) => line.atMs >= sinceMs).map((line) => line.text);
  const count = (pattern: RegExp) => lines.filter((text) => pattern.test(text)).length;
  return { joined: count(/^\+ .* joined /), rejoined: count(/^~ .* rejoined /), left: count(/^- .* left /) };
}

async function measure(codec: CodecName): Promise<Record<string, unknown>> {
  const seconds = (SETTLE_MS + OUTAGES * (OUTAGE_MS + SETTLE_MS)) / 1000 + 2;
  const impairment = KIND === 'blackhole' ? { delayMs: 0, jitterMs: 0, lossPercent: 0, seed: 1 } : undefined;
  const stream = await startLinkedStream({ codec, seconds, sampleMs: 10, impairment });
  const setLink = (up: boolean) =>
    stream.blackHole === undefined ? stream.lab.setLink(stream.listenerNs, stream.listenerDevice, up) : stream.blackHole(!up);
  try {
    await sleep(SETTLE_MS);
    const outages = [];
    for (let n = 0; n < OUTAGES; n++) {
      const before = stream.samples.at(-1) as ProbeSample;
      const cutAt = Date.now();
      setLink(false);
      await sleep(OUTAGE_MS);
      setLink(true);
      const upAt = stream.probeNowMs();
      await sleep(SETTLE_MS);
      const flowing = firstAfter(stream.samples, upAt, (s, p) => s.framesReceived > p.framesReceived);
      const atTarget = flowing && firstAfter(stream.samples, flowing.t, (s) => s.state === 'playing' && s.bufferedMs >= s.targetMs - 5);
      const after = stream.samples.at(-1) as ProbeSample;
      outages.push({
        audioBackAfterMs: flowing === undefined ? null : round(flowing.t - upAt, 0),
        bufferAtTargetAfterMs: atTarget === undefined ? null : round(atTarget.t - upAt, 0),
        reconnected: after.reconnects > before.reconnects,
        targetBeforeMs: round(before.targetMs, 0),
        targetAfterMs: round(after.targetMs, 0),
        // How the host saw it: the same listener back on a new connection (its old one replaced), or a leave and a join.
        host: hostRoster(stream, cutAt),
      });
    }
    const back = outages.map((o) => o.audioBackAfterMs).filter((v): v is number => v !== null);
    const atTarget = outages.map((o) => o.bufferAtTargetAfterMs).filter((v): v is number => v !== null);
    return {
      codec,
      outages,
      medianAudioBackMs: round(percentile(back, 50), 0),
      medianBufferAtTargetMs: round(percentile(atTarget, 50), 0),
      rangeBufferAtTargetMs: [Math.min(...atTarget), Math.max(...atTarget)],
    };
  } finally {
    await stream.stop();
  }
}

export async function runOutageRecovery(): Promise<Record<string, unknown>> {
  const reason = netnsUnavailableReason();
  if (reason !== undefined) return { bench: 'outage-recovery', skipped: reason };
  if (!Number.isInteger(OUTAGES) || OUTAGES < 1) return { bench: 'outage-recovery', error: `BENCH_OUTAGES must be a whole number from 1, got '${process.env.BENCH_OUTAGES}'` };
  if (!Number.isInteger(OUTAGE_MS) || OUTAGE_MS < 100) return { bench: 'outage-recovery', error: `BENCH_OUTAGE_MS must be a whole number of ms from 100, got '${process.env.BENCH_OUTAGE_MS}'` };
  if (KIND !== 'down' && KIND !== 'blackhole') return { bench: 'outage-recovery', error: `BENCH_OUTAGE_KIND must be down or blackhole, got '${KIND}'` };
  return {
    bench: 'outage-recovery',
    note: `listener link ${KIND === 'down' ? 'down' : 'a black hole'} ${OUTAGE_MS} ms, ${OUTAGES} times; times from the link coming back up, sampled every 10 ms; "at target" = buffer within 5 ms of the target while playing`,
    results: [await measure('opus'), await measure('pcm')],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runOutageRecovery(), null, 2));
  process.exit(0);
}
