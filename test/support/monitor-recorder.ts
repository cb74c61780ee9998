/**
 * Records PulseAudio sources (null-sink monitors) inside this process with our own audify capture adapter,
 * so every recording is stamped on one clock: the delay between two monitors is then a plain difference.
 */
import { AudifyCaptureSource } from '../../src/adapters/audio/audify-capture-source.js';
import { AudifyDeviceCatalog, resolveDevice } from '../../src/adapters/audio/audify-device-catalog.js';

/** One running recording. */
export interface MonitorRecording {
  /** Capture time of the first recorded frame [ms, performance.now clock]. */
  readonly startMs: number;
  /** Interleaved stereo samples so far. */
  samples(): Float32Array;
  stop(): Promise<void>;
}

/** Starts recording the capture device whose name matches `query` (e.g. 'Monitor of al_out'). */
export async function recordMonitor(query: string): Promise<MonitorRecording> {
  const device = resolveDevice(await new AudifyDeviceCatalog().list(), query, 'capture');
  const source = new AudifyCaptureSource({ device });
  const blocks: Float32Array[] = [];
  let startMs = Number.NaN;
  await source.start({
    onBlock: (block) => {
      if (blocks.length === 0) startMs = block.captureTimeMs;
      blocks.push(block.samples.slice());
    },
    onError: () => {},
    onEnd: () => {},
  });
  return {
    get startMs() {
      return startMs;
    },
    samples: () => {
      const out = new Float32Array(blocks.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const block of blocks) {
        out.set(block, at);
        at += block.length;
      }
      return out;
    },
    stop: () => source.stop(),
  };
}
