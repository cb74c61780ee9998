/**
 * AudioSource capturing a PulseAudio source (a monitor: system audio) through a `parec` child process, 48 kHz
 * stereo float32 on its stdout. Used where audify cannot name the monitor: PipeWire's pulse server (see
 * pulse-devices.ts). On PulseAudio itself the host captures through audify, as measured in docs/latency.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { BLOCK_FRAMES, CHANNELS, SAMPLE_RATE, framesToMs } from '../../core/audio-format.js';
import { BlockChunker } from '../../core/block-chunker.js';
import { CaptureStamps } from '../../core/capture-stamps.js';
import { AuraError } from '../../core/errors.js';
import type { AudioSource, AudioSourceHandlers } from '../../ports/audio-source.js';
import { parsePacatLine } from './pacat-playback-sink.js';
import { CAPTURE_FRAGMENT_MS } from './capture-fragment.js';
import { toolStartError, whenExited } from './pulse-tool-process.js';

/** Bytes per frame: two float32 samples. */
const FRAME_BYTES = 4 * CHANNELS;

/** Options of ParecCaptureSource. */
export interface ParecCaptureOptions {
  /** The source to open, by its PulseAudio name (e.g. "al_src.monitor"). */
  readonly sourceName: string;
  /** What a person would call it (default: the source name). */
  readonly description?: string;
  /** The program to run (default "parec"; tests point it elsewhere). */
  readonly command?: string;
  /** How long the stream may take to deliver its first audio [ms] (default 5000). */
  readonly startTimeoutMs?: number;
  /** Monotonic clock for captureTimeMs [ms]; default performance.now (the clock of systemClock). */
  readonly now?: () => number;
}

/**
 * Captures a PulseAudio source in blocks of exactly BLOCK_FRAMES frames, in fragments of CAPTURE_FRAGMENT_MS.
 * Each read from the pipe is stamped as audify's callbacks are (CaptureStamps,
 * from the clock when it was read, less the frames after each block's first).
 */
export class ParecCaptureSource implements AudioSource {
  readonly description: string;
  private readonly options: ParecCaptureOptions;
  private readonly now: () => number;
  private child: ChildProcess | undefined;
  private handlers: AudioSourceHandlers | undefined;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  /** Bytes of a frame split across two reads. */
  private partial = Buffer.alloc(0);
  private lastFailure: string | undefined;
  private stderrTail = '';
  private readonly stamps = new CaptureStamps(framesToMs(BLOCK_FRAMES));
  private readonly chunker = new BlockChunker((samples, readingMs) => this.emit(samples, readingMs));

  constructor(options: ParecCaptureOptions) {
    this.options = options;
    this.description = options.description ?? options.sourceName;
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts parec; resolves with its first audio, rejects with ERR_AUDIO_BACKEND (no parec) or ERR_DEVICE_UNAVAILABLE. */
  async start(handlers: AudioSourceHandlers): Promise<void> {
    if (this.state !== 'idle') throw new AuraError('ERR_CLOSED', 'this capture source was already started');
    this.state = 'running';
    this.handlers = handlers;
    const command = this.options.command ?? 'parec';
    const child = spawn(
      command,
      [
        '--raw',
        '--format=float32le',
        `--rate=${SAMPLE_RATE}`,
        `--channels=${CHANNELS}`,
        `--latency-msec=${CAPTURE_FRAGMENT_MS}`,
        `--device=${this.options.sourceName}`,
        '--client-name=AuraLync',
        '--stream-name=AuraLync capture',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
    this.child = child;
    child.stderr?.on('data', (bytes: Buffer) => this.onStderr(bytes.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timeoutMs = this.options.startTimeoutMs ?? 5000;
        const timer = setTimeout(
          () => reject(new AuraError('ERR_DEVICE_UNAVAILABLE', `cannot capture from '${this.description}': no audio within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const settle = (err?: AuraError) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        child.once('error', (err: NodeJS.ErrnoException) => settle(toolStartError(command, err)));
        child.once('exit', () => settle(new AuraError('ERR_DEVICE_UNAVAILABLE', `cannot capture from '${this.description}': ${this.lastFailure ?? `${command} exited`}`)));
        child.stdout?.once('data', () => settle());
        child.stdout?.on('data', (bytes: Buffer) => this.onData(bytes));
      });
    } catch (err) {
      this.state = 'stopped';
      this.release();
      throw err;
    }
    child.once('exit', () => this.fail(new AuraError('ERR_DEVICE_UNAVAILABLE', `capture from '${this.description}' failed: ${this.lastFailure ?? 'parec exited'}`)));
  }

  /** Stops capturing and ends parec; safe to call twice (and before start). */
  stop(): Promise<void> {
    if (this.state === 'stopped') return Promise.resolve();
    this.state = 'stopped';
    const child = this.child;
    this.release();
    return whenExited(child);
  }

  /** One read from parec's stdout: whole frames go on, a split frame waits for the rest. */
  private onData(bytes: Buffer): void {
    if (this.state !== 'running') return;
    const nowMs = this.now();
    const all = this.partial.length === 0 ? bytes : Buffer.concat([this.partial, bytes]);
    const whole = all.length - (all.length % FRAME_BYTES);
    this.partial = Buffer.from(all.subarray(whole));
    if (whole === 0) return;
    // A copy: the pipe's buffer may not be 4-byte aligned, and blocks outlive it.
    const samples = new Float32Array(whole / 4);
    new Uint8Array(samples.buffer).set(all.subarray(0, whole));
    this.chunker.push(samples, nowMs);
  }

  private emit(samples: Float32Array, readingMs: number): void {
    if (this.state !== 'running') return;
    this.handlers?.onBlock({ samples, captureTimeMs: this.stamps.next(readingMs) });
  }

  private onStderr(text: string): void {
    const lines = (this.stderrTail + text).split(/[\r\n]/);
    this.stderrTail = lines.pop() ?? '';
    for (const line of lines) {
      const report = parsePacatLine(line);
      if (report?.kind === 'failure') this.lastFailure = report.message;
    }
  }

  private fail(err: AuraError): void {
    if (this.state !== 'running') return;
    const handlers = this.handlers;
    void this.stop();
    try {
      handlers?.onError(err);
    } catch {
      // The consumer's failure must not escape a child-process event.
    }
  }

  /** Ends parec (SIGTERM; stop() waits for it); idempotent. */
  private release(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}
