/**
 * A capture device that may go away while hosting (a sink unloaded, a USB device unplugged): when it
 * fails with ERR_DEVICE_UNAVAILABLE, or `isPresent` (asked every `watchMs`) says it is gone, this says
 * so once, keeps the stream going with silence (so listeners stay connected and in step) and tries to
 * open the device again every `retryMs`; when it opens, it says so and the real audio carries on. Other
 * errors, and end of input, pass through.
 *
 * The watch is needed because PulseAudio (≥ 14) and PipeWire move a removed source's streams to the
 * default source themselves: the capture would silently carry on with some other device's sound —
 * sound the user never chose to share. Silence until the chosen device is back is the safe side.
 */
import { BLOCK_FRAMES, CHANNELS, framesToMs } from '../../core/audio-format.js';
import { AuraError, describeError } from '../../core/errors.js';
import type { AudioSource, AudioSourceHandlers } from '../../ports/audio-source.js';
import type { Clock } from '../../ports/clock.js';

/** Options of a RetryingCaptureSource. */
export interface RetryingCaptureOptions {
  /** Makes a fresh source on the device (a failed one cannot be restarted). */
  readonly open: () => AudioSource;
  readonly clock: Clock;
  /** One line each: the device is gone, it is back. */
  readonly onNotice: (message: string) => void;
  /** Time between attempts to open the device again [ms] (default 2000). */
  readonly retryMs?: number;
  /**
   * Time between two isPresent questions [ms] (default 500): how long another device's sound may flow
   * after the sound server moved the stream, before this notices. A probe costs ~0.8 ms.
   */
  readonly watchMs?: number;
  /** Whether the chosen device is still there; without it, only a failing stream shows that it went. */
  readonly isPresent?: () => Promise<boolean>;
}

/** Captures from a device, bridging its absences with silence. */
export class RetryingCaptureSource implements AudioSource {
  private current: AudioSource;
  private handlers: AudioSourceHandlers | undefined;
  private stopped = false;
  private cancelSilence: (() => void) | undefined;
  private cancelRetry: (() => void) | undefined;
  private cancelWatch: (() => void) | undefined;
  /** The source that was lost: whatever it still delivers (a late callback) is not the chosen device's. */
  private lost: AudioSource | undefined;
  private lastBlockMs = 0;
  private readonly retryMs: number;

  constructor(private readonly options: RetryingCaptureOptions) {
    this.current = options.open();
    this.retryMs = options.retryMs ?? 2000;
  }

  get description(): string {
    return this.current.description;
  }

  /** True while the device is gone and silence is sent instead. */
  get bridging(): boolean {
    return this.cancelSilence !== undefined;
  }

  async start(handlers: AudioSourceHandlers): Promise<void> {
    this.handlers = handlers;
    await this.current.start(this.forward(this.current));
    this.watch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelWatch?.();
    this.cancelWatch = undefined;
    this.cancelSilence?.();
    this.cancelSilence = undefined;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    await this.current.stop();
  }

  /** Handlers for one inner source: its blocks go on; its loss starts the bridge. */
  private forward(source: AudioSource): AudioSourceHandlers {
    return {
      onBlock: (block) => {
        if (source !== this.current || source === this.lost || this.stopped) return;
        if (block.captureTimeMs < this.lastBlockMs) return; // never behind the silence already sent
        this.cancelSilence?.(); // the device is back: its audio replaces the silence from this block on
        this.cancelSilence = undefined;
        this.lastBlockMs = block.captureTimeMs;
        this.handlers?.onBlock(block);
      },
      onError: (err) => {
        if (source !== this.current || source === this.lost || this.stopped) return;
        if (err.code !== 'ERR_DEVICE_UNAVAILABLE') return this.handlers?.onError(err);
        this.bridge(err);
      },
      onEnd: () => {
        if (source === this.current && !this.stopped) this.handlers?.onEnd();
      },
    };
  }

  private watch(): void {
    const { isPresent, clock } = this.options;
    if (isPresent === undefined) return;
    let asking = false;
    this.cancelWatch = clock.setInterval(() => {
      if (asking || this.bridging || this.stopped) return;
      asking = true;
      const watched = this.current;
      void isPresent()
        .then(async (present) => {
          if (present || watched !== this.current || this.bridging || this.stopped) return;
          await watched.stop().catch(() => {});
          this.bridge(new AuraError('ERR_DEVICE_UNAVAILABLE', 'the device was removed'));
        })
        .finally(() => (asking = false));
    }, this.options.watchMs ?? 500);
  }

  private bridge(err: AuraError): void {
    const { clock } = this.options;
    this.lost = this.current;
    this.options.onNotice(`capture device '${this.current.description}' is gone (${describeError(err)}); sending silence and retrying every ${this.retryMs / 1000} s`);
    // Silence on the clock, one block at a time, continuing the stamps where the device left off.
    const blockMs = framesToMs(BLOCK_FRAMES);
    let next = Math.max(this.lastBlockMs + blockMs, clock.now() - blockMs);
    this.cancelSilence = clock.setInterval(() => {
      while (next + blockMs <= clock.now() && !this.stopped) {
        this.lastBlockMs = next;
        this.handlers?.onBlock({ samples: new Float32Array(BLOCK_FRAMES * CHANNELS), captureTimeMs: next });
        next += blockMs;
      }
    }, blockMs);
    const retry = () => {
      this.cancelRetry = clock.setTimeout(() => void this.tryReopen().then((ok) => (ok ? undefined : retry())), this.retryMs);
    };
    retry();
  }

  private async tryReopen(): Promise<boolean> {
    if (this.stopped) return true;
    // Asked first: a capture opened on a device that is not there may be given another one by the sound server
    // (PipeWire connects parec to the default source), whose sound the user never chose to share.
    if (this.options.isPresent !== undefined && !(await this.options.isPresent().catch(() => true))) return false;
    if (this.stopped) return true;
    const candidate = this.options.open();
    const previous = this.current;
    this.current = candidate;
    try {
      await candidate.start(this.forward(candidate));
    } catch {
      this.current = previous;
      await candidate.stop().catch(() => {});
      return false;
    }
    if (this.stopped) {
      await candidate.stop();
      return true;
    }
    await previous.stop().catch(() => {});
    this.options.onNotice(`capture device '${candidate.description}' is back`);
    return true;
  }
}
