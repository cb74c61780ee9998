/**
 * Listener mode: connect (v2 handshake, or the plain v1 stream), decode, buffer against network jitter,
 * boost with clipping protection, play; reconnect with backoff whenever the host goes away.
 */
import { CHANNELS, SAMPLE_RATE, V1_SAMPLE_RATE, framesOf, framesToMs } from '../core/audio-format.js';
import { Backoff } from '../core/backoff.js';
import { BoostLimiter } from '../core/boost-limiter.js';
import type { AudioCipher } from '../core/audio-cipher.js';
import { AuraError, describeError, isAuraError } from '../core/errors.js';
import { ALL_CODECS, parseChallenge, parseReject, parseWelcome, PROTOCOL_VERSION, type CodecName, type Welcome } from '../core/handshake.js';
import { JitterBuffer } from '../core/jitter-buffer.js';
import { AdaptiveTarget } from '../core/adaptive-target.js';
import { JitterEstimator } from '../core/jitter-estimator.js';
import { ListenerAccess } from '../core/listener-access.js';
import type { ListenerHealth } from '../core/listener-health.js';
import { PcmDecoder } from '../core/pcm-codec.js';
import { RateMatchedPlayout } from '../core/rate-matched-playout.js';
import { Resampler } from '../core/resampler.js';
import { V1PacketReader } from '../core/v1-packets.js';
import { AUDIO_HEADER_BYTES, decodeAudioBody, decodeJsonBody, encodeJsonFrame, encodePing, FrameReader, FrameType, type Frame } from '../core/v2-frames.js';
import type { AudioDecoder } from '../ports/audio-codec.js';
import { connectStaggered } from './staggered-connect.js';
import { TwinLink } from './twin-link.js';
import type { AudioSink } from '../ports/audio-sink.js';
import type { Clock } from '../ports/clock.js';
import type { ByteChannel, ChannelConnector } from '../ports/transport.js';

/** Refusals that trying again cannot change: the session stops reconnecting after one ('full' and 'rate-limited' pass). */
const FINAL_REFUSALS: ReadonlySet<string> = new Set(['no-code', 'not-protected', 'bad-code', 'code-required', 'protocol-version', 'no-common-codec']);

/** What a listener reports as it runs. */
export type ListenerEvent =
  | { type: 'connecting'; address: string }
  | { type: 'connected'; hostName: string; codec: string }
  /** The host refused (`code`: 'full', 'bad-code', 'code-required', 'rate-limited', ...), or this listener refused the host ('no-code': it asked for a code we lack; 'not-protected': it did not ask for ours). */
  | { type: 'rejected'; reason: string; code: string }
  | { type: 'stream-lost'; reason: string }
  | { type: 'reconnecting'; inMs: number; why: string }
  | { type: 'sink-error'; message: string };

/** Options of a ListenerSession. */
export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly connector: ChannelConnector;
  readonly sink: AudioSink;
  readonly clock: Clock;
  /** 'v2' (ours) or 'v1' (the original AuraLync stream). */
  readonly protocol: 'v1' | 'v2';
  /** Boost 1..10 (linear gain), with clipping protection. */
  readonly boost: number;
  /** Jitter buffer target [ms] (clocked sinks only): fixed, or the starting point when adaptive. */
  readonly latencyMs: number;
  /** When set, the target follows measured network jitter within these bounds [ms] (v2 streams only). */
  readonly adaptiveLatency?: { readonly minMs: number; readonly maxMs: number };
  /** Listener display name sent to the host. */
  readonly name: string;
  /** Access code to prove to a host that requires one. */
  readonly accessCode?: string;
  /** Makes an Opus decoder (audify); absent → only PCM is offered. */
  readonly opusDecoderFactory?: () => AudioDecoder;
  /** Connect timeout [ms]. */
  readonly connectTimeoutMs?: number;
  /** No bytes from the host for this long means it is gone [ms] (default 3000; once a v2 host has welcomed us, at most 1500: STREAM_SILENCE_MS). */
  readonly silenceTimeoutMs?: number;
  /** Reconnect delays (tests inject a fast one). */
  readonly backoff?: Backoff;
  /** Called as each packet's audio is handed to the sink or jitter buffer, with its capture time [ms, host clock] (benchmarks). */
  readonly onDelivered?: (captureTimeMs: number, frames: number) => void;
  /** When true, start() rejects (ERR_HOST_UNREACHABLE) if the very first connection fails; later losses are always retried. */
  readonly failIfFirstConnectFails?: boolean;
  /** Asked before each reconnect where the host is now (e.g. its id re-resolved over mDNS); undefined keeps the last address. */
  readonly resolveAddress?: () => Promise<{ host: string; port: number } | undefined>;
  /**
   * Twin connections carrying the same packets (TwinLink), so a stall of one TCP connection on a lost
   * segment does not stall the sound; 0 for none, at most what the host keeps (Welcome.twinSlots). Default:
   * DEFAULT_TWINS for Opus into a device (~140 kb/s more each), none for PCM (3 Mb/s more each) and for
   * files and pipes (they have no deadline).
   */
  readonly twins?: number;
  /**
   * Called for every audio packet as it arrives, before copies are dropped: on which connection (0 the
   * primary, 1.. its twins by slot + 1), its sequence number and capture time [ms, host clock] (benchmarks:
   * what each connection alone would have brought).
   */
  readonly onCopy?: (connection: number, seq: number, captureTimeMs: number) => void;
}

/** Running figures of a listener. */
export interface ListenerStats {
  readonly state: 'connecting' | 'buffering' | 'playing' | 'waiting';
  readonly hostName: string | undefined;
  readonly codec: string | undefined;
  readonly bufferedMs: number;
  readonly targetMs: number;
  /** Estimated end-to-end latency, capture to speaker [ms]; undefined until known. */
  readonly latencyMs: number | undefined;
  /** Gaps played: the jitter buffer ran dry, or the output did (by the output's own count, where it keeps one). */
  readonly underruns: number;
  /** Of those, the output's own (PulseAudio ran the stream dry); 0 where the output keeps no count. */
  readonly outputUnderruns: number;
  /** Received audio dropped to bring the jitter buffer back to its target [ms]; 0 for files. */
  readonly trimmedMs: number;
  /** Packets the host dropped for us (sequence gaps). */
  readonly missingPackets: number;
  /** Audio payload bytes received [bytes]. */
  readonly bytesReceived: number;
  readonly framesReceived: number;
  readonly reconnects: number;
  /** Estimated clock drift between host capture and our playback [ppm]; 0 for files. */
  readonly driftPpm: number;
  /** The link's jitter: how much later than the fastest the latest packets came (99.5th percentile, last 15 s) [ms]; undefined for v1 and until packets come. */
  readonly jitterMs: number | undefined;
}

/**
 * How often a listener pings its host [ms]. Each pong refines the clock offset, and keeps the listener
 * hearing its host when no audio comes (a host whose capture is paused or being reopened): three pongs fall
 * within STREAM_SILENCE_MS, so one late or lost is no reason to reconnect.
 */
const PING_INTERVAL_MS = 500;
/**
 * Twin connections a listener opens by default for Opus into a device (ListenerOptions.twins), as far as
 * the host keeps them (Welcome.twinSlots; one from hosts before 2026-12-05): two, three connections in all.
 * On the Wi-Fi-like link (bench/wifi-link, 10 min, what each set of one run's connections alone would have
 * brought): at the 0.5 % loss a pair had spells of packets more than 60 ms late in 2 of 5 runs
 * (62-70 ms), the three together in 1, a stall every pair of that run had too; at 2 % each pair had one
 * (62-71 ms), the three none (50 ms at most). Into a real output, five runs with three: 0 gaps in four, p95
 * 89-97 ms; the fifth lost one to a freeze of the whole machine (the link emulator stopped 79 ms too).
 */
export const DEFAULT_TWINS = 2;
/**
 * What the jitter buffer keeps of the target when the sink can hold the rest (ClockedSink.setReserveMs)
 * [ms]. Audio in the jitter buffer covers a late packet but not a stall of this process (GC, a busy
 * machine): the sink then writes nothing and its device runs dry. Handed to the sink early, the same audio
 * covers both, at the same delay. With the listener stopped for 30-40 ms every 2 s (bench/vs-snapcast, PCM,
 * --latency 25, 2026-12-03): PulseAudio ran the stream dry 11-33 times in each of six 65 s tries with the
 * whole target in the jitter buffer, 0 times in each of two with all but this much in the sink.
 */
const JITTER_BUFFER_SHARE_MS = 5;

/**
 * How long a listener's first start after connecting waits past the first packet [ms] (JitterBuffer settleMs).
 * The first ~100 ms of an Opus stream came irregularly here (bench/delay-over-time with the buffer's arrivals
 * logged, 2026-12-03): 1, 1 and 3 packets within 11 ms, then gaps of 18, 6, 6 and 24 ms (in another run a 48 ms
 * stall of this process), then pairs every 20 ms; a start inside that began +4.8 / +9.2 ms above the delay the
 * listener then kept (with this wait +0.3 / +2.9). Audio held past the start's level is dropped, so the wait adds
 * no delay, only 100 ms of silence first.
 */
export const FIRST_START_SETTLE_MS = 100;

/**
 * After a stream drops (the host went silent or the connection broke while audio played), the first
 * reconnect is at once and the next ones at least this often [ms] for RECENT_LOSS_MS, instead of backing
 * off to 5 s: a Wi-Fi hiccup of a few seconds should cost the seconds it lasts, not the next step of the
 * backoff. bench/outage-recovery, listener's link down 6 / 10 s (2026-12-04, 6 outages each, every 500 ms
 * then): audio again a median 342 / 467 ms after the link returned, against 508 / 1204 with the backoff
 * (docs/latency.md). A refusal does not count as a drop. Also the pace of connectStaggered meanwhile.
 */
const QUICK_RETRY_MAX_MS = 250;
/** How long after a stream dropped reconnects stay quick (QUICK_RETRY_MAX_MS) [ms]. */
const RECENT_LOSS_MS = 30_000;

/**
 * Once a v2 host has welcomed us, nothing from it for this long means the stream is lost [ms] (at most
 * silenceTimeoutMs). A streaming host sends audio every 5-10 ms and answers our pings (PING_INTERVAL_MS), so
 * 1.5 s of nothing is no jitter (the longest pause on bench/wifi-link, 5 % loss: 240-250 ms). It matters on Wi-Fi
 * that stops carrying frames while both ends stay up (a "black hole"): no error reaches either TCP stack,
 * and the host's resends back off (0.2, 0.6, 1.4, 3 s...), so a connection that outlives the hiccup may
 * stay silent seconds after it; a new one starts at once. bench/outage-recovery, black holes of 1.5-5 s
 * (2026-12-04, with the first retry at once and connectStaggered): audio again 14-100 ms after the link
 * returned, against up to 1.7 s with the former 3 s (docs/latency.md).
 */
const STREAM_SILENCE_MS = 1500;
/** How often the jitter figure of stats and health reports is worked out afresh [ms]. */
const JITTER_FIGURE_EVERY_MS = 250;

/** The part of a listener's target a reserving sink holds [ms]. */
function reserveFor(targetMs: number): number {
  return Math.max(0, targetMs - JITTER_BUFFER_SHARE_MS);
}

/** The listener: owns one connection at a time, the decoder, the jitter buffer and the sink. */
export class ListenerSession {
  private readonly handlers = new Set<(event: ListenerEvent) => void>();
  private readonly limiter: BoostLimiter;
  private readonly jitter: JitterBuffer;
  private readonly playout: RateMatchedPlayout;
  private readonly adaptive: AdaptiveTarget | undefined;
  /** Measures the link's jitter from the packets' capture stamps (v2): for the health report, and what an adaptive target follows. */
  private readonly jitterMeter: JitterEstimator;
  /** The last jitter figure worked out, and when [clock ms]. */
  private jitterFigure: { atMs: number; ms: number } | undefined;
  /** Whether the sink holds most of the target (see JITTER_BUFFER_SHARE_MS). */
  private readonly reserving: boolean;
  private reserveMs = 0;
  private readonly backoff: Backoff;
  private channel: ByteChannel | undefined;
  private decoder: AudioDecoder | undefined;
  private access: ListenerAccess | undefined;
  /** Set by a refusal that retrying cannot change (wrong or missing code, incompatible host): no more reconnects. */
  private refusedFinally = false;
  private cipher: AudioCipher | undefined;
  private welcome: Welcome | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private cancelTimers: (() => void)[] = [];
  private lastHeardMs = 0;
  private clockOffsetMs: number | undefined;
  private bestRttMs = Infinity;
  private bytesReceived = 0;
  private framesReceived = 0;
  private reconnects = 0;
  /** When the last stream dropped while audio played (clock ms); reconnects stay quick for a while after. */
  private streamLostAtMs: number | undefined;
  private streamMissing = 0;
  private nextSeq: number | undefined;
  private sinkChain: Promise<void> = Promise.resolve();
  private pendingSinkWrites = 0;
  private state: ListenerStats['state'] = 'connecting';
  private v1Seq = 0;
  /** Newest audio sequence number taken on this connection: older or equal ones (the twin's copies) are dropped. */
  private newestSeq: number | undefined;
  private twins: TwinLink[] = [];
  /** Where the current connection goes (a twin goes there too). */
  private target = { host: '', port: 0 };
  /** The last Welcome's resume token: the next Hello presents it, so the host lets our old connection go at once. */
  private resumeToken: Buffer | undefined;

  constructor(private readonly options: ListenerOptions) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new AuraError('ERR_BAD_PORT', `port ${options.port} is not valid; use 1-65535`);
    }
    this.limiter = new BoostLimiter({ boost: options.boost });
    const { sink } = options;
    this.reserving = sink.kind === 'clocked' && sink.setReserveMs !== undefined && sink.reserveLevelMs !== undefined;
    this.jitter = new JitterBuffer({
      targetMs: options.latencyMs - (this.reserving ? reserveFor(options.latencyMs) : 0),
      settleMs: FIRST_START_SETTLE_MS,
    });
    this.playout = new RateMatchedPlayout(this.jitter);
    const adaptive = options.adaptiveLatency;
    this.jitterMeter = new JitterEstimator({ minTargetMs: adaptive?.minMs ?? 5, maxTargetMs: adaptive?.maxMs ?? 2000 });
    this.adaptive = adaptive && options.protocol === 'v2' ? new AdaptiveTarget(this.jitterMeter) : undefined;
    this.backoff = options.backoff ?? new Backoff(250, 5000);
  }

  /** Subscribes to listener events; returns the unsubscribe function. */
  on(handler: (event: ListenerEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Opens the sink (rejects with ERR_DEVICE_UNAVAILABLE if it cannot), then keeps a connection to the host. */
  async start(): Promise<void> {
    const { sink, host, port, connector } = this.options;
    let first: ByteChannel | undefined;
    if (this.options.failIfFirstConnectFails) {
      this.emit({ type: 'connecting', address: `${host}:${port}` });
      first = await connector.connect(host, port, this.options.connectTimeoutMs ?? 3000);
    }
    if (sink.kind === 'clocked') {
      // The device's buffer is sized for the target this listener starts at (an adaptive one's start, 60 ms by
      // default): PulseAudio never holds more than is written, so a smaller target later just leaves it
      // part empty, and what a larger one adds waits in front of it (in the pipe: it rides out a stall of
      // this process, not of pacat's). Sized for the smallest target (30) until 2026-12-05: at the 61-68 ms
      // an adaptive target held over a Wi-Fi-like link, PulseAudio then held 45 ms of it and ran the stream
      // dry 2-3 times in 10 minutes with nothing late (bench/wifi-link with PROBE_DEVICE; docs/latency.md).
      if (this.reserving) sink.setReserveMs?.(reserveFor(this.options.latencyMs));
      try {
        await sink.start(
          (frames) => this.render(frames),
          (err) => this.emit({ type: 'sink-error', message: describeError(err) }),
          (frames) => this.playout.canRender(frames),
        );
      } catch (err) {
        first?.destroy();
        throw err;
      }
      if (this.reserving) this.setTargetMs(this.options.latencyMs);
    }
    void this.connectLoop(first);
  }

  /** Sets the boost (1..10). */
  setBoost(boost: number): void {
    this.limiter.setBoost(boost);
  }

  /** Stops: says goodbye, closes the connection and the sink; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.dropConnection();
      const { sink } = this.options;
      if (sink.kind === 'clocked') await sink.stop();
      else {
        await this.sinkChain;
        await sink.close();
      }
    })();
    return this.stopping;
  }

  /** A snapshot of the listener's figures. */
  stats(): ListenerStats {
    const jitter = this.jitter.stats;
    const stream = this.options.sink.kind === 'stream';
    return {
      state: this.state,
      hostName: this.welcome?.hostName,
      codec: this.options.protocol === 'v1' ? 'v1' : this.welcome?.codec,
      bufferedMs: stream ? 0 : this.heldMs(),
      targetMs: stream ? 0 : this.targetMs(),
      latencyMs: this.latencyEstimateMs(),
      underruns: this.underruns(),
      outputUnderruns: this.outputUnderruns(),
      trimmedMs: stream ? 0 : framesToMs(jitter.overflowDroppedFrames),
      missingPackets: stream ? this.streamMissing : jitter.missingPackets,
      bytesReceived: this.bytesReceived,
      framesReceived: this.framesReceived,
      reconnects: this.reconnects,
      driftPpm: stream ? 0 : this.playout.controller.driftPpm,
      jitterMs: this.jitterFigureMs(),
    };
  }

  /**
   * The link's jitter for stats and health (see ListenerStats.jitterMs), worked out at most every
   * JITTER_FIGURE_EVERY_MS: it sorts the last 15 s of packets, and a benchmark probe asks every 10 ms.
   */
  private jitterFigureMs(): number | undefined {
    if (this.options.protocol !== 'v2' || this.jitterMeter.windowPackets < 2) return undefined;
    const now = this.options.clock.now();
    if (this.jitterFigure === undefined || now - this.jitterFigure.atMs >= JITTER_FIGURE_EVERY_MS) this.jitterFigure = { atMs: now, ms: this.jitterMeter.jitterMs };
    return this.jitterFigure.ms;
  }

  private emit(event: ListenerEvent): void {
    if (event.type === 'rejected' && FINAL_REFUSALS.has(event.code)) this.refusedFinally = true;
    for (const handler of [...this.handlers]) handler(event);
  }

  private render(frames: number): Float32Array {
    const samples = this.playout.render(frames);
    const state = this.jitter.stats.state;
    if (this.state === 'buffering' || this.state === 'playing') this.state = state === 'playing' ? 'playing' : 'buffering';
    return this.limiter.process(samples);
  }

  /** The listener's target [ms]: the jitter buffer's, and the part the sink holds. */
  private targetMs(): number {
    return this.jitter.stats.targetMs + this.reserveMs;
  }

  /** Audio held towards the target now [ms]: in the jitter buffer, and in the sink's reserve. */
  private heldMs(): number {
    return Math.max(0, this.jitter.bufferedMs + this.reserveLevelMs());
  }

  /** What the sink's reserve holds now [ms]; 0 without one. */
  private reserveLevelMs(): number {
    const { sink } = this.options;
    return this.reserveMs > 0 && sink.kind === 'clocked' ? sink.reserveLevelMs?.() ?? 0 : 0;
  }

  /** Sets the listener's target [ms]: all but JITTER_BUFFER_SHARE_MS of it in the sink where it can hold it. */
  private setTargetMs(targetMs: number): void {
    const { sink } = this.options;
    if (!this.reserving || sink.kind !== 'clocked') {
      this.jitter.setTargetMs(targetMs);
      return;
    }
    this.reserveMs = reserveFor(targetMs);
    this.jitter.setTargetMs(targetMs - this.reserveMs);
    sink.setReserveMs?.(this.reserveMs);
    this.playout.setReserve(this.reserveMs, () => this.reserveLevelMs());
  }

  /** The jitter buffer's underruns plus the output's own. */
  private underruns(): number {
    return this.jitter.stats.underruns + this.outputUnderruns();
  }

  /** The output's own underruns, where it counts them. */
  private outputUnderruns(): number {
    const { sink } = this.options;
    return sink.kind === 'clocked' ? sink.underruns ?? 0 : 0;
  }

  private latencyEstimateMs(): number | undefined {
    const { sink } = this.options;
    if (sink.kind !== 'clocked' || this.state !== 'playing') return undefined;
    // Opus sounds its encoder's look-ahead later than the frames it was stamped with (the host says how much), PCM as stamped.
    const codecMs = framesToMs(this.welcome?.codecDelayFrames ?? this.decoder?.delayFrames ?? 0);
    const afterPlayoutMs = sink.outputLatencyMs() + this.playout.pipelineMs + codecMs;
    const playout = this.jitter.playoutCaptureTimeMs();
    if (this.options.protocol === 'v1' || this.clockOffsetMs === undefined || playout === undefined) {
      return this.jitter.stats.bufferedMs + afterPlayoutMs;
    }
    return this.options.clock.now() + this.clockOffsetMs - playout + afterPlayoutMs;
  }

  private async connectLoop(first: ByteChannel | undefined): Promise<void> {
    let target = { host: this.options.host, port: this.options.port };
    let attempts = 0;
    while (!this.stopped) {
      if (attempts++ > 0 && this.options.resolveAddress !== undefined) {
        // A host that came back elsewhere (new DHCP lease, other network) is followed, not lost.
        target = (await this.resolveTarget()) ?? target;
        if (this.stopped) return;
      }
      const { host, port } = target;
      this.target = target;
      const { connector } = this.options;
      const attemptAtMs = this.options.clock.now();
      this.state = 'connecting';
      if (first === undefined) this.emit({ type: 'connecting', address: `${host}:${port}` });
      let why: string;
      try {
        const timeoutMs = this.options.connectTimeoutMs ?? 3000;
        // After a drop the link may still swallow packets: a fresh attempt every QUICK_RETRY_MAX_MS, not the kernel's SYN timer.
        const channel =
          first ??
          (this.lostRecently() && timeoutMs > QUICK_RETRY_MAX_MS
            ? await connectStaggered({ connector, clock: this.options.clock, host, port, everyMs: QUICK_RETRY_MAX_MS, timeoutMs })
            : await connector.connect(host, port, timeoutMs));
        first = undefined;
        if (this.stopped) {
          channel.destroy();
          return;
        }
        why = await this.runConnection(channel);
      } catch (err) {
        why = describeError(err);
      }
      if (this.stopped || this.refusedFinally) return;
      this.state = 'waiting';
      // A stream that ran a while and dropped is tried again at once (a host that drops each stream at once is not).
      const droppedJustNow = this.streamLostAtMs !== undefined && this.streamLostAtMs - attemptAtMs >= STREAM_SILENCE_MS;
      const delay = droppedJustNow ? 0 : this.lostRecently() ? Math.min(this.backoff.next(), QUICK_RETRY_MAX_MS) : this.backoff.next();
      this.emit({ type: 'reconnecting', inMs: delay, why });
      await new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, delay));
      this.reconnects++;
    }
  }

  /** Whether a stream dropped within RECENT_LOSS_MS: reconnects are then quick (QUICK_RETRY_MAX_MS). */
  private lostRecently(): boolean {
    return this.streamLostAtMs !== undefined && this.options.clock.now() - this.streamLostAtMs < RECENT_LOSS_MS;
  }

  /** The host's current address from resolveAddress, if it gives a valid one (it must never stop the loop). */
  private async resolveTarget(): Promise<{ host: string; port: number } | undefined> {
    try {
      const found = await this.options.resolveAddress?.();
      if (found === undefined || typeof found.host !== 'string' || found.host === '') return undefined;
      if (!Number.isInteger(found.port) || found.port < 1 || found.port > 65535) return undefined;
      return { host: found.host, port: found.port };
    } catch {
      return undefined;
    }
  }

  /** Runs one connection until it ends; resolves with why it ended. */
  private runConnection(channel: ByteChannel): Promise<string> {
    return new Promise((resolve) => {
      this.channel = channel;
      // A new connection (maybe a restarted host) numbers its packets afresh, on a clock of its own.
      this.jitter.reset();
      this.adaptive?.reset();
      this.jitterMeter.reset();
      this.jitterFigure = undefined;
      this.welcome = undefined;
      this.decoder = undefined;
      this.cipher = undefined;
      this.nextSeq = undefined;
      this.newestSeq = undefined;
      this.clockOffsetMs = undefined;
      this.bestRttMs = Infinity;
      this.lastHeardMs = this.options.clock.now();
      let endReason: string | undefined;
      const finish = (reason: string) => {
        if (endReason !== undefined) return;
        endReason = reason;
        const wasStreaming = this.state === 'playing' || this.state === 'buffering';
        this.dropConnection();
        if (wasStreaming && !this.stopped) {
          this.streamLostAtMs = this.options.clock.now();
          this.emit({ type: 'stream-lost', reason });
        }
        resolve(reason);
      };
      this.finishConnection = finish;
      channel.onClose((err) => finish(err ? describeError(err) : 'the host closed the connection'));
      const silenceMs = this.options.silenceTimeoutMs ?? 3000;
      this.cancelTimers.push(
        this.options.clock.setInterval(() => {
          // A v1 server may send nothing while nothing plays; a v2 host streams and answers pings.
          const limitMs = this.welcome === undefined ? silenceMs : Math.min(silenceMs, STREAM_SILENCE_MS);
          if (this.options.clock.now() - this.lastHeardMs > limitMs) finish(`no data from the host for ${limitMs / 1000} s`);
        }, 100),
      );
      if (this.options.protocol === 'v1') this.runV1(channel, finish);
      else this.runV2(channel, finish);
    });
  }

  private finishConnection: ((reason: string) => void) | undefined;

  private dropConnection(): void {
    for (const twin of this.twins) twin.stop();
    this.twins = [];
    for (const cancel of this.cancelTimers) cancel();
    this.cancelTimers = [];
    if (this.channel !== undefined) {
      if (this.stopped && this.welcome !== undefined) {
        // A polite goodbye lets the host drop us at once instead of waiting for silence.
        this.channel.write(encodeJsonFrame(FrameType.Bye, { reason: 'listener stopped' }));
        this.channel.end();
      } else {
        this.channel.destroy();
      }
      this.channel = undefined;
    }
    if (this.stopped) this.finishConnection?.('stopped');
  }

  private runV1(channel: ByteChannel, finish: (reason: string) => void): void {
    const reader = new V1PacketReader();
    const resampler = new Resampler({ inputRate: V1_SAMPLE_RATE, outputRate: SAMPLE_RATE, channels: CHANNELS });
    this.state = 'buffering';
    this.emit({ type: 'connected', hostName: channel.remoteAddress, codec: 'v1' });
    this.backoff.reset();
    channel.onData((bytes) => {
      this.lastHeardMs = this.options.clock.now();
      let packets: Float32Array[];
      try {
        packets = reader.push(bytes);
      } catch (err) {
        return finish(describeError(err));
      }
      for (const packet of packets) {
        this.bytesReceived += packet.length * 4;
        const samples = resampler.process(packet);
        if (samples.length === 0) continue;
        this.deliver(this.v1Seq, this.options.clock.now(), samples);
        this.v1Seq = (this.v1Seq + 1) >>> 0;
      }
    });
  }

  private runV2(channel: ByteChannel, finish: (reason: string) => void): void {
    const reader = new FrameReader();
    const codecs: CodecName[] = ALL_CODECS.filter((codec) => codec !== 'opus' || this.options.opusDecoderFactory !== undefined);
    this.access = new ListenerAccess(this.options.accessCode);
    const nonce = this.access.nonce.toString('base64');
    const resumes = this.resumeToken?.toString('base64');
    channel.write(encodeJsonFrame(FrameType.Hello, { protocol: PROTOCOL_VERSION, codecs, name: this.options.name, nonce, twins: this.options.twins !== 0, resumes }));
    channel.onData((bytes) => {
      this.lastHeardMs = this.options.clock.now();
      let frames: Frame[];
      try {
        frames = reader.push(bytes);
        for (const frame of frames) {
          this.onFrame(channel, frame, finish);
          if (this.channel !== channel) return;
        }
      } catch (err) {
        finish(`protocol error: ${describeError(err)}`);
      }
    });
  }

  private onFrame(channel: ByteChannel, frame: Frame, finish: (reason: string) => void): void {
    if (this.welcome === undefined) {
      if (frame.type === FrameType.Reject) {
        const reject = parseReject(decodeJsonBody(frame.body));
        this.emit({ type: 'rejected', reason: reject.reason, code: reject.code });
        return finish(`rejected: ${reject.reason}`);
      }
      if (frame.type === FrameType.Challenge) return this.answerChallenge(channel, frame, finish);
      if (frame.type !== FrameType.Welcome) throw new AuraError('ERR_PROTOCOL', 'host did not answer with a welcome');
      const welcome = parseWelcome(decodeJsonBody(frame.body));
      try {
        this.cipher = this.access?.cipherFor(welcome);
      } catch (err) {
        return this.leaveRefused(channel, err, 'not-protected', finish);
      }
      this.welcome = welcome;
      this.resumeToken = welcome.resumeToken;
      this.decoder = this.welcome.codec === 'opus' && this.options.opusDecoderFactory ? this.options.opusDecoderFactory() : new PcmDecoder();
      this.state = 'buffering';
      this.backoff.reset();
      this.emit({ type: 'connected', hostName: this.welcome.hostName, codec: this.welcome.codec });
      this.sendPing(channel);
      this.cancelTimers.push(this.options.clock.setInterval(() => this.sendPing(channel), PING_INTERVAL_MS));
      this.startTwins(welcome);
      return;
    }
    switch (frame.type) {
      case FrameType.Audio:
        return this.onAudio(frame, 0);
      case FrameType.Pong: {
        const sentMs = frame.body.readDoubleBE(0);
        const hostMs = frame.body.readDoubleBE(8);
        const now = this.options.clock.now();
        const rtt = now - sentMs;
        // The lowest round trip gives the truest offset (least queueing on the way).
        if (rtt >= 0 && rtt <= this.bestRttMs * 1.5 + 1) {
          this.bestRttMs = Math.min(this.bestRttMs, rtt);
          this.clockOffsetMs = hostMs - (sentMs + rtt / 2);
        }
        return;
      }
      case FrameType.Bye:
        return finish('the host stopped streaming');
      default:
        throw new AuraError('ERR_PROTOCOL', `unexpected message 0x${frame.type.toString(16)} from the host`);
    }
  }

  /** One audio packet, from the connection (0) or a twin (its slot + 1): the first copy of each is decoded and delivered. */
  private onAudio(frame: Frame, connection: number): void {
    const packet = decodeAudioBody(frame.body);
    this.options.onCopy?.(connection, packet.seq, packet.captureTimeMs);
    if (this.newestSeq !== undefined && ((packet.seq - this.newestSeq) | 0) <= 0) return; // a copy (or older): already taken
    const payload = this.cipher === undefined ? packet.payload : this.cipher.open(frame.body.subarray(0, AUDIO_HEADER_BYTES), packet.payload);
    const samples = (this.decoder as AudioDecoder).decode(payload);
    this.newestSeq = packet.seq;
    this.bytesReceived += packet.payload.length;
    this.deliver(packet.seq, packet.captureTimeMs, samples);
  }

  /** Opens the twin connections the host offers, as many as are wanted (see ListenerOptions.twins). */
  private startTwins(welcome: Welcome): void {
    const wanted = this.options.twins ?? (this.options.sink.kind === 'clocked' && welcome.codec === 'opus' ? DEFAULT_TWINS : 0);
    if (welcome.twinToken === undefined) return;
    const channel = this.channel;
    for (let slot = 0; slot < Math.min(wanted, welcome.twinSlots ?? 1); slot++) {
      const twin = new TwinLink({
        connector: this.options.connector,
        clock: this.options.clock,
        host: this.target.host,
        port: this.target.port,
        token: welcome.twinToken,
        slot,
        codec: welcome.codec,
        name: this.options.name,
        onAudio: (frame) => {
          if (this.channel !== channel) return;
          // A twin carries the same stream: the host is heard while the connection waits on a resend.
          this.lastHeardMs = this.options.clock.now();
          try {
            this.onAudio(frame, slot + 1);
          } catch (err) {
            this.finishConnection?.(`protocol error on a twin: ${describeError(err)}`);
          }
        },
      });
      this.twins.push(twin);
      twin.start();
    }
  }

  /** How many twin connections carry the stream too. */
  get twinsConnected(): number {
    return this.twins.filter((twin) => twin.connected).length;
  }

  /** Answers the host's access-code challenge, or, without a code, says so and leaves. */
  private answerChallenge(channel: ByteChannel, frame: Frame, finish: (reason: string) => void): void {
    const challenge = parseChallenge(decodeJsonBody(frame.body));
    let proof: Buffer;
    try {
      proof = (this.access as ListenerAccess).answer(challenge);
    } catch (err) {
      return this.leaveRefused(channel, err, 'no-code', finish);
    }
    channel.write(encodeJsonFrame(FrameType.Auth, { proof: proof.toString('base64') }));
  }

  /** Leaves a host this listener refuses (ERR_REJECTED from the access check): Bye, a 'rejected' event, done. */
  private leaveRefused(channel: ByteChannel, err: unknown, code: string, finish: (reason: string) => void): void {
    if (!isAuraError(err, 'ERR_REJECTED')) throw err;
    channel.write(encodeJsonFrame(FrameType.Bye, { reason: err.message }));
    this.emit({ type: 'rejected', reason: err.message, code });
    finish(err.message);
  }

  private sendPing(channel: ByteChannel): void {
    channel.write(encodePing(this.options.clock.now()));
    const stats = this.stats();
    const health: ListenerHealth = {
      latencyMs: stats.latencyMs,
      bufferedMs: this.heldMs(),
      targetMs: this.targetMs(),
      underruns: stats.underruns,
      missingPackets: stats.missingPackets,
      driftPpm: this.playout.controller.driftPpm,
      jitterMs: stats.jitterMs,
    };
    channel.write(encodeJsonFrame(FrameType.Stats, health));
  }

  /** Hands decoded audio on: into the jitter buffer (device sinks) or straight to the file/pipe. */
  private deliver(seq: number, captureTimeMs: number, samples: Float32Array): void {
    this.framesReceived += framesOf(samples);
    const { sink } = this.options;
    if (sink.kind === 'clocked') {
      this.jitter.push(seq, captureTimeMs, samples);
      sink.refill?.();
      this.observeArrival(captureTimeMs, samples);
      this.options.onDelivered?.(captureTimeMs, framesOf(samples));
      return;
    }
    this.state = 'playing';
    this.observeArrival(captureTimeMs, samples);
    // A file keeps the timeline: audio the host dropped for us becomes silence of the same length.
    if (this.nextSeq !== undefined && seq !== this.nextSeq) {
      const missing = (seq - this.nextSeq) >>> 0;
      if (missing < 1000) {
        this.streamMissing += missing;
        this.writeToStream(new Float32Array(missing * samples.length));
      }
    }
    this.nextSeq = (seq + 1) >>> 0;
    this.writeToStream(this.limiter.process(samples));
    this.options.onDelivered?.(captureTimeMs, framesOf(samples));
  }

  /** Measures the link's jitter (v2: v1 packets carry no capture time), and follows it when the target adapts (see AdaptiveTarget). */
  private observeArrival(captureTimeMs: number, samples: Float32Array): void {
    if (this.options.protocol !== 'v2') return;
    const nowMs = this.options.clock.now();
    const packetMs = (framesOf(samples) * 1000) / SAMPLE_RATE;
    if (this.adaptive === undefined || this.options.sink.kind !== 'clocked') return this.jitterMeter.observe(nowMs, captureTimeMs, packetMs);
    const next = this.adaptive.observe(nowMs, captureTimeMs, packetMs, this.targetMs(), this.playout.smoothedLevelMs);
    if (next !== undefined) this.setTargetMs(next);
  }

  private writeToStream(samples: Float32Array): void {
    const { sink } = this.options;
    if (sink.kind !== 'stream') return;
    if (this.pendingSinkWrites > 500) {
      this.streamMissing++; // the file/pipe cannot keep up: drop rather than grow without bound
      return;
    }
    this.pendingSinkWrites++;
    this.sinkChain = this.sinkChain
      .then(() => sink.write(samples))
      .catch((err: unknown) => {
        this.emit({ type: 'sink-error', message: describeError(err) });
      })
      .finally(() => {
        this.pendingSinkWrites--;
      });
  }
}

