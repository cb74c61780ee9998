/**
 * Connecting again after a stream dropped, with a fresh attempt every few hundred ms while earlier ones are
 * still unanswered. A link that loses every packet without either end being told (Wi-Fi that stopped
 * carrying frames) swallows the SYN, and the kernel sends it again only after 1 s (Linux 6.x, four times;
 * older kernels 1, 2, 4 s): an attempt started during the hiccup keeps the listener waiting up to that long
 * after the link is back. With a new attempt every `everyMs`, one leaves within `everyMs` of the link's
 * return. Attempts that fail at once (no route, a refusal) fail the whole as a single attempt would, so the
 * caller's own pacing still applies.
 */
import { AuraError } from '../core/errors.js';
import type { Clock } from '../ports/clock.js';
import type { ByteChannel, ChannelConnector } from '../ports/transport.js';

/** Where and how connectStaggered connects. */
export interface StaggeredConnectOptions {
  readonly connector: ChannelConnector;
  readonly clock: Clock;
  readonly host: string;
  readonly port: number;
  /** A further attempt starts this long after the last while none has answered [ms]. */
  readonly everyMs: number;
  /** Gives up this long after the first attempt [ms]; each attempt's own timeout too. */
  readonly timeoutMs: number;
}

/**
 * Resolves with the first attempt to connect (later ones are closed as they come), or rejects with the
 * last failure once every attempt started has failed, or after `timeoutMs`.
 */
export function connectStaggered(options: StaggeredConnectOptions): Promise<ByteChannel> {
  const { connector, clock, host, port, everyMs, timeoutMs } = options;
  if (!(everyMs > 0) || !(timeoutMs >= everyMs)) throw new RangeError('connectStaggered needs 0 < everyMs <= timeoutMs');
  return new Promise<ByteChannel>((resolve, reject) => {
    let settled = false;
    let pending = 0;
    let started = 0;
    let lastError: unknown;
    const cancels: (() => void)[] = [];
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      for (const cancel of cancels) cancel();
      finish();
    };
    const attempt = () => {
      if (settled) return;
      started++;
      pending++;
      const leftMs = Math.max(everyMs, timeoutMs - (started - 1) * everyMs);
      connector.connect(host, port, leftMs).then(
        (channel) => {
          pending--;
          if (settled) channel.destroy();
          else settle(() => resolve(channel));
        },
        (err: unknown) => {
          pending--;
          lastError = err;
          // Only when nothing is left waiting: one attempt failing fast says nothing of those still out.
          if (pending === 0) settle(() => reject(err));
        },
      );
    };
    attempt();
    for (let at = everyMs; at < timeoutMs; at += everyMs) cancels.push(clock.setTimeout(attempt, at));
    cancels.push(
      clock.setTimeout(
        () => settle(() => reject(lastError ?? new AuraError('ERR_HOST_UNREACHABLE', `cannot reach ${host}:${port}: no answer in ${timeoutMs / 1000} s`))),
        timeoutMs,
      ),
    );
  });
}
