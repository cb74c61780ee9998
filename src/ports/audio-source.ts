/** Where the host's audio comes from: a capture device, a file, a pipe. */
import type { AudioBlock } from '../core/audio-format.js';
import type { AuraError } from '../core/errors.js';

/** Callbacks an AudioSource delivers to. */
export interface AudioSourceHandlers {
  /** One block of exactly BLOCK_FRAMES frames (48 kHz stereo), in capture order. Must not block. */
  onBlock(block: AudioBlock): void;
  /** The source failed (device removed, read error); it has stopped. */
  onError(err: AuraError): void;
  /** The source ran out (end of file or pipe); it has stopped. Live devices never end. */
  onEnd(): void;
}

/** A stream of captured audio on the source's own clock. */
export interface AudioSource {
  /** What a person would call it, e.g. "Monitor of Speakers" or "song.wav". */
  readonly description: string;
  /** Opens the source and starts delivering blocks; rejects with an AuraError if it cannot open. */
  start(handlers: AudioSourceHandlers): Promise<void>;
  /** Stops delivering and releases the device or file; safe to call twice. */
  stop(): Promise<void>;
}
