/**
 * One connected listener, seen from the host: protocol detection (v2 hello, or silence → v1), the
 * handshake, a bounded send queue with one write in flight, and liveness.
 */
import { freshNonce, hostProof, listenerProof, proofMatches, type KdfParams } from '../core/access-code.js';
import { SAMPLE_RATE, CHANNELS } from '../core/audio-format.js';
import { AuraError, describeError } from '../core/errors.js';
import { negotiate, parseAuth, parseHello, PROTOCOL_VERSION, type CodecName, type Hello } from '../core/handshake.js';
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

/** Defaults: v2 listeners ping every 0.5 s (their twins every second), so 4.5 s of silence means dead (issue 2: gone within 5 s). */
export const DEFAULT_PEER_TIMINGS: PeerTimings = { v1SniffMs: 500, handshakeMs: 5000, silenceMs: 4500, stallMs: 4500 };

/**
 * Twin connections a host keeps per listener (Welcome.twinSlots): up to two, so a listener may take each
 * packet from whichever of three TCP connections brings it first (see TwinLink). The listener decides how
 * many it opens.
 */
export const HOST_TWIN_SLOTS = 2;

/** What a peer needs to challenge a listener for the host's access code. */
export interface PeerAccess {
  /** Salt of the code's key (this run of the host). */
  readonly salt: Buffer;
  /** scrypt parameters the key was derived with. */
  readonly kdf: KdfParams;
  /** The code's key. */
  readonly key: Buffer;
  /** How long this address must wait before its next guess is checked [ms]; 0 = check now. */
  waitMs(address: string): number;
  /** Counts a wrong code from this address. */
  recordFailure(address: string): void;
}

/** The host session's answer when a peer is ready: admitted (with its stream's packet size and key salt), or refused. */
export type AdmitAnswer = { ok: true; packetFrames: number; codecDelayFrames?: number; streamSalt?: Buffer } | { ok: false; code: string; reason: string };

/** What the host session learns from a peer. */
export interface HostPeerCallbacks {
  /** The peer finished its handshake and wants this format. Return false to refuse it. */
  onReady(peer: HostPeer, format: PeerFormat): AdmitAnswer;
  /** The peer was refused (full, wrong code, v1 while a code is set, ...), just before it is closed. */
  onRefused(peer: HostPeer, reason: string): void;
  /** The peer is gone (closed, failed, stalled, or removed); called once. */
  onClosed(peer: HostPeer, reason: string): void;
  /**
   * The peer asks to be the twin of the admitted stream whose Welcome carried `token`: the session
   * attaches it (same audio frames, not a listener of its own) and returns the primary, or undefined.
   */
  onTwin(peer: HostPeer, token: Buffer, slot: number): HostPeer | undefined;
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
  /** The token a twin of this peer presents (set in its Welcome when the listener offered twins). */
  twinToken: Buffer | undefined;
  /** Set on a twin connection: the peer whose audio it doubles. */
  twinOf: HostPeer | undefined;
  /** Set on a twin connection: its slot among its primary's twins (Hello.twinSlot). */
  twinSlot = 0;
  /** This peer's twin connections by slot. */
  readonly twins = new Map<number, HostPeer>();
  /** The token naming this peer's stream, sent in its Welcome (v2 primaries only): a reconnect of the same listener presents it. */
  resumeToken: Buffer | undefined;
  /** From the Hello: the resume token of the stream this listener had before (see Hello.resumes). */
  resumes: Buffer | undefined;
  /** The Welcome this peer was sent (a twin gets the same format). */
  private welcomeFields: Record<string, unknown> | undefined;
  private offersTwins = false;

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
  private readonly access: PeerAccess | undefined;
  /** Set while a code challenge is outstanding. */
  private challenge: { codec: CodecName; hostNonce: Buffer; listenerNonce: Buffer } | undefined;
  /** Nonces of a passed challenge, for the host's proof in the Welcome. */
  private passed: { hostNonce: Buffer; listenerNonce: Buffer } | undefined;

  constructor(
    readonly channel: ByteChannel,
    private readonly clock: Clock,
    private readonly callbacks: HostPeerCallbacks,
    options: { hostCodec: CodecName; hostName: string; maxQueueFrames: number; timings?: PeerTimings; access?: PeerAccess },
  ) {
    this.access = options.access;
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

  /** How many audio frames may wait before stale ones are dropped. */
  get maxQueueFrames(): number {
    return this.queue.maxAudioFrames;
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

  /** The peer's address without its port: what guesses and refusals are counted by. */
  get address(): string {
    const remote = this.channel.remoteAddress;
    const colon = remote.lastIndexOf(':');
    return colon > 0 ? remote.slice(0, colon) : remote;
  }

  private onFrame(frame: Frame): void {
    if (this.format === undefined) {
      if (this.challenge !== undefined) return this.onAnswer(frame, this.challenge);
      if (frame.type !== FrameType.Hello) throw new AuraError('ERR_PROTOCOL', 'first message was not a hello');
      const hello: Hello = parseHello(decodeJsonBody(frame.body));
      this.name = hello.name;
      if (hello.twinOf !== undefined) return this.becomeTwin(hello.twinOf, hello.twinSlot ?? 0);
      this.offersTwins = hello.twins === true;
      this.resumes = hello.resumes;
      const outcome = negotiate(hello, this.hostCodec);
      if ('reject' in outcome) return this.reject(outcome.reject.code, outcome.reject.reason);
      if (this.access === undefined) return this.becomeReady({ protocol: 'v2', codec: outcome.codec });
      if (hello.nonce === undefined) return this.reject('code-required', 'this host requires an access code; this AuraLync is too old to send one');
      if (this.refuseIfRateLimited()) return;
      this.challenge = { codec: outcome.codec, hostNonce: freshNonce(), listenerNonce: hello.nonce };
      this.sendControl(
        encodeJsonFrame(FrameType.Challenge, {
          salt: this.access.salt.toString('base64'),
          nonce: this.challenge.hostNonce.toString('base64'),
          kdf: this.access.kdf,
        }),
      );
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

  /** The listener's answer to the code challenge: a proof (checked, rate-limited) or a Bye (it has no code). */
  private onAnswer(frame: Frame, challenge: { codec: CodecName; hostNonce: Buffer; listenerNonce: Buffer }): void {
    const access = this.access as PeerAccess;
    if (frame.type === FrameType.Bye) return this.close('left: has no access code');
    if (frame.type !== FrameType.Auth) throw new AuraError('ERR_PROTOCOL', 'expected the answer to the access-code challenge');
    const proof = parseAuth(decodeJsonBody(frame.body));
    this.challenge = undefined;
    if (this.refuseIfRateLimited()) return;
    if (!proofMatches(listenerProof(access.key, challenge.hostNonce, challenge.listenerNonce), proof)) {
      access.recordFailure(this.address);
      return this.reject('bad-code', 'wrong access code');
    }
    this.passed = { hostNonce: challenge.hostNonce, listenerNonce: challenge.listenerNonce };
    this.becomeReady({ protocol: 'v2', codec: challenge.codec });
  }

  /** Rejects the peer when its address (or everyone) has guessed wrong too often lately. */
  private refuseIfRateLimited(): boolean {
    const waitMs = this.access?.waitMs(this.address) ?? 0;
    if (waitMs <= 0) return false;
    this.reject('rate-limited', `too many wrong access codes; try again in ${Math.ceil(waitMs / 1000)} s`);
    return true;
  }

  private reject(code: string, reason: string): void {
    this.callbacks.onRefused(this, reason);
    this.queue.push('control', encodeJsonFrame(FrameType.Reject, { code, reason }));
    this.closing = true;
    this.closeReason = `rejected: ${reason}`;
    this.pump();
  }

  /** The Welcome's encryption part when the peer passed the code challenge. */
  private encryptionFields(streamSalt: Buffer | undefined): { encryption?: object } {
    if (this.access === undefined || this.passed === undefined) return {};
    if (streamSalt === undefined) throw new AuraError('ERR_PROTOCOL', 'an access-code stream has no key salt');
    const proof = hostProof(this.access.key, this.passed.hostNonce, this.passed.listenerNonce);
    return { encryption: { cipher: 'aes-256-gcm', streamSalt: streamSalt.toString('base64'), hostProof: proof.toString('base64') } };
  }

  /** Attaches this connection as the twin of an admitted stream, or rejects it. */
  private becomeTwin(token: Buffer, slot: number): void {
    if (slot >= HOST_TWIN_SLOTS) return this.reject('no-such-stream', `no twin slot ${slot} (this host keeps ${HOST_TWIN_SLOTS})`);
    this.twinSlot = slot;
    const primary = this.callbacks.onTwin(this, token, slot);
    if (primary === undefined || primary.format === undefined || primary.welcomeFields === undefined) {
      return this.reject('no-such-stream', 'no stream to be the twin of');
    }
    this.twinOf = primary;
    this.name = primary.name;
    this.format = primary.format;
    // The same format as the primary's; the key, if any, the listener already has from it.
    this.sendControl(encodeJsonFrame(FrameType.Welcome, { ...primary.welcomeFields, encryption: undefined, twinToken: undefined, twinSlots: undefined, resumeToken: undefined, twin: true }));
  }

  private becomeReady(format: PeerFormat): void {
    const answer = this.callbacks.onReady(this, format);
    if (!answer.ok) {
      if (format.protocol === 'v2') return this.reject(answer.code, answer.reason);
      this.callbacks.onRefused(this, answer.reason);
      return this.close(`refused: ${answer.reason}`);
    }
    this.format = format;
    if (format.protocol === 'v2') {
      if (this.offersTwins) this.twinToken = freshNonce();
      this.resumeToken = freshNonce();
      this.welcomeFields = {
        protocol: PROTOCOL_VERSION,
        codec: format.codec,
        sampleRate: SAMPLE_RATE,
        channels: CHANNELS,
        packetFrames: answer.packetFrames,
        ...(answer.codecDelayFrames === undefined ? {} : { codecDelayFrames: answer.codecDelayFrames }),
        hostName: this.hostName,
        ...this.encryptionFields(answer.streamSalt),
        ...(this.twinToken === undefined ? {} : { twinToken: this.twinToken.toString('base64'), twinSlots: HOST_TWIN_SLOTS }),
        resumeToken: this.resumeToken.toString('base64'),
      };
      this.sendControl(encodeJsonFrame(FrameType.Welcome, this.welcomeFields));
    }
  }
}
