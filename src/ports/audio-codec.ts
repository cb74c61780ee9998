/** Turning audio blocks into packet payloads and back. */

/** Encodes fixed-size runs of 48 kHz stereo float samples into packets. */
export interface AudioEncoder {
  /** Codec name as sent in the welcome message. */
  readonly codec: 'opus' | 'pcm';
  /** Frames per packet this encoder emits. */
  readonly packetFrames: number;
  /** How much later its decoded audio sounds than the samples it was given [frames]: the codec's look-ahead. */
  readonly delayFrames: number;
  /** Encodes exactly packetFrames frames (interleaved stereo) into one packet payload. */
  encode(samples: Float32Array): Uint8Array;
}

/** Decodes packet payloads back into 48 kHz stereo float samples. */
export interface AudioDecoder {
  /**
   * How much later the decoded audio sounds than the samples the host stamped [frames], for a host whose
   * welcome does not say (its `codecDelayFrames`): the codec's delay as older hosts encoded it.
   */
  readonly delayFrames: number;
  /** Decodes one packet payload into interleaved stereo samples; throws AuraError(ERR_PROTOCOL) on a bad payload. */
  decode(payload: Uint8Array): Float32Array;
  /** Audio to fill a lost packet of `frames` frames (codec concealment where it has one, else silence). */
  conceal(frames: number): Float32Array;
}
