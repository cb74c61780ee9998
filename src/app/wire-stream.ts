/**
 * One encoded form of the captured audio (v2 Opus, v2 PCM, or the v1 stream). The host keeps one per
 * form in use and encodes each block once for all listeners of that form.
 */
import { CHANNELS, SAMPLE_RATE, V1_PACKET_FRAMES, V1_SAMPLE_RATE, type AudioBlock } from '../core/audio-format.js';
import { encodeV1Packet } from '../core/v1-packets.js';
import type { AudioCipher } from '../core/audio-cipher.js';
import { encodeAudioFrame, encodeAudioHeader } from '../core/v2-frames.js';
import { Packetizer } from '../core/packetizer.js';
import { Resampler } from '../core/resampler.js';
import type { AudioEncoder } from '../ports/audio-codec.js';

/** Turns capture blocks into ready-to-send frames of one wire format. */
export interface WireStream {
  /** Frames per packet of this stream (at its own rate). */
  readonly packetFrames: number;
  /** The codec's look-ahead: how much later the decoded audio sounds than the stamps say [frames at 48 kHz]. */
  readonly delayFrames: number;
  /** Encodes a capture block; returns the frames now complete (often none or one). */
  push(block: AudioBlock): Buffer[];
}

/** v2 audio frames from an AudioEncoder (Opus or PCM), numbered from 0; payloads sealed when a cipher is given. */
export class V2WireStream implements WireStream {
  private readonly packetizer: Packetizer;
  private seq = 0;

  constructor(
    private readonly encoder: AudioEncoder,
    private readonly cipher?: AudioCipher,
  ) {
    this.packetizer = new Packetizer(encoder.packetFrames);
  }

  get packetFrames(): number {
    return this.encoder.packetFrames;
  }

  get delayFrames(): number {
    return this.encoder.delayFrames;
  }

  push(block: AudioBlock): Buffer[] {
    return this.packetizer.push(block).map((packet) => {
      const encoded = this.encoder.encode(packet.samples);
      const payload = this.cipher === undefined ? encoded : this.cipher.seal(encodeAudioHeader(this.seq, packet.captureTimeMs), encoded);
      const frame = encodeAudioFrame(this.seq, packet.captureTimeMs, payload);
      this.seq = (this.seq + 1) >>> 0;
      return frame;
    });
  }
}

/** The original v1 stream: resampled 48 kHz → 44.1 kHz, 1024-frame length-prefixed float32 packets. */
export class V1WireStream implements WireStream {
  readonly packetFrames = V1_PACKET_FRAMES;
  readonly delayFrames = 0;
  private readonly resampler = new Resampler({ inputRate: SAMPLE_RATE, outputRate: V1_SAMPLE_RATE, channels: CHANNELS });
  private readonly packetizer = new Packetizer(V1_PACKET_FRAMES, V1_SAMPLE_RATE);

  push(block: AudioBlock): Buffer[] {
    const resampled = this.resampler.process(block.samples);
    if (resampled.length === 0) return [];
    return this.packetizer.push({ samples: resampled, captureTimeMs: block.captureTimeMs }).map((p) => encodeV1Packet(p.samples));
  }
}
