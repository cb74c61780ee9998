/** The lossless v2 codec: float32 little-endian interleaved stereo, exactly as captured. */
import { BLOCK_FRAMES, CHANNELS } from './audio-format.js';
import { AuraError } from './errors.js';
import type { AudioDecoder, AudioEncoder } from '../ports/audio-codec.js';

/** Encodes each 5 ms block (BLOCK_FRAMES) as raw float32 LE. */
export class PcmEncoder implements AudioEncoder {
  readonly codec = 'pcm';
  readonly packetFrames = BLOCK_FRAMES;
  /** None: PCM is the samples themselves. */
  readonly delayFrames = 0;

  /** Raw float32 LE bytes of the samples. */
  encode(samples: Float32Array): Uint8Array {
    const out = Buffer.allocUnsafe(samples.length * 4);
    for (let i = 0; i < samples.length; i++) out.writeFloatLE(samples[i] as number, i * 4);
    return out;
  }
}

/** Decodes raw float32 LE payloads; rejects sizes that are not whole stereo frames. */
export class PcmDecoder implements AudioDecoder {
  /** None: PCM is the samples themselves. */
  readonly delayFrames = 0;

  /** Samples of the payload; non-finite values become 0. */
  decode(payload: Uint8Array): Float32Array {
    if (payload.length === 0 || payload.length % (4 * CHANNELS) !== 0) {
      throw new AuraError('ERR_PROTOCOL', `PCM packet of ${payload.length} bytes is not whole stereo frames`);
    }
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const out = new Float32Array(payload.length / 4);
    for (let i = 0; i < out.length; i++) {
      const value = view.getFloat32(i * 4, true);
      out[i] = Number.isFinite(value) ? value : 0;
    }
    return out;
  }

  /** Silence: PCM has no concealment of its own. */
  conceal(frames: number): Float32Array {
    return new Float32Array(frames * CHANNELS);
  }
}
