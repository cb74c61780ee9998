/**
 * A listener's bounded outgoing queue. Audio is perishable: when the queue is full the oldest audio is
 * dropped (and counted) to make room. Control messages are never dropped and never count against the
 * audio bound, and a frame being written is never touched, so the byte stream stays well-formed.
 */

/** What a queued frame is: audio (droppable when stale) or control (never dropped). */
export type QueuedKind = 'audio' | 'control';

interface Entry {
  readonly kind: QueuedKind;
  readonly bytes: Buffer;
}

/** Counters a SendQueue keeps. */
export interface SendQueueStats {
  /** Audio frames waiting now. */
  readonly queuedAudio: number;
  /** Bytes waiting now [bytes]. */
  readonly queuedBytes: number;
  /** Audio frames dropped as stale since creation. */
  readonly droppedAudio: number;
}

/** Bounded drop-oldest-audio FIFO of encoded frames for one listener. */
export class SendQueue {
  private entries: Entry[] = [];
  private audioCount = 0;
  private bytes = 0;
  private dropped = 0;

  private audioLimit = 1;

  /** @param maxAudioFrames most audio frames held (≥ 1); more drops the oldest audio first. */
  constructor(maxAudioFrames: number) {
    this.setMaxAudioFrames(maxAudioFrames);
  }

  /** Changes the bound (≥ 1); takes effect from the next push. */
  setMaxAudioFrames(maxAudioFrames: number): void {
    if (!Number.isInteger(maxAudioFrames) || maxAudioFrames < 1) throw new RangeError('maxAudioFrames must be an integer ≥ 1');
    this.audioLimit = maxAudioFrames;
  }

  /** The bound: most audio frames held before the oldest is dropped. */
  get maxAudioFrames(): number {
    return this.audioLimit;
  }

  /** Appends a frame; returns how many stale audio frames were dropped to make room (0 or 1). */
  push(kind: QueuedKind, bytes: Buffer): number {
    let droppedNow = 0;
    if (kind === 'audio' && this.audioCount >= this.audioLimit) {
      const oldest = this.entries.findIndex((entry) => entry.kind === 'audio');
      const [victim] = this.entries.splice(oldest, 1);
      if (victim !== undefined) {
        this.bytes -= victim.bytes.length;
        this.audioCount--;
        this.dropped++;
        droppedNow = 1;
      }
    }
    this.entries.push({ kind, bytes });
    this.bytes += bytes.length;
    if (kind === 'audio') this.audioCount++;
    return droppedNow;
  }

  /** Removes and returns everything queued, as one buffer to write (undefined when empty). */
  takeAll(): Buffer | undefined {
    if (this.entries.length === 0) return undefined;
    const out = this.entries.length === 1 ? (this.entries[0] as Entry).bytes : Buffer.concat(this.entries.map((e) => e.bytes), this.bytes);
    this.entries = [];
    this.audioCount = 0;
    this.bytes = 0;
    return out;
  }

  /** Current counters. */
  get stats(): SendQueueStats {
    return { queuedAudio: this.audioCount, queuedBytes: this.bytes, droppedAudio: this.dropped };
  }
}
