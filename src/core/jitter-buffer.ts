/** The listener's jitter buffer: absorbs network jitter between packets that arrive and a sound card that pulls. */
import { CHANNELS, SAMPLE_RATE, msToFrames } from './audio-format.js';

/** 'buffering': silent until targetMs is held; 'playing': audio flows to the sink. */
export type JitterBufferState = 'buffering' | 'playing';

/** Options of a JitterBuffer. */
export interface JitterBufferOptions {
  /** Audio to hold before playing and to trim back to [ms], 5..2000. */
  readonly targetMs: number;
  /** Hard cap on held audio [ms], targetMs..60000 (default max(1000, 4 * targetMs)). */
  readonly maxMs?: number;
  /**
   * Rendering a first start (of the buffer, or after reset(): a new connection) waits for past the first
   * arrival [ms], 0..1000 (default 0): what a connection brings first may be a backlog, arriving over several
   * renders. What is held beyond the start's level is dropped when it starts, so the wait adds no delay.
   */
  readonly settleMs?: number;
}

/** A snapshot of the buffer's state and counters (counters only grow, reset() included). */
export interface JitterBufferStats {
  /** 'buffering' or 'playing'. */
  readonly state: JitterBufferState;
  /** Audio held now [ms]. */
  readonly bufferedMs: number;
  /** Current target [ms]. */
  readonly targetMs: number;
  /** Times the buffer ran dry while playing. */
  readonly underruns: number;
  /** Frames render() was asked for but had no audio for (filled with a fade, then silence) [frames]. */
  readonly concealedFrames: number;
  /** Packets dropped because their sequence number was not newer than one already taken. */
  readonly lateDrops: number;
  /** Packets the sequence numbers show were never received. */
  readonly missingPackets: number;
  /** Audio discarded to bring the buffer back to target while playing, or past maxMs [frames]. */
  readonly overflowDroppedFrames: number;
  /** Audio older than what playing started with, dropped then (a burst, or late packets after an underrun) [frames]. */
  readonly startSkippedFrames: number;
  /** Frames of received audio handed to the sink [frames]. */
  readonly playedFrames: number;
}

/** Smallest targetMs accepted. */
export const MIN_TARGET_MS = 5;
/** Largest targetMs accepted. */
export const MAX_TARGET_MS = 2000;
/** Largest maxMs accepted. */
const MAX_CAP_MS = 60_000;
/** Playback over which the buffer's floor is taken: the lowest level of two half windows [frames, 125 ms]. */
const FLOOR_HALF_WINDOW_FRAMES = 6000;
/** Length of every fade (out on underrun, in on resume, crossfade on trim): 2.5 ms at 48 kHz [frames]. */
const FADE_FRAMES = 120;
/**
 * Sequence jumps larger than this (either way) mean the host restarted its counter, not loss or lateness:
 * the packet is taken as the start of a new run [packets].
 */
const MAX_SEQ_JUMP = 3000;

interface Chunk {
  readonly captureTimeMs: number;
  readonly samples: Float32Array;
  /** Frames of this chunk already played or dropped. */
  offset: number;
}

/** Gain of step k (0..FADE_FRAMES-1) of a fade-out: just under 1 down to just over 0. */
function fadeOutGain(k: number): number {
  return 1 - (k + 1) / (FADE_FRAMES + 1);
}

/**
 * Holds decoded 48 kHz stereo chunks for a sink that pulls on its own clock. Pure: no timers; the sink's
 * render() calls are the clock. Playing starts once targetMs is held beyond what the render that starts it
 * takes, plus half an arrival (see #startIfHeld), older audio dropped; while
 * playing, a buffer whose *floor* (its lowest level over the last 125-250 ms of playback) stays more than
 * max(20 ms, target / 2) above the target is trimmed by the floor's excess, with a 2.5 ms crossfade. The
 * floor, not the level of the moment: on a jittery link the level peaks every time late packets arrive
 * together, and trimming such a peak cut audio the buffer needed for the next late packet (bench/wifi-link:
 * a 26 ms trim at a burst, then an underrun on a packet only 27 ms late).
 * Sequence numbers are u32 and may wrap. The stream comes over TCP, so packets arrive in order: anything not
 * newer than the newest packet taken is a duplicate or late and is dropped, and a gap is counted as missing
 * but never waited for.
 */
export class JitterBuffer {
  #targetFrames: number;
  #targetMs: number;
  readonly #maxMsOption: number | undefined;
  #maxFrames: number;
  #state: JitterBufferState = 'buffering';
  #chunks: Chunk[] = [];
  #bufferedFrames = 0;
  #newestSeq: number | undefined;
  /** Fading-out audio still to be mixed into the output (interleaved, gains applied), and how far it got. */
  #tail = new Float32Array(0);
  #tailAt = 0;
  /** Frames of real audio still to fade in (after an underrun or a trim). */
  #fadeInLeft = 0;
  /** The last frame handed to the sink, to fade from when the buffer is empty at an underrun. */
  readonly #lastFrame = new Float32Array(CHANNELS);
  #underruns = 0;
  #concealedFrames = 0;
  #lateDrops = 0;
  #missingPackets = 0;
  #overflowDroppedFrames = 0;
  /** Frames pushed since the last render(): the arrival a render sees. */
  #pushedSinceRender = 0;
  /** Renders that saw an arrival since the buffer last began buffering, and the size of the latest [frames]. */
  #arrivalsSinceBuffering = 0;
  #lastArrivalFrames = 0;
  readonly #settleFrames: number;
  /** Frames still to render before a first start may happen (see settleMs). */
  #settleLeft: number;
  #startSkippedFrames = 0;
  #playedFrames = 0;
  /** Lowest level seen in the current and in the previous half window of playback [frames]. */
  #floorNow = Infinity;
  #floorBefore = Infinity;
  /** Frames played in the current half window; the previous one is complete only once this wraps. */
  #floorAge = 0;
  #floorComplete = false;

  constructor(options: JitterBufferOptions) {
    const { targetMs, maxMs } = options;
    checkTarget(targetMs);
    if (maxMs !== undefined && !(maxMs >= targetMs && maxMs <= MAX_CAP_MS)) {
      throw new RangeError(`maxMs must be from targetMs (${targetMs}) to ${MAX_CAP_MS}, got ${maxMs}`);
    }
    const settleMs = options.settleMs ?? 0;
    if (!(settleMs >= 0 && settleMs <= 1000)) throw new RangeError(`settleMs must be from 0 to 1000, got ${settleMs}`);
    this.#settleFrames = msToFrames(settleMs);
    this.#settleLeft = this.#settleFrames;
    this.#maxMsOption = maxMs;
    this.#targetMs = targetMs;
    this.#targetFrames = msToFrames(targetMs);
    this.#maxFrames = msToFrames(maxMs ?? Math.max(1000, 4 * targetMs));
  }

  /** 'buffering' or 'playing'. */
  get state(): JitterBufferState {
    return this.#state;
  }

  /** Audio held now [frames]. */
  get bufferedFrames(): number {
    return this.#bufferedFrames;
  }

  /** Audio held now [ms]. */
  get bufferedMs(): number {
    return (this.#bufferedFrames * 1000) / SAMPLE_RATE;
  }

  /** State and counters, for the status line and the health report. */
  get stats(): JitterBufferStats {
    return {
      state: this.#state,
      bufferedMs: this.bufferedMs,
      targetMs: this.#targetMs,
      underruns: this.#underruns,
      concealedFrames: this.#concealedFrames,
      lateDrops: this.#lateDrops,
      missingPackets: this.#missingPackets,
      overflowDroppedFrames: this.#overflowDroppedFrames,
      startSkippedFrames: this.#startSkippedFrames,
      playedFrames: this.#playedFrames,
    };
  }

  /** Changes the target [ms], 5..2000 (and ≤ maxMs if one was given); takes effect at the next trim or re-buffer. */
  setTargetMs(targetMs: number): void {
    checkTarget(targetMs);
    if (this.#maxMsOption !== undefined && targetMs > this.#maxMsOption) {
      throw new RangeError(`targetMs ${targetMs} is above maxMs ${this.#maxMsOption}`);
    }
    this.#targetMs = targetMs;
    this.#targetFrames = msToFrames(targetMs);
    this.#maxFrames = msToFrames(this.#maxMsOption ?? Math.max(1000, 4 * targetMs));
  }

  /**
   * Takes one decoded packet: `seq` u32 sequence number, `captureTimeMs` host capture time of its first frame,
   * `samples` interleaved stereo at 48 kHz (any whole number of frames). The buffer keeps `samples` (no copy).
   */
  push(seq: number, captureTimeMs: number, samples: Float32Array): void {
    if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff_ffff) throw new RangeError(`seq must be a u32, got ${seq}`);
    if (!Number.isFinite(captureTimeMs)) throw new RangeError(`captureTimeMs must be finite, got ${captureTimeMs}`);
    if (samples.length % CHANNELS !== 0) throw new RangeError(`${samples.length} samples are not whole stereo frames`);
    if (this.#newestSeq !== undefined) {
      const ahead = (seq - this.#newestSeq) | 0; // signed distance modulo 2^32, so wrapping is seamless
      if (ahead <= 0 && ahead >= -MAX_SEQ_JUMP) {
        this.#lateDrops++;
        return;
      }
      if (ahead > 1 && ahead <= MAX_SEQ_JUMP) this.#missingPackets += ahead - 1;
    }
    this.#newestSeq = seq;
    if (samples.length === 0) return;
    this.#chunks.push({ captureTimeMs, samples, offset: 0 });
    this.#bufferedFrames += samples.length / CHANNELS;
    this.#pushedSinceRender += samples.length / CHANNELS;
    if (this.#bufferedFrames > this.#maxFrames) this.#trimToTarget();
  }

  /** Returns exactly `frames` interleaved stereo frames for the sink: audio, a fade, or silence. */
  render(frames: number): Float32Array {
    if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`frames must be a non-negative integer, got ${frames}`);
    const out = new Float32Array(frames * CHANNELS);
    if (this.#pushedSinceRender > 0) {
      this.#arrivalsSinceBuffering++;
      this.#lastArrivalFrames = this.#pushedSinceRender;
      this.#pushedSinceRender = 0;
    }
    if (this.#state === 'buffering' && this.#arrivalsSinceBuffering > 0) {
      this.#settleLeft = Math.max(0, this.#settleLeft - frames);
      if (frames > 0 && this.#arrivalsSinceBuffering >= 2 && this.#settleLeft === 0) this.#startIfHeld(frames);
    }
    let real = 0;
    if (this.#state === 'playing') {
      this.#trimSustainedExcess(frames);
      real = this.#take(out, frames);
      this.#playedFrames += real;
      this.#fadeIn(out, real);
    }
    this.#mixTail(out, 0);
    if (this.#state === 'playing' && real < frames) this.#underrun(out, real, frames);
    if (frames > 0) this.#lastFrame.set(out.subarray((frames - 1) * CHANNELS, frames * CHANNELS));
    return out;
  }

  /**
   * Starts playing once the buffer holds its target beyond this render, plus half an arrival, dropping what it
   * holds beyond that. The level the sink's drift control holds at the target is the mean of a sawtooth that
   * rises by an arrival and falls until the next, and a start comes just after an arrival: so this starts the
   * mean at the target. The sink queued silence meanwhile, which is ahead of this audio whatever the buffer
   * does. Starting with less (the target, less the render, as before) started a PCM listener 2-15 ms short of
   * the delay it then kept (its 10 ms arrivals: the host's capture fragments; bench/delay-over-time, 2026-12-03),
   * with more (a backlog, late packets after an underrun) late, and the drift control took ~40 s to make either
   * up. The first arrival may be a backlog, so the second gives the size.
   */
  #startIfHeld(frames: number): void {
    const startFrames = this.#targetFrames + frames + Math.round(this.#lastArrivalFrames / 2);
    if (this.#bufferedFrames < startFrames) return;
    const excess = this.#bufferedFrames - startFrames;
    this.#dropOldest(excess);
    this.#startSkippedFrames += excess;
    this.#state = 'playing';
  }

  /** Capture time [ms] of the next frame to be played, or undefined when nothing is held. */
  playoutCaptureTimeMs(): number | undefined {
    const head = this.#chunks[0];
    return head === undefined ? undefined : head.captureTimeMs + (head.offset * 1000) / SAMPLE_RATE;
  }

  /** Forgets held audio and sequence tracking (a new connection) and re-buffers; counters are kept. */
  reset(): void {
    if (this.#state === 'playing') this.#fadeOutFrom(this.#lastFrame.slice(), 0);
    this.#chunks = [];
    this.#bufferedFrames = 0;
    this.#newestSeq = undefined;
    this.#state = 'buffering';
    this.#pushedSinceRender = 0;
    this.#arrivalsSinceBuffering = 0;
    this.#settleLeft = this.#settleFrames;
    this.#fadeInLeft = 0;
    this.#resetFloor();
  }

  /** Copies up to `frames` held frames into `out`, consuming them; returns how many. */
  #take(out: Float32Array, frames: number): number {
    let done = 0;
    while (done < frames) {
      const head = this.#chunks[0];
      if (head === undefined) break;
      const available = head.samples.length / CHANNELS - head.offset;
      const n = Math.min(available, frames - done);
      out.set(head.samples.subarray(head.offset * CHANNELS, (head.offset + n) * CHANNELS), done * CHANNELS);
      done += n;
      this.#consume(head, n);
    }
    return done;
  }

  /** Advances the head chunk by `frames`, dropping it when used up. */
  #consume(head: Chunk, frames: number): void {
    head.offset += frames;
    this.#bufferedFrames -= frames;
    if (head.offset * CHANNELS >= head.samples.length) this.#chunks.shift();
  }

  /**
   * Notes the level before `frames` are played; when the floor of the last 125-250 ms stood more than the
   * hysteresis above the target, drops the floor's excess (what the buffer held beyond its target all along).
   */
  #trimSustainedExcess(frames: number): void {
    this.#floorNow = Math.min(this.#floorNow, this.#bufferedFrames);
    this.#floorAge += frames;
    if (this.#floorAge >= FLOOR_HALF_WINDOW_FRAMES) {
      this.#floorBefore = this.#floorNow;
      this.#floorNow = this.#bufferedFrames;
      this.#floorAge = 0;
      this.#floorComplete = true;
    }
    if (!this.#floorComplete) return;
    const floor = Math.min(this.#floorBefore, this.#floorNow);
    const hysteresis = Math.max(msToFrames(20), Math.round(this.#targetFrames / 2));
    if (floor > this.#targetFrames + hysteresis) this.#trimBy(floor - this.#targetFrames);
  }

  /** Forgets the floor: after a trim or a re-buffer the levels before it say nothing. */
  #resetFloor(): void {
    this.#floorNow = Infinity;
    this.#floorBefore = Infinity;
    this.#floorAge = 0;
    this.#floorComplete = false;
  }

  /** Drops the oldest audio down to the target. */
  #trimToTarget(): void {
    this.#trimBy(this.#bufferedFrames - this.#targetFrames);
  }

  /** Drops the oldest `excess` frames; while playing, crossfades from the dropped audio to the kept. */
  #trimBy(excess: number): void {
    if (excess <= 0) return;
    this.#resetFloor();
    if (this.#state === 'playing') {
      // The audio that would have played next fades out over the kept audio fading in: no click at the cut.
      const tail = new Float32Array(Math.min(FADE_FRAMES, excess) * CHANNELS);
      let at = 0;
      for (const chunk of this.#chunks) {
        const from = chunk.offset * CHANNELS;
        const n = Math.min(chunk.samples.length - from, tail.length - at);
        tail.set(chunk.samples.subarray(from, from + n), at);
        at += n;
        if (at >= tail.length) break;
      }
      for (let i = 0; i < tail.length; i++) tail[i] = (tail[i] as number) * fadeOutGain(Math.floor(i / CHANNELS));
      this.#tail = tail;
      this.#tailAt = 0;
      this.#fadeInLeft = FADE_FRAMES;
    }
    this.#dropOldest(excess);
    this.#overflowDroppedFrames += excess;
  }

  /** Consumes the oldest `frames` held frames unplayed. */
  #dropOldest(frames: number): void {
    let left = frames;
    while (left > 0) {
      const head = this.#chunks[0] as Chunk;
      const n = Math.min(head.samples.length / CHANNELS - head.offset, left);
      this.#consume(head, n);
      left -= n;
    }
  }

  /** Ramps up the first of `real` frames of `out` while a fade-in is due. */
  #fadeIn(out: Float32Array, real: number): void {
    const n = Math.min(real, this.#fadeInLeft);
    for (let f = 0; f < n; f++) {
      const gain = 1 - fadeOutGain(FADE_FRAMES - this.#fadeInLeft + f);
      for (let c = 0; c < CHANNELS; c++) out[f * CHANNELS + c] = (out[f * CHANNELS + c] as number) * gain;
    }
    this.#fadeInLeft -= n;
  }

  /** Adds pending fading-out audio into `out` from frame `start` on. */
  #mixTail(out: Float32Array, start: number): void {
    const n = Math.min(this.#tail.length - this.#tailAt, out.length - start * CHANNELS);
    for (let i = 0; i < n; i++) {
      const at = start * CHANNELS + i;
      out[at] = (out[at] as number) + (this.#tail[this.#tailAt + i] as number);
    }
    this.#tailAt += n;
  }

  /**
   * The buffer ran dry after `real` of `frames` frames: fade the last (up to 2.5 ms of) real audio to silence;
   * when less than that was left, hold the last value and keep ramping it down so the fade is never a step.
   */
  #underrun(out: Float32Array, real: number, frames: number): void {
    this.#underruns++;
    this.#concealedFrames += frames - real;
    this.#state = 'buffering';
    this.#arrivalsSinceBuffering = 0;
    this.#resetFloor();
    this.#fadeInLeft = FADE_FRAMES;
    const faded = Math.min(real, FADE_FRAMES);
    const hold = real > 0 ? out.slice((real - 1) * CHANNELS, real * CHANNELS) : this.#lastFrame.slice();
    for (let k = 0; k < faded; k++) {
      const at = (real - faded + k) * CHANNELS;
      for (let c = 0; c < CHANNELS; c++) out[at + c] = (out[at + c] as number) * fadeOutGain(k);
    }
    this.#fadeOutFrom(hold, faded);
    this.#mixTail(out, real);
  }

  /** Queues as the tail a held `frame` ramping down from fade step `firstStep` to silence. */
  #fadeOutFrom(frame: Float32Array, firstStep: number): void {
    const tail = new Float32Array((FADE_FRAMES - firstStep) * CHANNELS);
    for (let k = firstStep; k < FADE_FRAMES; k++) {
      for (let c = 0; c < CHANNELS; c++) tail[(k - firstStep) * CHANNELS + c] = (frame[c] as number) * fadeOutGain(k);
    }
    this.#tail = tail;
    this.#tailAt = 0;
  }
}

/** Throws RangeError unless 5 <= targetMs <= 2000. */
function checkTarget(targetMs: number): void {
  if (!(targetMs >= MIN_TARGET_MS && targetMs <= MAX_TARGET_MS)) {
    throw new RangeError(`targetMs must be from ${MIN_TARGET_MS} to ${MAX_TARGET_MS}, got ${targetMs}`);
  }
}
