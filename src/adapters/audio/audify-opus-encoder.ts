/**
 * The Opus encoder, through audify's libopus: 48 kHz stereo, 10 ms packets (OPUS_FRAMES), 128 kb/s, low-delay
 * mode (2.5 ms look-ahead).
 * Decoding does not use audify: its decode()/decodeFloat() never free their output buffer (measured:
 * 4.3 KB leaked per 20 ms packet, ~780 MB per hour of listening), see opusscript-decoder.ts.
 */
import { CHANNELS, OPUS_FRAMES, SAMPLE_RATE } from '../../core/audio-format.js';
import { AuraError, describeError } from '../../core/errors.js';
import type { AudioEncoder } from '../../ports/audio-codec.js';
import { OPUS_APPLICATION_RESTRICTED_LOWDELAY, loadAudify, type AudifyModule, type OpusEncoderInstance } from './audify-module.js';

/** Bit rate of the Opus stream [b/s]: transparent for most music at 48 kHz stereo. */
export const OPUS_BITRATE = 128_000;

/** Options of the Opus encoder. */
export interface OpusEncoderOptions {
  /** Loads audify (default: loadAudify, which throws ERR_AUDIO_BACKEND when the addon is missing). */
  readonly loadAudify?: () => AudifyModule;
  /** Bit rate [b/s], 6000..510000. */
  readonly bitrate?: number;
}

/** Opus's look-ahead in low-delay mode at 48 kHz [frames]: 2.5 ms (libopus: Fs/400). */
export const OPUS_LOWDELAY_LOOKAHEAD_FRAMES = 120;

/** Encodes 10 ms of 48 kHz stereo float samples into one Opus packet. */
export class AudifyOpusEncoder implements AudioEncoder {
  readonly codec = 'opus';
  readonly packetFrames = OPUS_FRAMES;
  readonly delayFrames = OPUS_LOWDELAY_LOOKAHEAD_FRAMES;
  private readonly encoder: OpusEncoderInstance;

  /** Throws AuraError(ERR_AUDIO_BACKEND) when audify is unavailable. */
  constructor(options: OpusEncoderOptions = {}) {
    const bitrate = options.bitrate ?? OPUS_BITRATE;
    if (!Number.isInteger(bitrate) || bitrate < 6000 || bitrate > 510_000) {
      throw new RangeError(`Opus bitrate must be an integer in 6000..510000 b/s, got ${bitrate}`);
    }
    const audify = (options.loadAudify ?? loadAudify)();
    try {
      this.encoder = new audify.OpusEncoder(SAMPLE_RATE, CHANNELS, OPUS_APPLICATION_RESTRICTED_LOWDELAY);
      this.encoder.bitrate = bitrate;
    } catch (err) {
      throw new AuraError('ERR_AUDIO_BACKEND', `the Opus encoder did not start: ${describeError(err)}`, { cause: err });
    }
  }

  /** One Opus packet from exactly OPUS_FRAMES interleaved stereo frames (RangeError otherwise). */
  encode(samples: Float32Array): Uint8Array {
    if (samples.length !== OPUS_FRAMES * CHANNELS) {
      throw new RangeError(`Opus encodes ${OPUS_FRAMES} stereo frames (${OPUS_FRAMES * CHANNELS} samples) at a time, got ${samples.length} samples`);
    }
    return this.encoder.encodeFloat(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength), OPUS_FRAMES);
  }
}
