/**
 * A listener's second (or third) connection to the same stream (its "twin"): the host sends it the same
 * audio frames as the first. TCP delivers in order, so one lost segment holds back everything behind it
 * until the resend arrives (a Wi-Fi loss costs a round trip and more: 80-260 ms measured on the lossy-link
 * bench); two connections seldom stall at the same moment, three almost never, and the listener takes
 * each packet from whichever brings it first. A twin is best-effort: it reconnects on its own while the
 * primary lives, and its failures are never the stream's.
 */
import { parseWelcome, PROTOCOL_VERSION, type CodecName } from '../core/handshake.js';
import { decodeJsonBody, encodeJsonFrame, encodePing, FrameReader, FrameType, type Frame } from '../core/v2-frames.js';
import type { Clock } from '../ports/clock.js';
import type { ByteChannel, ChannelConnector } from '../ports/transport.js';

/** Options of a TwinLink. */
export interface TwinLinkOptions {
  readonly connector: ChannelConnector;
  readonly clock: Clock;
  readonly host: string;
  readonly port: number;
  /** The twin token from the primary's Welcome. */
  readonly token: Buffer;
  /** Which of the listener's twins this is (Hello.twinSlot; default 0), below the Welcome's twinSlots. */
  readonly slot?: number;
  /** The primary's codec: a twin offering another is not the same stream. */
  readonly codec: CodecName;
  /** The listener's display name (the host shows the primary's). */
  readonly name: string;
  /** Each audio frame the twin brings (the listener drops the ones it already has). */
  readonly onAudio: (frame: Frame) => void;
  /** Time between reconnection attempts [ms] (default 1000). */
  readonly retryMs?: number;
  /** Time between pings, which keep the host's liveness check happy [ms] (default 1000). */
  readonly pingMs?: number;
  /** Nothing heard for this long means the twin is dead [ms] (default 3000). */
  readonly silenceMs?: number;
}

/** Keeps a twin connection open while it runs. */
export class TwinLink {
  private stopped = false;
  private channel: ByteChannel | undefined;
  private cancel: (() => void)[] = [];
  private attached = false;

  constructor(private readonly options: TwinLinkOptions) {}

  /** True while a twin connection is welcomed and carrying audio. */
  get connected(): boolean {
    return this.attached;
  }

  /** Starts connecting (in the background). */
  start(): void {
    void this.connect();
  }

  /** Closes the twin (with a goodbye when it was welcomed); safe to call twice. */
  stop(): void {
    this.stopped = true;
    this.drop();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { connector, host, port } = this.options;
    let channel: ByteChannel;
    try {
      channel = await connector.connect(host, port, 3000);
    } catch {
      return this.retry();
    }
    if (this.stopped) return channel.destroy();
    this.channel = channel;
    const reader = new FrameReader();
    let lastHeard = this.options.clock.now();
    channel.onClose(() => {
      if (this.channel === channel) this.retry();
    });
    channel.onData((bytes) => {
      if (this.channel !== channel) return;
      lastHeard = this.options.clock.now();
      try {
        for (const frame of reader.push(bytes)) {
          this.onFrame(frame);
          if (this.channel !== channel) return;
        }
      } catch {
        this.retry(); // a malformed frame
      }
    });
    const silenceMs = this.options.silenceMs ?? 3000;
    this.cancel.push(
      this.options.clock.setInterval(() => {
        if (this.options.clock.now() - lastHeard > silenceMs) return this.retry(); // silent: dead
        if (this.attached) channel.write(encodePing(this.options.clock.now()));
      }, this.options.pingMs ?? 1000),
    );
    channel.write(
      encodeJsonFrame(FrameType.Hello, { protocol: PROTOCOL_VERSION, codecs: [this.options.codec], name: this.options.name, twinOf: this.options.token.toString('base64'), ...(this.options.slot ? { twinSlot: this.options.slot } : {}) }),
    );
  }

  private onFrame(frame: Frame): void {
    if (!this.attached) {
      if (frame.type === FrameType.Reject) return this.retry(true); // no such stream (any more): the primary gets a new token
      if (frame.type !== FrameType.Welcome) return this.retry();
      const welcome = parseWelcome(decodeJsonBody(frame.body));
      if (welcome.twin !== true || welcome.codec !== this.options.codec) return this.retry(true); // not our stream
      this.attached = true;
      return;
    }
    if (frame.type === FrameType.Audio) {
      this.options.onAudio(frame);
    } else if (frame.type === FrameType.Bye) {
      this.retry();
    }
    // Pongs and anything newer are of no use to a twin.
  }

  /** Ends the current twin connection and, unless `final` or stopped, tries again after retryMs. */
  private retry(final = false): void {
    this.drop();
    if (this.stopped || final) return;
    this.cancel.push(this.options.clock.setTimeout(() => void this.connect(), this.options.retryMs ?? 1000));
  }

  private drop(): void {
    for (const cancel of this.cancel.splice(0)) cancel();
    const channel = this.channel;
    this.channel = undefined;
    if (channel === undefined) return;
    if (this.stopped && this.attached) {
      channel.write(encodeJsonFrame(FrameType.Bye, { reason: 'listener stopped' }));
      channel.end();
    } else {
      channel.destroy();
    }
    this.attached = false;
  }
}
