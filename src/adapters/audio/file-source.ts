/**
 * AudioSource from a WAV file (paced in real time, like a device) or from standard input (a live
 * stream such as `parec`, taken as it arrives: WAV, or raw s16le 48 kHz stereo when there is no header).
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { basename } from 'node:path';
import { BLOCK_FRAMES, CHANNELS, SAMPLE_RATE, framesToMs, type AudioBlock } from '../../core/audio-format.js';
import { AuraError, describeError } from '../../core/errors.js';
import { Packetizer } from '../../core/packetizer.js';
import { Resampler } from '../../core/resampler.js';
import { bytesPerSample, decodePcm, parseWavHeader, toStereo, type WavInfo } from '../../core/wav-format.js';
import type { AudioSource, AudioSourceHandlers } from '../../ports/audio-source.js';
import type { Clock } from '../../ports/clock.js';

const RAW_STDIN_FORMAT: WavInfo = { sampleRate: SAMPLE_RATE, channels: CHANNELS, sampleFormat: 's16', dataOffset: 0, dataBytes: undefined };
/** Blocks read ahead of the pacing timer before the file is paused. */
const READ_AHEAD_BLOCKS = 50;

/** Reads WAV/raw audio and delivers exact 10 ms blocks at 48 kHz stereo. */
export class FileSource implements AudioSource {
  readonly description: string;
  private input: Readable | undefined;
  private handlers: AudioSourceHandlers | undefined;
  private info: WavInfo | undefined;
  private header = Buffer.alloc(0);
  private remainder = Buffer.alloc(0);
  private dataLeft = Infinity;
  private resampler: Resampler | undefined;
  private readonly packetizer = new Packetizer(BLOCK_FRAMES);
  private readonly queue: AudioBlock[] = [];
  private ended = false;
  private stopped = false;
  private cancelPacer: (() => void) | undefined;
  private startMs = 0;
  private emitted = 0;

  /**
   * @param path a WAV file, or '-' for standard input
   * @param clock paces file playback (stdin is not paced: it is live already)
   */
  constructor(
    private readonly path: string,
    private readonly clock: Clock,
    private readonly stdin: Readable = process.stdin,
  ) {
    this.description = path === '-' ? 'standard input' : basename(path);
  }

  private get paced(): boolean {
    return this.path !== '-';
  }

  async start(handlers: AudioSourceHandlers): Promise<void> {
    this.handlers = handlers;
    if (this.path === '-') {
      this.input = this.stdin;
    } else {
      try {
        const handle = await open(this.path, 'r');
        await handle.close();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : describeError(err);
        throw new AuraError('ERR_FILE', `cannot read input '${this.path}': ${why}`);
      }
      this.input = createReadStream(this.path, { highWaterMark: 64 * 1024 });
    }
    // Header problems surface here, so `auralync host --input x` fails at once with one line.
    await new Promise<void>((resolve, reject) => {
      const input = this.input as Readable;
      let settled = false;
      const settle = (err?: AuraError) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      input.on('data', (chunk: Buffer) => {
        try {
          this.onData(chunk);
          if (this.info !== undefined) settle();
        } catch (err) {
          const auraErr = err instanceof AuraError ? err : new AuraError('ERR_BAD_AUDIO_FILE', describeError(err));
          this.stopInput();
          if (settled) this.fail(auraErr);
          else settle(auraErr);
        }
      });
      input.on('end', () => {
        this.ended = true;
        if (this.info === undefined) settle(new AuraError('ERR_BAD_AUDIO_FILE', `'${this.description}' ended before any audio`));
        else if (!this.paced) this.finishIfDrained();
      });
      input.on('error', (err) => {
        const auraErr = new AuraError('ERR_FILE', `cannot read '${this.description}': ${describeError(err)}`);
        if (settled) this.fail(auraErr);
        else settle(auraErr);
      });
    });
    if (this.paced) {
      this.startMs = this.clock.now();
      this.cancelPacer = this.clock.setInterval(() => this.pace(), 5);
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.cancelPacer?.();
    this.cancelPacer = undefined;
    this.stopInput();
    return Promise.resolve();
  }

  private stopInput(): void {
    const input = this.input;
    if (input === undefined) return;
    input.removeAllListeners('data');
    if (input !== this.stdin) (input as ReadStream).destroy();
    else input.pause();
  }

  private fail(err: AuraError): void {
    if (this.stopped) return;
    void this.stop();
    this.handlers?.onError(err);
  }

  private onData(chunk: Buffer): void {
    if (this.info === undefined) {
      this.header = Buffer.concat([this.header, chunk]);
      if (this.path === '-' && this.header.length >= 4 && this.header.toString('latin1', 0, 4) !== 'RIFF') {
        this.info = RAW_STDIN_FORMAT;
      } else {
        if (this.header.length < 4) return;
        const parsed = parseWavHeader(this.header);
        if (parsed === 'need-more') {
          if (this.header.length > 1024 * 1024) throw new AuraError('ERR_BAD_AUDIO_FILE', `'${this.description}' has no audio data in its first MiB`);
          return;
        }
        this.info = parsed;
      }
      const info = this.info;
      if (info.dataBytes !== undefined) this.dataLeft = info.dataBytes;
      if (info.sampleRate !== SAMPLE_RATE) this.resampler = new Resampler({ inputRate: info.sampleRate, outputRate: SAMPLE_RATE, channels: CHANNELS });
      chunk = this.header.subarray(info.dataOffset);
      this.header = Buffer.alloc(0);
    }
    this.decode(chunk);
  }

  private decode(chunk: Buffer): void {
    const info = this.info as WavInfo;
    if (this.dataLeft <= 0) return;
    if (chunk.length > this.dataLeft) chunk = chunk.subarray(0, this.dataLeft);
    this.dataLeft -= chunk.length;
    const data = this.remainder.length > 0 ? Buffer.concat([this.remainder, chunk]) : chunk;
    const frameBytes = bytesPerSample(info.sampleFormat) * info.channels;
    const whole = data.length - (data.length % frameBytes);
    this.remainder = Buffer.from(data.subarray(whole));
    if (whole === 0) return;
    let samples = toStereo(decodePcm(data.subarray(0, whole), info.sampleFormat), info.channels);
    if (this.resampler) samples = this.resampler.process(samples);
    const now = this.clock.now();
    for (const block of this.packetizer.push({ samples, captureTimeMs: now })) {
      if (this.paced) this.queue.push(block);
      else this.handlers?.onBlock({ samples: block.samples, captureTimeMs: now - framesToMs(BLOCK_FRAMES) });
    }
    if (this.paced && this.queue.length >= READ_AHEAD_BLOCKS) this.input?.pause();
  }

  /** Emits every block whose 10 ms has fully elapsed on the clock since start, like a device would. */
  private pace(): void {
    const blockMs = framesToMs(BLOCK_FRAMES);
    const due = Math.floor((this.clock.now() - this.startMs) / blockMs);
    while (this.emitted < due && this.queue.length > 0 && !this.stopped) {
      const block = this.queue.shift() as AudioBlock;
      this.handlers?.onBlock({ samples: block.samples, captureTimeMs: this.startMs + this.emitted * blockMs });
      this.emitted++;
    }
    if (this.queue.length < READ_AHEAD_BLOCKS / 2 && !this.ended) this.input?.resume();
    if (this.emitted < due) this.finishIfDrained();
  }

  private finishIfDrained(): void {
    if (!this.ended || this.queue.length > 0 || this.stopped) return;
    void this.stop();
    this.handlers?.onEnd();
  }
}
