/**
 * Host mode: capture → encode once per wire format → fan out to every listener, each with its own
 * bounded queue, so a slow listener only loses its own stale audio and never blocks capture or others.
 */
import { deriveCodeKey, DEFAULT_KDF, freshNonce, streamKey } from '../core/access-code.js';
import { BLOCK_FRAMES, framesToMs, type AudioBlock } from '../core/audio-format.js';
import { AudioCipher } from '../core/audio-cipher.js';
import { AuraError, describeError } from '../core/errors.js';
import type { CodecName } from '../core/handshake.js';
import { PcmEncoder } from '../core/pcm-codec.js';
import type { AudioEncoder } from '../ports/audio-codec.js';
import type { AudioSource } from '../ports/audio-source.js';
import type { Clock } from '../ports/clock.js';
import type { ByteChannel, ChannelServer } from '../ports/transport.js';
import { GuessLimiter, type GuessLimits } from '../core/guess-limiter.js';
import { HostPeer, type AdmitAnswer, type PeerAccess, type PeerFormat, type PeerTimings } from './host-peer.js';
import { V1WireStream, V2WireStream, type WireStream } from './wire-stream.js';

/** What a host reports as it runs. */
export type HostEvent =
  | { type: 'listening'; port: number }
  | { type: 'listener-joined'; name: string; address: string; format: PeerFormat }
  /** `last`: the listener's health as last known, for a log of how it fared. */
  | { type: 'listener-left'; name: string; address: string; reason: string; last: ListenerInfo }
  /**
   * A listener came back on a new connection while its old one still counted, or within REJOIN_GRACE_MS of it
   * ending: the old one is closed, and no 'listener-left' is told for it.
   */
  | { type: 'listener-rejoined'; name: string; address: string; format: PeerFormat }
  /** A connection refused before it became a listener (one event per address and reason a minute, so floods do not flood the log). */
  | { type: 'refused'; address: string; reason: string }
  | { type: 'source-error'; message: string }
  | { type: 'source-ended' };

/**
 * How long a listener whose connection ended without a goodbye has to come back on a new one before it is
 * reported as leaving [ms]. Its link may be down with the listener already trying again every 250 ms; the
 * host sees the old connection end (silent for 4.5 s, or reset by the listener's side as the link returns)
 * about as soon as the new one arrives, and the order of the two is luck. A listener that says goodbye
 * leaves at once.
 */
export const REJOIN_GRACE_MS = 2000;

/** The address without its port ("192.168.1.20:51234" → "192.168.1.20", "::1:5000" → "::1"). */
function machineOf(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

/** Options of a HostSession. */
export interface HostOptions {
  readonly source: AudioSource;
  readonly server: ChannelServer;
  readonly clock: Clock;
  /** TCP port to listen on (0 = any free port). */
  readonly port: number;
  /** Address to bind (default: all interfaces). */
  readonly bindAddress?: string;
  /** Preferred v2 codec. */
  readonly codec: CodecName;
  /** Host display name, sent in the welcome. */
  readonly hostName: string;
  /** Makes the Opus encoder (audify); absent → Opus listeners get PCM. */
  readonly opusEncoderFactory?: () => AudioEncoder;
  /** Most audio queued per listener before stale audio is dropped [ms]. */
  readonly maxQueueMs?: number;
  /** Most listeners at once (more are refused with a clear reason). */
  readonly maxListeners?: number;
  /** Most original-v1 clients at once, within maxListeners: an idle socket looks like one, so they get few slots. */
  readonly maxV1Listeners?: number;
  /** When set, listeners must prove they know this code, v1 clients are refused and audio is encrypted. */
  readonly accessCode?: string;
  /** Rate limit for wrong codes (tests). */
  readonly guessLimits?: GuessLimits;
  /** Peer timing overrides (tests). */
  readonly timings?: PeerTimings;
}

/** One listener as shown in status lines and menus. */
export interface ListenerInfo {
  readonly name: string;
  readonly address: string;
  readonly format: string;
  readonly droppedFrames: number;
  readonly queuedFrames: number;
  readonly bytesSent: number;
  readonly latencyMs: number | undefined;
  readonly underruns: number | undefined;
  readonly driftPpm: number | undefined;
  readonly jitterMs: number | undefined;
  /**
   * Its connection ended without a goodbye less than REJOIN_GRACE_MS ago and it may be coming back: still
   * counted (its leave is not told yet), figures as last known.
   */
  readonly reconnecting: boolean;
}

/** Running totals of a host. */
export interface HostStats {
  readonly listeners: ListenerInfo[];
  /** Bytes handed to the OS for all listeners [bytes]. */
  readonly bytesSent: number;
  /** Capture blocks received. */
  readonly blocksCaptured: number;
  /** Audio frames dropped across all listeners. */
  readonly droppedFrames: number;
}

/** The host: owns the server, the source, the wire streams and the peers. */
export class HostSession {
  private readonly peers = new Set<HostPeer>();
  private readonly streams = new Map<string, { stream: WireStream; peers: Set<HostPeer>; salt?: Buffer }>();
  private readonly handlers = new Set<(event: HostEvent) => void>();
  private bytesOfGonePeers = 0;
  private droppedOfGonePeers = 0;
  private blocksCaptured = 0;
  private stopping: Promise<void> | undefined;
  private readonly maxQueueMs: number;
  private readonly maxListeners: number;
  private readonly maxV1Listeners: number;
  private readonly access: PeerAccess | undefined;
  private readonly refusedLogged = new Map<string, number>();
  /** Peers closed because their listener came back on a new connection: their going is no news. */
  private readonly replaced = new WeakSet<HostPeer>();
  /** Listeners gone without a goodbye, by resume token (hex), whose leave is told once REJOIN_GRACE_MS has passed. */
  private readonly departing = new Map<string, { cancel: () => void; event: Extract<HostEvent, { type: 'listener-left' }> }>();
  /** The port actually bound, after start(). */
  port = 0;

  constructor(private readonly options: HostOptions) {
    this.maxQueueMs = options.maxQueueMs ?? 200;
    this.maxListeners = options.maxListeners ?? 64;
    this.maxV1Listeners = Math.min(options.maxV1Listeners ?? 8, this.maxListeners);
    if (!(this.maxQueueMs >= 20 && this.maxQueueMs <= 10_000)) throw new RangeError('maxQueueMs must be within 20..10000');
    if (!Number.isInteger(this.maxListeners) || this.maxListeners < 1) throw new RangeError('maxListeners must be ≥ 1');
    if (!Number.isInteger(this.maxV1Listeners) || this.maxV1Listeners < 0) throw new RangeError('maxV1Listeners must be ≥ 0');
    this.access = options.accessCode === undefined ? undefined : makeAccess(options.accessCode, options.clock, options.guessLimits);
  }

  /** True when listeners need the access code. */
  get codeRequired(): boolean {
    return this.access !== undefined;
  }

  /** Subscribes to host events; returns the unsubscribe function. */
  on(handler: (event: HostEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Binds the port, then starts capturing. Rejects with an AuraError if either fails (nothing left running). */
  async start(): Promise<void> {
    const { server, source } = this.options;
    server.onConnection((channel) => this.accept(channel));
    this.port = await server.listen(this.options.port, this.options.bindAddress);
    this.emit({ type: 'listening', port: this.port });
    try {
      await source.start({
        onBlock: (block) => this.fanOut(block),
        onError: (err) => this.emit({ type: 'source-error', message: describeError(err) }),
        onEnd: () => this.emit({ type: 'source-ended' }),
      });
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /** Says goodbye to every listener, stops capture and the server; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const [token, { cancel, event }] of this.departing) {
        cancel();
        this.departing.delete(token);
        this.emit(event);
      }
      await this.options.source.stop();
      const peers = [...this.peers];
      for (const peer of peers) peer.bye('host stopped');
      // Goodbyes close each peer once written; a peer that cannot take them is cut after 300 ms.
      let cancel = () => {};
      await Promise.race([
        Promise.all(peers.map((peer) => peer.whenClosed)),
        new Promise<void>((resolve) => (cancel = this.options.clock.setTimeout(resolve, 300))),
      ]);
      cancel();
      for (const peer of peers) peer.close('host stopped');
      await this.options.server.close();
    })();
    return this.stopping;
  }

  /** A snapshot of listeners and totals. */
  stats(): HostStats {
    const listeners = [...this.peers].filter((peer) => peer.format !== undefined && peer.twinOf === undefined).map(describeListener);
    for (const { event } of this.departing.values()) listeners.push({ ...event.last, reconnecting: true });
    let bytesSent = this.bytesOfGonePeers;
    let droppedFrames = this.droppedOfGonePeers;
    for (const peer of this.peers) {
      bytesSent += peer.bytesSent;
      droppedFrames += peer.droppedFrames;
    }
    return { listeners, bytesSent, blocksCaptured: this.blocksCaptured, droppedFrames };
  }

  private emit(event: HostEvent): void {
    for (const handler of [...this.handlers]) handler(event);
  }

  private accept(channel: ByteChannel): void {
    if (this.stopping) return channel.destroy();
    const peer = new HostPeer(
      channel,
      this.options.clock,
      {
        onReady: (p, format) => this.admit(p, format),
        onRefused: (p, reason) => this.noteRefused(p, reason),
        onClosed: (p, reason) => this.forget(p, reason),
        onTwin: (p, token, slot) => this.attachTwin(p, token, slot),
      },
      {
        hostCodec: this.options.opusEncoderFactory ? this.options.codec : 'pcm',
        hostName: this.options.hostName,
        maxQueueFrames: 1, // replaced in admit() once the packet size is known
        timings: this.options.timings,
        access: this.access,
      },
    );
    this.peers.add(peer);
  }

  private admit(peer: HostPeer, format: PeerFormat): AdmitAnswer {
    const resumed = this.resumedBy(peer);
    const admitted = [...this.peers].filter((p) => p.format !== undefined && p.twinOf === undefined && p !== resumed);
    const refuse = (code: string, reason: string): AdmitAnswer => ({ ok: false, code, reason });
    if (admitted.length >= this.maxListeners) return refuse('full', `host is full (${this.maxListeners} listeners)`);
    if (format.protocol === 'v1') {
      if (this.access !== undefined) return refuse('code-required', 'an access code is set and original v1 clients cannot prove they know it');
      const v1Count = admitted.filter((p) => p.format?.protocol === 'v1').length;
      if (v1Count >= this.maxV1Listeners) return refuse('full', `no room for another v1 client (${this.maxV1Listeners} at most)`);
    }
    const key = streamKeyOf(format);
    let entry = this.streams.get(key);
    if (entry === undefined) {
      entry = this.makeStream(format);
      this.streams.set(key, entry);
    }
    entry.peers.add(peer);
    const packetMs = framesToMs(entry.stream.packetFrames, format.protocol === 'v1' ? 44_100 : 48_000);
    peer.setMaxQueueFrames(Math.max(2, Math.ceil(this.maxQueueMs / packetMs)));
    if (resumed !== undefined) {
      this.replaced.add(resumed);
      resumed.close("replaced by its listener's new connection");
    }
    // Only once admitted: a refused resume leaves the waiting leave to be told.
    const returning = resumed === undefined && this.departedAs(peer);
    if (resumed !== undefined || returning) {
      this.emit({ type: 'listener-rejoined', name: peer.name, address: peer.channel.remoteAddress, format });
    } else {
      this.tellLeaveReplacedBy(peer);
      this.emit({ type: 'listener-joined', name: peer.name, address: peer.channel.remoteAddress, format });
    }
    return { ok: true, packetFrames: entry.stream.packetFrames, codecDelayFrames: entry.stream.delayFrames, streamSalt: entry.salt };
  }

  /**
   * The admitted listener whose stream `peer` says it resumes (its Hello's token), if that connection is
   * still here: typically one the listener gave up as silent while the host has not yet.
   */
  private resumedBy(peer: HostPeer): HostPeer | undefined {
    const token = peer.resumes;
    if (token === undefined) return undefined;
    return [...this.peers].find((p) => p !== peer && p.twinOf === undefined && p.format !== undefined && p.resumeToken?.equals(token) === true);
  }

  /** Whether `peer` resumes a listener whose leave is still waiting out REJOIN_GRACE_MS; if so, that leave is called off. */
  private departedAs(peer: HostPeer): boolean {
    const key = peer.resumes?.toString('hex');
    const departed = key === undefined ? undefined : this.departing.get(key);
    if (key === undefined || departed === undefined) return false;
    departed.cancel();
    this.departing.delete(key);
    return true;
  }

  /**
   * A listener restarted as a new process (a new token, so no resume) comes back from the same address under
   * the same name while its old connection's leave still waits out REJOIN_GRACE_MS. That leave is told now,
   * before the join: told after it, 2 s later, it would say the listener left when it had just come back.
   */
  private tellLeaveReplacedBy(peer: HostPeer): void {
    for (const [key, departed] of this.departing) {
      if (departed.event.name !== peer.name || machineOf(departed.event.address) !== machineOf(peer.channel.remoteAddress)) continue;
      departed.cancel();
      this.departing.delete(key);
      this.emit(departed.event);
      return;
    }
  }

  /**
   * Attaches `twin` to the admitted peer whose twin token is `token`: it joins that peer's wire stream
   * (the same frames, with a queue of its own) but is no listener — no event, not counted, not listed.
   * A newer twin in the same slot replaces the older one (the listener reconnecting it).
   */
  private attachTwin(twin: HostPeer, token: Buffer, slot: number): HostPeer | undefined {
    const primary = [...this.peers].find((p) => p.twinToken !== undefined && p.twinOf === undefined && p.format !== undefined && p.twinToken.equals(token));
    if (primary === undefined || primary.format === undefined) return undefined;
    const entry = this.streams.get(streamKeyOf(primary.format));
    if (entry === undefined) return undefined;
    primary.twins.get(slot)?.close('replaced by a newer twin');
    primary.twins.set(slot, twin);
    entry.peers.add(twin);
    twin.setMaxQueueFrames(primary.maxQueueFrames);
    return primary;
  }

  /** Reports a refused connection, at most once a minute per address and reason. */
  private noteRefused(peer: HostPeer, reason: string): void {
    const address = peer.address;
    const key = `${address} ${reason}`;
    const now = this.options.clock.now();
    for (const [known, at] of this.refusedLogged) if (now - at > 60_000) this.refusedLogged.delete(known);
    if (this.refusedLogged.has(key) || this.refusedLogged.size >= 1000) return; // a flood from many addresses stays bounded
    this.refusedLogged.set(key, now);
    this.emit({ type: 'refused', address, reason });
  }

  /** A new wire stream for `format`: encrypted, under a key of its own, when an access code is set. */
  private makeStream(format: PeerFormat): { stream: WireStream; peers: Set<HostPeer>; salt?: Buffer } {
    if (format.protocol === 'v1') return { stream: new V1WireStream(), peers: new Set() };
    let encoder: AudioEncoder;
    if (format.codec === 'opus') {
      const factory = this.options.opusEncoderFactory;
      if (factory === undefined) throw new AuraError('ERR_AUDIO_BACKEND', 'Opus is not available on this host');
      encoder = factory();
    } else {
      encoder = new PcmEncoder();
    }
    if (this.access === undefined) return { stream: new V2WireStream(encoder), peers: new Set() };
    const salt = freshNonce();
    return { stream: new V2WireStream(encoder, new AudioCipher(streamKey(this.access.key, salt))), peers: new Set(), salt };
  }

  private forget(peer: HostPeer, reason: string): void {
    if (!this.peers.delete(peer)) return;
    this.bytesOfGonePeers += peer.bytesSent;
    this.droppedOfGonePeers += peer.droppedFrames;
    for (const [key, entry] of this.streams) {
      entry.peers.delete(peer);
      // A form nobody receives is dropped, so a later listener starts from a clean encoder.
      if (entry.peers.size === 0) this.streams.delete(key);
    }
    if (peer.twinOf !== undefined) {
      if (peer.twinOf.twins.get(peer.twinSlot) === peer) peer.twinOf.twins.delete(peer.twinSlot);
      return; // a twin is not a listener: its going is no news
    }
    for (const twin of peer.twins.values()) twin.close('its listener left');
    if (peer.format === undefined || this.replaced.has(peer)) return;
    const event = { type: 'listener-left' as const, name: peer.name, address: peer.channel.remoteAddress, reason, last: describeListener(peer) };
    const token = peer.resumeToken?.toString('hex');
    // A goodbye ('left'), a v1 client (no token) or a stopping host: told at once.
    if (token === undefined || reason === 'left' || this.stopping) return this.emit(event);
    const cancel = this.options.clock.setTimeout(() => {
      this.departing.delete(token);
      this.emit(event);
    }, REJOIN_GRACE_MS);
    this.departing.set(token, { cancel, event });
  }

  private fanOut(block: AudioBlock): void {
    this.blocksCaptured++;
    if (block.samples.length !== BLOCK_FRAMES * 2) return; // sources promise exact blocks; never let one bad block through
    for (const { stream, peers } of this.streams.values()) {
      if (peers.size === 0) continue;
      const frames = stream.push(block);
      if (frames.length === 0) continue;
      const targets = [...peers]; // a peer may leave while we send
      for (const frame of frames) for (const peer of targets) peer.sendAudio(frame);
    }
  }
}

/** The code's key (scrypt, once per start) and a shared guess limiter, as the peers need them. */
function makeAccess(code: string, clock: Clock, limits: GuessLimits | undefined): PeerAccess {
  const salt = freshNonce();
  const key = deriveCodeKey(code, salt, DEFAULT_KDF);
  const limiter = new GuessLimiter(limits);
  return {
    salt,
    kdf: DEFAULT_KDF,
    key,
    waitMs: (address) => limiter.waitMs(address, clock.now()),
    recordFailure: (address) => limiter.recordFailure(address, clock.now()),
  };
}

/** Which wire stream serves a format. */
function streamKeyOf(format: PeerFormat): string {
  return format.protocol === 'v1' ? 'v1' : format.codec;
}

function describeFormat(format: PeerFormat | undefined): string {
  if (format === undefined) return 'handshake';
  return format.protocol === 'v1' ? 'v1 pcm 44.1k' : `v2 ${format.codec}`;
}

/** One peer as a listener: its figures and its health as it last reported it. */
function describeListener(peer: HostPeer): ListenerInfo {
  return {
    name: peer.name,
    address: peer.channel.remoteAddress,
    format: describeFormat(peer.format),
    droppedFrames: peer.droppedFrames,
    queuedFrames: peer.queuedFrames,
    bytesSent: peer.bytesSent,
    latencyMs: peer.health?.latencyMs,
    underruns: peer.health?.underruns,
    driftPpm: peer.health?.driftPpm,
    jitterMs: peer.health?.jitterMs,
    reconnecting: false,
  };
}
