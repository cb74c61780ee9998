/**
 * ClockedSink playing through PulseAudio's own client, `pacat` (pulseaudio-utils; PipeWire's pulse server
 * answers it too), in a child process: raw float32 48 kHz stereo on its stdin.
 *
 * Why not audify here: RtApiPulse writes with pa_simple from its own thread and audify takes audio only by
 * write() from the main thread, so the audify path keeps 15-30 ms queued in JS on top of PulseAudio's 20 ms
 * buffer (~35-50 ms from render() to the speaker). pacat asks PulseAudio for a buffer of its own
 * (`--latency-msec`), reads its stdin only as the stream wants data, and reports the stream's playback
 * position on the sink's clock (`-v`: "Time: … sec; Latency: … usec." every 50 ms) and PulseAudio's
 * underruns ("Stream underrun."). So this sink keeps `aheadMs` in all between render() and the speaker —
 * the pipe, pacat and PulseAudio together — and knows that figure exactly rather than by model: it writes
 * `chunkFrames` at a time whenever (frames written − frames played) falls below it, checked every
 * 2 ms on the system clock and placed on the sink's clock by the last reported position. render()
 * is thereby asked for audio at the sink's own rate, as a sound card's callback would.
 *
 * A listener may ask it to keep a reserve beyond aheadMs (setReserveMs): most of its jitter buffer's target,
 * handed over early so that it plays on through a stall of this process, which audio still in the jitter
 * buffer cannot. The reserve does the margin's work, so it also stands in for part of it (withReserve).
 *
 * Holdover as in AudifyPlaybackSink: while audio is still queued, a chunk `ready` says has no received
 * audio yet is waited for (refill() or the next tick writes it) instead of being filled with a fade.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CHANNELS, SAMPLE_RATE, framesToMs, toLength } from '../../core/audio-format.js';
import { AuraError } from '../../core/errors.js';
import type { ClockedSink } from '../../ports/audio-sink.js';
import type { Clock } from '../../ports/clock.js';
import { systemClock } from '../system-clock.js';
import type { OutputProfile } from './audify-playback-sink.js';
import { toolStartError, whenExited } from './pulse-tool-process.js';

/** The sizes of a pacat output path: frames per write, audio kept between render() and the speaker [ms], PulseAudio's buffer [ms]. */
export interface PacatPathSizes {
  readonly chunkFrames: number;
  readonly aheadMs: number;
  readonly pulseMs: number;
  /** The least a reserve brings aheadMs and pulseMs down to [ms] (see withReserve). */
  readonly leastAheadMs: number;
}

/**
 * The sizes a profile stands for. `aheadMs` is everything between render() and the speaker: what covers
 * this process's event-loop stalls and pacat's (lean 20, for a listener that asked for ≤ 20 ms). `pulseMs`
 * is what pacat asks PulseAudio for (--latency-msec): it may exceed aheadMs (PulseAudio then never holds
 * more than is written; see fill() for its start), and it decides more than aheadMs how often PulseAudio
 * runs the stream dry. On the 2-core VM, 90 s runs of bench/delay-over-time (PCM, --latency 60,
 * 2026-12-03), underruns per run, pulseMs/aheadMs: 20/30 (the standard until then) 8, 2; 30/30 1, 5;
 * 40/30 1, 0, 3, 2, 1; 30/40 0, 0, 0, 2; 40/40 0, 0; 20/40 4, 4; 20/50 1, 4; 40/20 18; 60/30 5. So the
 * standard profile is 40/40 (less what a reserve stands in for: withReserve): ~10 ms more delay than 20/30,
 * for a stream that stays whole (10/30, tried earlier: 6 in 3 minutes). Growing aheadMs after each underrun
 * was tried and not kept: startup underruns grew it 10-20 ms in short Opus runs (bench/e2e-pulse: 117-136 ms
 * at --latency 60, 89-98 without).
 */
export function pacatPathSizes(profile: OutputProfile): PacatPathSizes {
  return profile === 'lean'
    ? { chunkFrames: 240, aheadMs: 20, pulseMs: 20, leastAheadMs: 20 }
    : { chunkFrames: 240, aheadMs: 40, pulseMs: 40, leastAheadMs: 20 };
}

/**
 * The sizes to play with when a reserve of `reserveMs` is queued beyond aheadMs: the reserve counts toward
 * aheadMs and pulseMs, which give up as much of it as they hold above leastAheadMs. The margin and the
 * reserve wait in the same place (PulseAudio's buffer) and ride out the same stalls, so what the standard
 * profile's 40 / 40 was measured for (PulseAudio holding 40 ms while the listener's target waited in its
 * jitter buffer) stays true with 20 / 20 and a reserve of 20 or more, and the delay is 20 ms less.
 */
export function withReserve(sizes: PacatPathSizes, reserveMs: number): PacatPathSizes {
  const given = Math.max(0, Math.min(reserveMs, sizes.aheadMs - sizes.leastAheadMs));
  return { ...sizes, aheadMs: sizes.aheadMs - given, pulseMs: Math.max(1, sizes.pulseMs - given) };
}

/** Options of PacatPlaybackSink. */
export interface PacatPlaybackOptions {
  /** PulseAudio sink name to play on (pacat -d); default: the server's default sink. */
  readonly sinkName?: string;
  /** What a person calls the device (default: sinkName, else "default output"). */
  readonly description?: string;
  /** The output path's sizes (default 'standard'); the fields below override its values. */
  readonly profile?: OutputProfile;
  /** Audio kept between render() and the speaker [ms], 5..1000. */
  readonly aheadMs?: number;
  /** PulseAudio's buffer for the stream (pacat --latency-msec) [ms], 1..1000. */
  readonly pulseMs?: number;
  /** The pacat program (default 'pacat' on PATH). */
  readonly command?: string;
  /** Clock of the writer's ticks and of the position between two reports (default: the system's). */
  readonly clock?: Clock;
  /** How long start() waits for the stream [ms] (default 5000). */
  readonly startTimeoutMs?: number;
}

/** What one line of pacat's verbose stderr says. */
export type PacatReport =
  | { readonly kind: 'position'; readonly playedUs: number; readonly latencyUs: number }
  | { readonly kind: 'connected' }
  | { readonly kind: 'started' }
  | { readonly kind: 'underrun' }
  | { readonly kind: 'failure'; readonly message: string };

/** Reads one line of `pacat -v`'s stderr (ANSI clear-line codes allowed); undefined for lines of no interest. */
export function parsePacatLine(raw: string): PacatReport | undefined {
  const line = raw.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').trim();
  if (line === '') return undefined;
  const position = /^Time: (-?[0-9.]+) sec; Latency: (-?[0-9.]+) usec\.$/.exec(line);
  if (position) {
    const playedUs = Number(position[1]) * 1e6;
    const latencyUs = Number(position[2]);
    return Number.isFinite(playedUs) && Number.isFinite(latencyUs) ? { kind: 'position', playedUs, latencyUs } : undefined;
  }
  if (line === 'Stream successfully created.') return { kind: 'connected' };
  if (line === 'Stream started.') return { kind: 'started' };
  if (line === 'Stream underrun.') return { kind: 'underrun' };
  if (/^(Stream error|Connection failure|Failed to|pa_[a-z_]+\(\) failed|Invalid|Unknown|Error)/i.test(line)) return { kind: 'failure', message: line };
  return undefined;
}

/** Whether `command` runs here (pacat --version exits 0). */
export function isPacatAvailable(command = 'pacat'): boolean {
  try {
    return spawnSync(command, ['--version'], { stdio: 'ignore', timeout: 3000 }).status === 0;
  } catch {
    return false;
  }
}

/** Plays render()'s audio through a pacat child process, on the sink's clock. */
export class PacatPlaybackSink implements ClockedSink {
  readonly kind = 'clocked';
  private readonly options: PacatPlaybackOptions;
  /** The output path's sizes; from start() on, less what the reserve given before it takes over (withReserve). */
  private sizes: PacatPathSizes;
  private readonly clock: Clock;
  private child: ChildProcessWithoutNullStreams | undefined;
  private render: ((frames: number) => Float32Array) | undefined;
  private ready: ((frames: number) => boolean) | undefined;
  private onError: ((err: AuraError) => void) | undefined;
  private cancelTick: (() => void) | undefined;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private written = 0;
  private reportedFrames = 0;
  private reportedAt: number | undefined;
  private pulseUnderruns = 0;
  private pipeFull = false;
  /** Whether PulseAudio is playing the stream: not until its buffer has filled to prebuf, nor after an underrun until it has again. */
  private playing = false;
  /** Audio written past aheadMs while the stream waits for prebuf [frames]: a chunk more every tick. */
  private priming = 0;
  private lastFailure: string | undefined;
  private stderrTail = '';
  /** Audio queued beyond aheadMs for the listener (setReserveMs) [ms]. */
  private reserveMs = 0;

  constructor(options: PacatPlaybackOptions = {}) {
    const profile = pacatPathSizes(options.profile ?? 'standard');
    const aheadMs = options.aheadMs ?? profile.aheadMs;
    if (!(aheadMs >= 5 && aheadMs <= 1000)) throw new RangeError(`aheadMs must be in 5..1000, got ${aheadMs}`);
    const pulseMs = options.pulseMs ?? profile.pulseMs;
    if (!(pulseMs >= 1 && pulseMs <= 1000)) throw new RangeError(`pulseMs must be in 1..1000, got ${pulseMs}`);
    this.options = options;
    // Sizes the caller chose are kept as they are.
    const chosen = options.aheadMs !== undefined || options.pulseMs !== undefined;
    this.sizes = { chunkFrames: profile.chunkFrames, aheadMs, pulseMs, leastAheadMs: chosen ? aheadMs : profile.leastAheadMs };
    this.clock = options.clock ?? systemClock;
  }

  /** The device's name as a person knows it. */
  get description(): string {
    return this.options.description ?? this.options.sinkName ?? 'default output';
  }

  /** Frames per render() call. */
  get deviceFrames(): number {
    return this.sizes.chunkFrames;
  }

  /** Times PulseAudio ran our stream dry (pacat's "Stream underrun."), since start. */
  get underruns(): number {
    return this.pulseUnderruns;
  }

  /**
   * Keeps `ms` (0..2000) more queued beyond aheadMs: audio the listener hands over early, which plays on
   * while this process stalls. Before start() PulseAudio is asked for a buffer that much larger too, so the
   * reserve waits there rather than in the pipe, where a stall of pacat's would still hold it back; and the
   * reserve given before start() takes over part of the margin (withReserve: 40 / 40 become 20 / 20 with a
   * reserve of 20 or more).
   */
  setReserveMs(ms: number): void {
    if (!(ms >= 0 && ms <= 2000)) throw new RangeError(`reserve must be in 0..2000 ms, got ${ms}`);
    this.reserveMs = ms;
  }

  /** What is queued beyond aheadMs now [ms] (negative while below it); 0 when not playing. */
  reserveLevelMs(): number {
    if (this.state !== 'running') return 0;
    return framesToMs(this.queuedFrames()) - this.sizes.aheadMs;
  }

  /** Starts pacat and playing; rejects with ERR_AUDIO_BACKEND (no pacat) or ERR_DEVICE_UNAVAILABLE. */
  async start(render: (frames: number) => Float32Array, onError: (err: AuraError) => void, ready?: (frames: number) => boolean): Promise<void> {
    if (this.state !== 'idle') throw new AuraError('ERR_CLOSED', 'this playback sink was already started');
    this.state = 'running';
    this.sizes = withReserve(this.sizes, this.reserveMs);
    this.render = render;
    this.ready = ready;
    this.onError = onError;
    const command = this.options.command ?? 'pacat';
    const args = [
      '--playback',
      '-v',
      '--raw',
      '--format=float32le',
      `--rate=${SAMPLE_RATE}`,
      `--channels=${CHANNELS}`,
      `--latency-msec=${Math.round(this.sizes.pulseMs + this.reserveMs)}`,
      '--client-name=AuraLync',
      '--stream-name=AuraLync playback',
      ...(this.options.sinkName === undefined ? [] : [`--device=${this.options.sinkName}`]),
    ];
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.child = child;
    child.stdin.on('error', () => {
      // EPIPE when pacat has gone: its exit says why.
    });
    child.stdin.on('drain', () => {
      this.pipeFull = false;
      this.fill();
    });
    child.stdout.resume();
    try {
      await new Promise<void>((resolve, reject) => {
        const cancelTimeout = this.clock.setTimeout(
          () => reject(new AuraError('ERR_DEVICE_UNAVAILABLE', `cannot play on '${this.description}': PulseAudio did not open the stream within ${this.options.startTimeoutMs ?? 5000} ms`)),
          this.options.startTimeoutMs ?? 5000,
        );
        const settle = (err?: AuraError) => {
          cancelTimeout();
          if (err) reject(err);
          else resolve();
        };
        child.once('error', (err: NodeJS.ErrnoException) => settle(toolStartError(command, err)));
        child.once('exit', () => settle(new AuraError('ERR_DEVICE_UNAVAILABLE', `cannot play on '${this.description}': ${this.lastFailure ?? `${command} exited`}`)));
        child.stderr.on('data', (bytes: Buffer) => {
          const connected = this.onStderr(bytes.toString());
          if (connected) settle();
        });
      });
    } catch (err) {
      this.state = 'stopped';
      this.release();
      throw err;
    }
    child.once('exit', () => this.fail(new AuraError('ERR_DEVICE_UNAVAILABLE', `playback on '${this.description}' failed: ${this.lastFailure ?? 'pacat exited'}`)));
    this.fill();
    this.cancelTick = this.clock.setInterval(() => this.fill(true), 2);
  }

  /** Audio between render() and the speaker [ms]: frames written less frames the sink has played. */
  outputLatencyMs(): number {
    if (this.state !== 'running') return 0;
    return framesToMs(this.queuedFrames());
  }

  /** Tops up now if it held back for audio that has since arrived. */
  refill(): void {
    this.fill();
  }

  /** Stops playing and ends pacat; safe to call twice (and before start). */
  stop(): Promise<void> {
    if (this.state === 'stopped') return Promise.resolve();
    this.state = 'stopped';
    const child = this.child;
    this.release();
    return whenExited(child);
  }

  /** Reads pacat's stderr; true once the stream exists. */
  private onStderr(text: string): boolean {
    let connected = false;
    const lines = (this.stderrTail + text).split(/[\r\n]/);
    this.stderrTail = lines.pop() ?? '';
    for (const line of lines) {
      const report = parsePacatLine(line);
      if (report === undefined) continue;
      if (report.kind === 'connected') connected = true;
      else if (report.kind === 'started') {
        // Playing from where it stood (0 at first) as of now, until pacat's next report says exactly.
        this.markPosition(this.written - this.queuedFrames());
        this.playing = true;
        this.priming = 0;
      } else if (report.kind === 'underrun') {
        if (this.state === 'running' && this.playing) this.pulseUnderruns++;
        // Everything written has played; the position stands still until the stream starts again.
        this.markPosition(this.written);
        this.playing = false;
      } else if (report.kind === 'failure') this.lastFailure = report.message;
      else if (report.playedUs > 0) this.markPosition(Math.round((report.playedUs * SAMPLE_RATE) / 1e6));
    }
    return connected;
  }

  /** The stream's playback position is `frames` now. */
  private markPosition(frames: number): void {
    this.reportedFrames = frames;
    this.reportedAt = this.clock.now();
  }

  /**
   * Frames written and not yet played: the position pacat last reported, moved on by the system clock
   * since while the stream plays (reports come every 50 ms, so the two clocks' difference adds ~0.01
   * frames), never past what was written.
   */
  private queuedFrames(): number {
    if (this.reportedAt === undefined) return this.written;
    const sinceMs = this.playing ? this.clock.now() - this.reportedAt : 0;
    const played = this.reportedFrames + (sinceMs * SAMPLE_RATE) / 1000;
    return Math.max(0, this.written - Math.min(this.written, Math.round(played)));
  }

  /**
   * Writes chunks until aheadMs (and the reserve) is queued, holding back (while any is queued) one `ready` says is late.
   * While PulseAudio waits for its buffer to reach prebuf (which --latency-msec, or a user's own
   * PULSE_LATENCY_MSEC, may put above aheadMs), a chunk more is allowed each tick until it plays;
   * the surplus then plays out before the next write.
   */
  private fill(fromTick = false): void {
    const child = this.child;
    if (this.state !== 'running' || !child || this.pipeFull) return;
    const chunk = this.sizes.chunkFrames;
    if (fromTick && !this.playing && this.queuedFrames() > 0) this.priming += chunk;
    const aheadFrames = ((this.sizes.aheadMs + this.reserveMs) * SAMPLE_RATE) / 1000 + this.priming;
    try {
      for (let queued = this.queuedFrames(); queued + chunk <= aheadFrames || queued === 0; queued += chunk) {
        if (queued > 0 && this.ready !== undefined && !this.ready(chunk)) return;
        const wanted = chunk * CHANNELS;
        // Counted as queued before render() takes it from the listener's buffer: what render() reads of
        // the reserve's level then holds all the audio, not a chunk less (which the drift control made up
        // for by holding ~5 ms more than its target).
        this.written += chunk;
        const rendered = this.render?.(chunk) ?? new Float32Array(wanted);
        const samples = toLength(rendered, wanted);
        if (!child.stdin.write(Buffer.from(samples.buffer, samples.byteOffset, wanted * 4))) {
          this.pipeFull = true;
          return;
        }
      }
    } catch (err) {
      this.fail(new AuraError('ERR_AUDIO_BACKEND', `playback stopped: ${(err as Error).message}`, { cause: err }));
    }
  }

  private fail(err: AuraError): void {
    if (this.state !== 'running') return;
    const onError = this.onError;
    void this.stop();
    try {
      onError?.(err);
    } catch {
      // The consumer's failure must not escape a child-process event.
    }
  }

  /** Stops the ticks and ends pacat (SIGTERM; stop() waits for it); idempotent. */
  private release(): void {
    this.cancelTick?.();
    this.cancelTick = undefined;
    const child = this.child;
    if (!child) return;
    child.stdin.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}
