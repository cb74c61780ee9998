/**
 * Host mode: capture → encode once per wire format → fan out to every listener, each with its own
 * bounded queue, so a slow listener only loses its own stale audio and never blocks capture or others.
 */
import { BLOCK_FRAMES, framesToMs, type AudioBlock } from '../core/audio-format.js';
import { AuraError, describeError } from '../core/errors.js';
import type { CodecName } from '../core/handshake.js';
import { PcmEncoder } from '../core/pcm-codec.js';
import type { AudioEncoder } from '../ports/audio-codec.js';
import type { AudioSource } from '../ports/audio-source.js';
import type { Clock } from '../ports/clock.js';
import type { ByteChannel, ChannelServer } from '../ports/transport.js';
import { HostPeer, type PeerFormat, type PeerTimings } from './host-peer.js';
import { V1WireStream, V2WireStream, type WireStream } from './wire-stream.js';

/** What a host reports as it runs. */
export type HostEvent =
  | { type: 'listening'; port: number }
  | { type: 'listener-joined'; name: string; address: string; format: PeerFormat }
  | { type: 'listener-left'; name: string; address: string; reason: string }
  | { type: 'source-error'; message: string }
  | { type: 'source-ended' };

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
  private readonly streams = new Map<string, { stream: WireStream; peers: Set<HostPeer> }>();
  private readonly handlers = new Set<(event: HostEvent) => void>();
  private bytesOfGonePeers = 0;
  private droppedOfGonePeers = 0;
  private blocksCaptured = 0;
  private stopping: Promise<void> | undefined;
  private readonly maxQueueMs: number;
  private readonly maxListeners: number;
  /** The port actually bound, after start(). */
  port = 0;

  constructor(private readonly options: HostOptions) {
    this.maxQueueMs = options.maxQueueMs ?? 200;
    this.maxListeners = options.maxListeners ?? 64;
    if (!(this.maxQueueMs >= 20 && this.maxQueueMs <= 10_000)) throw new RangeError('maxQueueMs must be within 20..10000');
    if (!Number.isInteger(this.maxListeners) || this.maxListeners < 1) throw new RangeError('maxListeners must be ≥ 1');
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
    const listeners = [...this.peers]
      .filter((peer) => peer.format !== undefined)
      .map((peer) => ({
        name: peer.name,
        address: peer.channel.remoteAddress,
        format: describeFormat(peer.format),
        droppedFrames: peer.droppedFrames,
        queuedFrames: peer.queuedFrames,
        bytesSent: peer.bytesSent,
        latencyMs: peer.health?.latencyMs,
        underruns: peer.health?.underruns,
        driftPpm: peer.health?.driftPpm,
      }));
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
        onClosed: (p, reason) => this.forget(p, reason),
      },
      {
        hostCodec: this.options.opusEncoderFactory ? this.options.codec : 'pcm',
        hostName: this.options.hostName,
        maxQueueFrames: 1, // replaced in admit() once the packet size is known
        timings: this.options.timings,
      },
    );
    this.peers.add(peer);
  }

  private admit(peer: HostPeer, format: PeerFormat): { ok: true; packetFrames: number } | { ok: false; code: string; reason: string } {
    const active = [...this.peers].filter((p) => p.format !== undefined).length;
    if (active >= this.maxListeners) return { ok: false, code: 'full', reason: `host is full (${this.maxListeners} listeners)` };
    const key = format.protocol === 'v1' ? 'v1' : format.codec;
    let entry = this.streams.get(key);
    if (entry === undefined) {
      entry = { stream: this.makeStream(format), peers: new Set() };
      this.streams.set(key, entry);
    }
    entry.peers.add(peer);
    const packetMs = framesToMs(entry.stream.packetFrames, format.protocol === 'v1' ? 44_100 : 48_000);
    peer.setMaxQueueFrames(Math.max(2, Math.ceil(this.maxQueueMs / packetMs)));
    this.emit({ type: 'listener-joined', name: peer.name, address: peer.channel.remoteAddress, format });
    return { ok: true, packetFrames: entry.stream.packetFrames };
  }

  private makeStream(format: PeerFormat): WireStream {
    if (format.protocol === 'v1') return new V1WireStream();
    if (format.codec === 'opus') {
      const factory = this.options.opusEncoderFactory;
      if (factory === undefined) throw new AuraError('ERR_AUDIO_BACKEND', 'Opus is not available on this host');
      return new V2WireStream(factory());
    }
    return new V2WireStream(new PcmEncoder());
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
    if (peer.format !== undefined) {
      this.emit({ type: 'listener-left', name: peer.name, address: peer.channel.remoteAddress, reason });
    }
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

function describeFormat(format: PeerFormat | undefined): string {
  if (format === undefined) return 'handshake';
  return format.protocol === 'v1' ? 'v1 pcm 44.1k' : `v2 ${format.codec}`;
}
