/**
 * Records PulseAudio sources (null-sink monitors) inside this process with our own capture adapters,
 * so every recording is stamped on one clock: the delay between two monitors is then a plain difference.
 */
import { loadAudioBackend } from '../../src/adapters/audio/audio-backend.js';
import { CHANNELS, SAMPLE_RATE, framesToMs, msToFrames } from '../../src/core/audio-format.js';
import { startNear, type RecordingAnchor } from './recording-clock.js';

/** How far from a frame the block stamps are looked at to place the recording on the clock [frames, 1 s]. */
const STAMP_SPAN_FRAMES = SAMPLE_RATE;
/** Samples kept per array of a recording: one second. */
const CHUNK_SAMPLES = SAMPLE_RATE * CHANNELS;

/** One running recording. */
export interface MonitorRecording {
  /** Capture time of the first recorded frame [ms, performance.now clock], as its own block was stamped. */
  readonly startMs: number;
  /**
   * Capture time of frame 0 [ms] as judged by the block stamps within 1 s of `frame`: the earliest of
   * (stamp - frames before the block), as a stamp is never earlier than its block. The first block's
   * stamp alone is not a good anchor: PulseAudio hands a new recorder its first fragment at no fixed point,
   * and two recorders of one monitor were put -16..+13 ms apart by it (16 trials); this puts them within
   * 0.8 ms (9 of 10; 2.8 ms in the other).
   */
  startNear(frame: number): number;
  /** Interleaved stereo samples so far. */
  samples(): Float32Array;
  /**
   * The pauses of `minMs` or more between two blocks' arrivals in this process [ms since the epoch]: where the
   * monitor handed nothing over for a while (or this process did not run). A block's stamp is smoothed
   * (CaptureStamps); its arrival is not.
   */
  pauses(minMs: number): { startMs: number; endMs: number }[];
  stop(): Promise<void>;
}

/** Starts recording the capture device whose name matches `query` (e.g. 'Monitor of al_out'). */
export async function recordMonitor(query: string): Promise<MonitorRecording> {
  // As the host opens a capture: audify on PulseAudio, parec for a monitor only pactl names (PipeWire).
  const backend = await loadAudioBackend({ required: true });
  if (backend === undefined) throw new Error('no audio backend');
  const source = await backend.captureSource(query);
  // The samples in arrays of a second each: a recording's blocks kept one by one made ~200 arrays a second
  // for the garbage collector to walk over and over (two 60 s recordings: ~26 000 of them).
  const chunks: Float32Array[] = [];
  let chunkUsed = CHUNK_SAMPLES;
  const keep = (samples: Float32Array) => {
    for (let at = 0; at < samples.length; ) {
      if (chunkUsed === CHUNK_SAMPLES) {
        chunks.push(new Float32Array(CHUNK_SAMPLES));
        chunkUsed = 0;
      }
      const take = Math.min(CHUNK_SAMPLES - chunkUsed, samples.length - at);
      chunks[chunks.length - 1]!.set(samples.subarray(at, at + take), chunkUsed);
      chunkUsed += take;
      at += take;
    }
  };
  /** Per block: its stamp minus the duration of the frames recorded before it [ms], and its first frame. */
  const anchors: RecordingAnchor[] = [];
  let frames = 0;
  /** Each block's arrival [performance.now() ms]. */
  const arrivals: number[] = [];
  await source.start({
    onBlock: (block) => {
      arrivals.push(performance.now());
      anchors.push({ ms: block.captureTimeMs - framesToMs(frames), frame: frames });
      frames += block.samples.length / CHANNELS;
      keep(block.samples);
    },
    onError: () => {},
    onEnd: () => {},
  });
  return {
    get startMs() {
      return anchors.length === 0 ? Number.NaN : anchors[0]!.ms;
    },
    startNear: (frame: number) => startNear(anchors, frame, STAMP_SPAN_FRAMES),
    samples: () => {
      const out = new Float32Array(frames * CHANNELS);
      chunks.forEach((chunk, i) => out.set(i === chunks.length - 1 ? chunk.subarray(0, chunkUsed) : chunk, i * CHUNK_SAMPLES));
      return out;
    },
    pauses: (minMs: number) => {
      const found: { startMs: number; endMs: number }[] = [];
      for (let i = 1; i < arrivals.length; i++) {
        const [before, after] = [arrivals[i - 1]!, arrivals[i]!];
        if (after - before >= minMs) found.push({ startMs: performance.timeOrigin + before, endMs: performance.timeOrigin + after });
      }
      return found;
    },
    stop: () => source.stop(),
  };
}

/**
 * How many frames `received` starts after `sent` on the clock, judged by both recordings' stamps around
 * `sent`'s frame `frame` (see MonitorRecording.startNear).
 */
export function offsetFrames(sent: MonitorRecording, received: MonitorRecording, frame: number): number {
  const sentStart = sent.startNear(frame);
  const near = Math.max(0, msToFrames(sentStart + framesToMs(frame) - received.startMs));
  return msToFrames(received.startNear(near) - sentStart);
}
