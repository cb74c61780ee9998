/**
 * One connected listener, seen from the host: protocol detection (v2 hello, or silence → v1), the
 * handshake, a bounded send queue with one write in flight, and liveness.
 */
import { SAMPLE_RATE, CHANNELS } from '../core/audio-format.js';
import { AuraError, describeError } from '../core/errors.js';
import { negotiate, parseHello, PROTOCOL_VERSION, type CodecName, type Hello } from '../core/handshake.js';
import { SendQueue } from '../core/send-queue.js';
import { decodeJsonBody, encodeJsonFrame, encodePong, FrameReader, FrameType, type Frame } from '../core/v2-frames.js';
import { sanitizeListenerHealth, type ListenerHealth } from '../core/listener-health.js';
import type { Clock } from '../ports/clock.js';
import type { ByteChannel } from '../ports/transport.js';

/** Which wire format a peer receives. */
export type PeerFormat = { protocol: 'v1' } | { protocol: 'v2'; codec: CodecName };

/** Timing rules for peers [ms]. */
export interface PeerTimings {
  /** How long a silent new connection is given before it is treated as a v1 client [ms]. */
  readonly v1SniffMs: number;
  /** How long a v2 client may take to complete its hello [ms]. */
  readonly handshakeMs: number;
  /** A v2 listener that sends nothing for this long is gone [ms]. */
  readonly silenceMs: number;
  /** A write not handed to the OS for this long means the listener stalled [ms]. */
  readonly stallMs: number;
}

/** Defaults: v2 listeners ping every second, so 5 s of silence means dead (issue 2: gone within 5 s). */
export const DEFAULT_PEER_TIMINGS: PeerTimings = { v1SniffMs: 500, handshakeMs: 5000, silenceMs: 4500, stallMs: 4500 };

/** What the host session learns from a peer. */
export interface HostPeerCallbacks {
  /** The peer finished its handshake and wants this format. Return false to refuse it. */
  onReady(peer: HostPeer, format: PeerFormat): { ok: true; packetFrames: number } | { ok: false; code: string; reason: string };
  /** The peer is gone (closed, failed, stalled, or removed); called once. */
  onClosed(peer: HostPeer, reason: string): void;
}

/** A listener connection on the host. */
export class HostPeer {
  /** Listener's display name (from its hello; the address for v1 clients). */
  name: string;
  /** The format it receives, once ready. */
  format: PeerFormat | undefined;
  /** Last health report the listener sent (v2 only). */
  health: ListenerHealth | undefined;
  /** When it connected [ms, host clock]. */
  readonly connectedAtMs: number;
  /** Bytes handed to the OS so far [bytes]. */
  bytesSent = 0;

  private readonly reader = new FrameReader();
  private readonly queue: SendQueue;
  private writing = false;
  private writeStartedMs = 0;
  private lastHeardMs: number;
  private closed = false;
  private readonly cancelTimers: (() => void)[] = [];
  private resolveClosed: () => void = () => {};
  /** Settles once the peer is closed. */
  readonly whenClosed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private readonly hostCodec: CodecName;
  private readonly hostName: string;
  private sawBytes = false;
  private closing = false;
  private closeReason = 'closed';

  constructor(
    readonly channel: ByteChannel,
    private readonly clock: Clock,
    private readonly callbacks: HostPeerCallbacks,
    options: { hostCodec: CodecName; hostName: string; maxQueueFrames: number; timings?: PeerTimings },
  ) {
    const timings = options.timings ?? DEFAULT_PEER_TIMINGS;
    this.name = channel.remoteAddress;
    this.hostCodec = options.hostCodec;
    this.queue = new SendQueue(options.maxQueueFrames);
    this.connectedAtMs = clock.now();
    this.lastHeardMs = this.connectedAtMs;
    this.hostName = options.hostName;

    channel.onData((bytes) => this.onData(bytes));
    channel.onClose((err) => this.close(err ? `connection failed: ${describeError(err)}` : 'disconnected'));
    this.cancelTimers.push(
      clock.setTimeout(() => {
        if (this.format === undefined && !this.sawBytes) this.becomeReady({ protocol: 'v1' });
      }, timings.v1SniffMs),
      clock.setTimeout(() => {
        if (this.format === undefined) this.close('no handshake in time');
      }, timings.handshakeMs),
      clock.setInterval(() => this.checkLiveness(timings), 500),
    );
  }

  /** Audio frames dropped for this listener because it was too slow. */
  get droppedFrames(): number {
    return this.queue.stats.droppedAudio;
  }

  /** Audio frames waiting to be sent. */
  get queuedFrames(): number {
    return this.queue.stats.queuedAudio;
  }

  /** Sets how many audio frames may wait before stale ones are dropped. */
  setMaxQueueFrames(frames: number): void {
    this.queue.setMaxAudioFrames(frames);
  }

  /** Queues an audio frame (dropping stale audio if the queue is full) and starts a write if none is in flight. */
  sendAudio(frame: Buffer): void {
    if (this.closed || this.format === undefined) return;
    this.queue.push('audio', frame);
    this.pump();
  }

  /** Queues a control frame (never dropped). */
  sendControl(frame: Buffer): void {
    if (this.closed) return;
    this.queue.push('control', frame);
    this.pump();
  }

  /** Says goodbye (v2) and closes after the goodbye is written. */
  bye(reason: string): void {
    if (this.closed) return;
    if (this.format?.protocol === 'v2') this.sendControl(encodeJsonFrame(FrameType.Bye, { reason }));
    this.closing = true;
    this.closeReason = reason;
    this.pump();
  }

  /** Closes the connection now; safe to call twice. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of this.cancelTimers) cancel();
    this.channel.destroy();
    this.callbacks.onClosed(this, reason);
    this.resolveClosed();
  }

  private pump(): void {
    if (this.writing || this.closed) return;
    const bytes = this.queue.takeAll();
    if (bytes === undefined) {
      if (this.closing) {
        this.channel.end();
        this.close(this.closeReason);
      }
      return;
    }
    this.writing = true;
    this.writeStartedMs = this.clock.now();
    this.channel.write(bytes, (err) => {
      this.writing = false;
      if (err) return this.close(`write failed: ${describeError(err)}`);
      this.bytesSent += bytes.length;
      this.pump();
    });
  }

  private checkLiveness(timings: PeerTimings): void {
    const now = this.clock.now();
    if (this.writing && now - this.writeStartedMs > timings.stallMs) return this.close('stalled (not reading)');
    if (this.format?.protocol === 'v2' && now - this.lastHeardMs > timings.silenceMs) this.close('went silent');
  }

  private onData(bytes: Buffer): void {
    if (this.closed) return;
    this.sawBytes = true;
    this.lastHeardMs = this.clock.now();
    if (this.format?.protocol === 'v1') return; // v1 clients only listen; anything they send is ignored.
    let frames: Frame[];
    try {
      frames = this.reader.push(bytes);
    } catch (err) {
      return this.close(`protocol error: ${describeError(err)}`);
    }
    for (const frame of frames) {
      try {
        this.onFrame(frame);
      } catch (err) {
        return this.close(`protocol error: ${describeError(err)}`);
      }
      if (this.closed) return;
    }
  }

  private onFrame(frame: Frame): void {
    if (this.format === undefined) {
      if (frame.type !== FrameType.Hello) throw new AuraError('ERR_PROTOCOL', 'first message was not a hello');
      const hello: Hello = parseHello(decodeJsonBody(frame.body));
      this.name = hello.name;
      const outcome = negotiate(hello, this.hostCodec);
      if ('reject' in outcome) return this.reject(outcome.reject.code, outcome.reject.reason);
      this.becomeReady({ protocol: 'v2', codec: outcome.codec });
      return;
    }
    switch (frame.type) {
      case FrameType.Ping:
        this.sendControl(encodePong(frame.body.readDoubleBE(0), this.clock.now()));
        return;
      case FrameType.Stats:
        this.health = sanitizeListenerHealth(decodeJsonBody(frame.body));
        return;
      case FrameType.Bye:
        this.close('left');
        return;
      default:
        throw new AuraError('ERR_PROTOCOL', `unexpected message 0x${frame.type.toString(16)} from a listener`);
    }
  }

  private reject(code: string, reason: string): void {
    this.queue.push('control', encodeJsonFrame(FrameType.Reject, { code, reason }));
    this.closing = true;
    this.closeReason = `rejected: ${reason}`;
    this.pump();
  }

  private becomeReady(format: PeerFormat): void {
    const answer = this.callbacks.onReady(this, format);
    if (!answer.ok) {
      if (format.protocol === 'v2') return this.reject(answer.code, answer.reason);
      return this.close(answer.reason);
    }
    this.format = format;
    if (format.protocol === 'v2') {
      this.sendControl(
        encodeJsonFrame(FrameType.Welcome, {
          protocol: PROTOCOL_VERSION,
          codec: format.codec,
          sampleRate: SAMPLE_RATE,
          channels: CHANNELS,
          packetFrames: answer.packetFrames,
          hostName: this.hostName,
        }),
      );
    }
  }
}
