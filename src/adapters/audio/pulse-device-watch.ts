/**
 * The sound server's devices as pactl lists them, listed again only when the server says they changed. A
 * chosen device is checked every 0.5 s for a whole film (RetryingCaptureSource, FallbackPlaybackSink), and
 * listing through pactl costs three child processes, whose start blocks the event loop: 28-46 ms on these
 * machines, every 0.5 s, which held the host's capture back by 45-96 ms each time on PipeWire (measured
 * 2026-12-05). One `pactl subscribe` instead says when a sink, a source or the default changes. Its count of
 * changes (changes()) lets audify's own listing be kept the same way (AudifyDeviceCatalog): each of those
 * opens a new connection to the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { listPulseDevices } from './pulse-devices.js';

/** What listPulseDevices finds. */
export type PulseDevices = NonNullable<Awaited<ReturnType<typeof listPulseDevices>>>;

/** How long after `pactl subscribe` failed or ended before it is started again [ms]; meanwhile every call lists. */
const RESUBSCRIBE_MS = 10_000;

/** pactl's event lines that change what is listed: a sink or source added or removed, the default changed. */
const RELEVANT = /^Event '(?:(?:new|remove)' on (?:sink|source)|change' on server) /;

/** Lists the server's devices once, then again only after it reports a change. */
export class PulseDeviceWatch {
  /** The last listing, and the change count it was made at: kept while the count stays the same. */
  private cached: { readonly change: number; readonly listing: Promise<PulseDevices | undefined> } | undefined;
  private subscription: ChildProcess | undefined;
  /** Changes reported (and subscriptions lost) since this watch began: what a listing is kept against. */
  private changeCount = 0;
  private lastTryMs = -Infinity;
  private readonly stopOnExit = () => this.close();

  /** @param list lists the devices (default: listPulseDevices); @param command the pactl to subscribe with. */
  constructor(
    private readonly list: () => Promise<PulseDevices | undefined> = listPulseDevices,
    private readonly command = 'pactl',
  ) {}

  /** The devices now: the last listing while the server has reported no change since, else a new one. */
  devices(): Promise<PulseDevices | undefined> {
    const change = this.changes();
    if (change !== undefined && this.cached?.change === change) return this.cached.listing;
    const listing = this.list();
    const cached = change === undefined ? undefined : { change, listing };
    this.cached = cached;
    // A listing that failed (pactl timed out, say) is not kept: the next call tries again.
    void listing.then((found) => {
      if (found === undefined && this.cached === cached) this.cached = undefined;
    });
    return listing;
  }

  /**
   * A count that moves whenever the server reports a sink or source coming or going or the default changing (or
   * the subscription ends), so a caller may keep a listing of its own while it stays the same; undefined while no
   * subscription runs (nothing can be kept then). Starts the subscription if it is not running.
   */
  changes(): number | undefined {
    this.subscribe();
    return this.subscription === undefined ? undefined : this.changeCount;
  }

  /** Ends the subscription; later calls list every time until it is started again (at most every 10 s). */
  close(): void {
    this.subscription?.kill();
    this.forget();
  }

  private subscribe(): void {
    if (this.subscription !== undefined || performance.now() - this.lastTryMs < RESUBSCRIBE_MS) return;
    this.lastTryMs = performance.now();
    const child = spawn(this.command, ['subscribe'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
    this.subscription = child;
    let tail = '';
    child.stdout?.on('data', (bytes: Buffer) => {
      const lines = (tail + bytes.toString()).split('\n');
      tail = lines.pop() ?? '';
      if (lines.some((line) => RELEVANT.test(line))) this.changeCount++;
    });
    const ended = () => {
      if (this.subscription === child) this.forget();
    };
    child.once('error', ended);
    child.once('exit', ended);
    // Neither the subscription nor its pipe keeps the process alive, and it goes when the process does.
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    process.once('exit', this.stopOnExit);
  }

  private forget(): void {
    this.subscription = undefined;
    this.changeCount++;
    process.removeListener('exit', this.stopOnExit);
  }
}

let shared: { server: string | undefined; watch: PulseDeviceWatch } | undefined;

/**
 * The process's one watch, for the server PULSE_SERVER names now: every catalog in a process shares one
 * subscription (a process that switches servers, as the tests do, gets a new watch and the old one ends).
 */
export function sharedPulseDeviceWatch(): PulseDeviceWatch {
  const server = process.env.PULSE_SERVER;
  if (shared === undefined || shared.server !== server) {
    shared?.watch.close();
    shared = { server, watch: new PulseDeviceWatch() };
  }
  return shared.watch;
}
