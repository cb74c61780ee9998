/** StreamSinks with no clock: a 16-bit WAV file (header patched on close) or raw s16le on standard output. */
import { open, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { basename } from 'node:path';
import { CHANNELS, SAMPLE_RATE } from '../../core/audio-format.js';
import { AuraError, describeError } from '../../core/errors.js';
import { encodeS16, wavHeader } from '../../core/wav-format.js';
import type { StreamSink } from '../../ports/audio-sink.js';

/** Streams 16-bit stereo 48 kHz WAV to a file; the sizes in the header are written on close. */
export class WavFileSink implements StreamSink {
  readonly kind = 'stream';
  readonly description: string;
  private dataBytes = 0;
  private closing: Promise<void> | undefined;

  private constructor(private readonly file: FileHandle, path: string) {
    this.description = basename(path);
  }

  /** Creates (or replaces) the file; rejects with ERR_FILE and one line if it cannot. */
  static async create(path: string): Promise<WavFileSink> {
    let file: FileHandle;
    try {
      file = await open(path, 'w');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : describeError(err);
      throw new AuraError('ERR_FILE', `cannot write output '${path}': ${why}`);
    }
    await file.write(wavHeader({ sampleRate: SAMPLE_RATE, channels: CHANNELS, sampleFormat: 's16', dataBytes: undefined }));
    return new WavFileSink(file, path);
  }

  async write(samples: Float32Array): Promise<void> {
    if (this.closing) return;
    const bytes = encodeS16(samples);
    await this.file.write(bytes);
    this.dataBytes += bytes.length;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const header = wavHeader({ sampleRate: SAMPLE_RATE, channels: CHANNELS, sampleFormat: 's16', dataBytes: this.dataBytes });
      await this.file.write(header, 0, header.length, 0);
      await this.file.close();
    })();
    return this.closing;
  }
}

/** Writes raw s16le 48 kHz stereo to a stream (standard output), waiting when the reader is slow. */
export class RawStreamSink implements StreamSink {
  readonly kind = 'stream';
  readonly description = 'standard output';
  private closed = false;

  constructor(private readonly out: Writable = process.stdout) {}

  write(samples: Float32Array): Promise<void> {
    if (this.closed || this.out.destroyed) return Promise.resolve();
    const bytes = encodeS16(samples);
    return new Promise((resolve) => {
      if (this.out.write(bytes)) resolve();
      else this.out.once('drain', () => resolve());
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
