/**
 * The original AuraLync v1 stream: each packet is a 4-byte big-endian length, then that many bytes of
 * float32 little-endian interleaved stereo at 44.1 kHz (1024 frames = 8192 bytes in practice).
 */
import { CHANNELS } from './audio-format.js';
import { AuraError } from './errors.js';

/** Largest v1 packet body we accept [bytes]: 16 times the usual 8192. */
export const MAX_V1_PACKET_BYTES = 131_072;
const BYTES_PER_FRAME = 4 * CHANNELS;

/** Builds one v1 packet from interleaved stereo float samples (44.1 kHz). */
export function encodeV1Packet(samples: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(4 + samples.length * 4);
  out.writeUInt32BE(samples.length * 4, 0);
  for (let i = 0; i < samples.length; i++) out.writeFloatLE(samples[i] as number, 4 + i * 4);
  return out;
}

/**
 * Incremental v1 parser. Each length is checked (non-zero, whole stereo frames, ≤ MAX_V1_PACKET_BYTES)
 * before its body is buffered; a bad one throws ERR_PROTOCOL.
 */
export class V1PacketReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds received bytes; returns the samples of every packet now complete (non-finite samples become 0). */
  push(chunk: Buffer): Float32Array[] {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: Float32Array[] = [];
    while (data.length >= 4) {
      const length = data.readUInt32BE(0);
      if (length === 0 || length % BYTES_PER_FRAME !== 0 || length > MAX_V1_PACKET_BYTES) {
        this.pending = Buffer.alloc(0);
        throw new AuraError('ERR_PROTOCOL', `not an AuraLync v1 stream (packet length ${length})`);
      }
      if (data.length < 4 + length) break;
      const samples = new Float32Array(length / 4);
      for (let i = 0; i < samples.length; i++) {
        const value = data.readFloatLE(4 + i * 4);
        samples[i] = Number.isFinite(value) ? value : 0;
      }
      packets.push(samples);
      data = data.subarray(4 + length);
    }
    this.pending = Buffer.from(data);
    return packets;
  }
}
