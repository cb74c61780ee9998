/** Opus packet structure (RFC 6716 §3.1), checked before any decoder sees a packet from the network. */
import { AuraError } from './errors.js';

/** Longest Opus packet [frames at 48 kHz]: 120 ms (RFC 6716 §3.2.5). */
export const OPUS_MAX_PACKET_FRAMES = 5760;
/** Opus frames come in multiples of 2.5 ms [frames at 48 kHz]. */
export const OPUS_GRANULE_FRAMES = 120;

/**
 * Frames (per channel, at 48 kHz) an Opus packet decodes to, from its TOC byte and frame count
 * (RFC 6716 §3.1). Throws AuraError(ERR_PROTOCOL) for a packet that cannot be valid.
 */
export function opusPacketFrames(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) throw new AuraError('ERR_PROTOCOL', 'empty Opus packet');
  const config = toc >> 3;
  // Frame duration in 1/400 s (2.5 ms) units: SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
  const granules = config < 12 ? [4, 8, 16, 24][config & 3] : config < 16 ? [4, 8][config & 1] : [1, 2, 4, 8][config & 3];
  let count: number;
  switch (toc & 3) {
    case 0:
      count = 1;
      break;
    case 1:
    case 2:
      count = 2;
      break;
    default: {
      const second = packet[1];
      if (second === undefined) throw new AuraError('ERR_PROTOCOL', 'Opus packet ends inside its frame count');
      count = second & 0x3f;
    }
  }
  const frames = (granules as number) * count * OPUS_GRANULE_FRAMES;
  if (count === 0 || frames > OPUS_MAX_PACKET_FRAMES) {
    throw new AuraError('ERR_PROTOCOL', `Opus packet claims ${count} frames (${frames / 48} ms); at most 120 ms is valid`);
  }
  return frames;
}
