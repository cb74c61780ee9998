/**
 * AudioSource capturing system audio through audify: a PulseAudio monitor source on Linux, WASAPI
 * loopback of a render device on Windows (see audify-device-catalog.ts). 48 kHz stereo float32.
 *
 * audify's defects this contains (../shared/notes/audio-io.md):
 * - its threads never release the process: stop() stops and closes the stream explicitly (safe twice);
 * - errors arrive on one process-wide callback, and PulseAudio read errors only as warnings that repeat
 *   every cycle: routed through audify-module.ts, the first fatal one stops the stream and becomes
 *   onError(ERR_DEVICE_UNAVAILABLE);
 * - an exception thrown in a callback it calls would end the process: every callback catches;
 * - the device may deliver another frame count than asked: blocks are re-chunked to BLOCK_FRAMES.
 */
import { performance } from 'node:perf_hooks';
import { BLOCK_FRAMES, CHANNELS, SAMPLE_RATE, framesToMs } from '../../core/audio-format.js';
import { BlockChunker } from '../../core/block-chunker.js';
import { CaptureStamps } from '../../core/capture-stamps.js';
import { AuraError, describeError } from '../../core/errors.js';
import type { AudioSource, AudioSourceHandlers } from '../../ports/audio-source.js';
import type { AudioDevice } from '../../ports/device-catalog.js';
import { pickDevice, probeDevices, type BackendDevice } from './audify-device-catalog.js';
import {
  RTAUDIO_FIRST_ERROR_TYPE,
  RTAUDIO_FLOAT32,
  createRtAudio,
  closeRtStream,
  noteThrownError,
  onStreamError,
  openWithPulseLatency,
  routeStreamError,
  rtErrorText,
  type RtAudioInstance,
} from './audify-module.js';
import { CAPTURE_FRAGMENT_MS } from './capture-fragment.js';

/** Options of AudifyCaptureSource. */
export interface AudifyCaptureOptions {
  /** Capture device (kind 'capture', from AudifyDeviceCatalog); default: the system's default (monitor of the default output). */
  readonly device?: AudioDevice;
  /** Frames per device callback [frames], 16..8192; default BLOCK_FRAMES. Blocks are BLOCK_FRAMES whatever this is. */
  readonly deviceFrames?: number;
  /** Monotonic clock for captureTimeMs [ms]; default performance.now (the clock of systemClock). */
  readonly now?: () => number;
  /** Platform whose device rules apply (default: this one). */
  readonly platform?: NodeJS.Platform;
  /** Makes the RtAudio (default: createRtAudio). */
  readonly createRtAudio?: () => RtAudioInstance;
}

/**
 * Captures a loopback device in blocks of exactly BLOCK_FRAMES frames.
 *
 * captureTimeMs: each block is stamped by CaptureStamps from the clock reading when audify's callback ran
 * on the main thread, minus the duration of the frames delivered from the block's first frame to the end of
 * that callback's buffer (one block when the device delivers BLOCK_FRAMES). That reading leaves out the
 * device's own buffering (PulseAudio: a few ms); the event loop's delay only ever makes it late (audify
 * queues callbacks without bound, so after a stall they come in a burst).
 */
export class AudifyCaptureSource implements AudioSource {
  private readonly options: AudifyCaptureOptions;
  private readonly deviceFrames: number;
  private readonly now: () => number;
  private rt: RtAudioInstance | undefined;
  private handlers: AudioSourceHandlers | undefined;
  private unsubscribe: (() => void) | undefined;
  private opened: BackendDevice | undefined;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private readonly chunker = new BlockChunker((samples, readingMs) => this.emit(samples, readingMs));
  private startedAtMs = 0;
  private firstCallbackMs: number | undefined;
  private delivered = 0;
  private readonly stamps = new CaptureStamps(framesToMs(BLOCK_FRAMES));

  constructor(options: AudifyCaptureOptions = {}) {
    const deviceFrames = options.deviceFrames ?? BLOCK_FRAMES;
    if (!Number.isInteger(deviceFrames) || deviceFrames < 16 || deviceFrames > 8192) {
      throw new RangeError(`deviceFrames must be an integer in 16..8192, got ${deviceFrames}`);
    }
    if (options.device !== undefined && options.device.kind !== 'capture') {
      throw new TypeError(`'${options.device.name}' is an ${options.device.kind} device, not a capture device`);
    }
    this.options = options;
    this.deviceFrames = deviceFrames;
    this.now = options.now ?? (() => performance.now());
  }

  /** The device's name once opened (before: the requested one, or "default system audio"). */
  get description(): string {
    return this.opened?.name ?? this.options.device?.name ?? 'default system audio';
  }

  /** Time from start() to the device's first callback [ms]; undefined before it. */
  get firstCallbackDelayMs(): number | undefined {
    return this.firstCallbackMs;
  }

  /** Blocks delivered so far. */
  get deliveredBlocks(): number {
    return this.delivered;
  }

  /** Opens the device and starts delivering blocks; rejects with ERR_AUDIO_BACKEND or ERR_DEVICE_UNAVAILABLE. */
  async start(handlers: AudioSourceHandlers): Promise<void> {
    if (this.state !== 'idle') throw new AuraError('ERR_CLOSED', 'this capture source was already started');
    this.state = 'running';
    this.handlers = handlers;
    try {
      const rt = (this.options.createRtAudio ?? createRtAudio)();
      this.rt = rt;
      const device = pickDevice(probeDevices(rt, this.options.platform ?? process.platform), 'capture', this.options.device);
      this.opened = device;
      this.unsubscribe = onStreamError((type, message) => this.onBackendError(type, message));
      try {
        openWithPulseLatency(
          CAPTURE_FRAGMENT_MS,
          () =>
            rt.openStream(
              null,
              { deviceId: device.rtId, nChannels: CHANNELS },
              RTAUDIO_FLOAT32,
              SAMPLE_RATE,
              this.deviceFrames,
              'AuraLync capture',
              (pcm) => this.onInput(pcm),
              null,
              0,
              routeStreamError,
            ),
          this.options.platform ?? process.platform,
        );
        this.startedAtMs = this.now();
        rt.start();
      } catch (err) {
        noteThrownError(err);
        throw new AuraError('ERR_DEVICE_UNAVAILABLE', `cannot capture from '${device.name}': ${rtErrorText(err)}`, { cause: err });
      }
    } catch (err) {
      this.state = 'stopped';
      this.release();
      throw err;
    }
  }

  /** Stops capturing and releases the device; safe to call twice (and before start). */
  stop(): Promise<void> {
    if (this.state !== 'stopped') {
      this.state = 'stopped';
      this.release();
    }
    return Promise.resolve();
  }



  /** audify's input callback, on the main thread. Must never throw (audify would end the process). */
  private onInput(pcm: Buffer): void {
    if (this.state !== 'running') return;
    try {
      const nowMs = this.now();
      this.firstCallbackMs ??= nowMs - this.startedAtMs;
      const samples =
        pcm.byteOffset % 4 === 0
          ? new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength >> 2)
          : new Float32Array(new Uint8Array(pcm).buffer);
      this.chunker.push(samples, nowMs);
    } catch (err) {
      this.fail(new AuraError('ERR_AUDIO_BACKEND', `capture stopped: ${describeError(err)}`, { cause: err }));
    }
  }

  private emit(samples: Float32Array, readingMs: number): void {
    if (this.state !== 'running') return; // stopped by the consumer of an earlier block of this buffer
    const captureTimeMs = this.stamps.next(readingMs);
    this.delivered++;
    this.handlers?.onBlock({ samples, captureTimeMs });
  }

  private onBackendError(type: number, message: string): void {
    // RtApiPulse reports a failed read (server gone, source removed) only as a warning, once per cycle.
    const fatal = type >= RTAUDIO_FIRST_ERROR_TYPE || /audio read error/i.test(message);
    if (!fatal) return;
    this.fail(new AuraError('ERR_DEVICE_UNAVAILABLE', `capture from '${this.description}' failed: ${message.trim()}`));
  }

  private fail(err: AuraError): void {
    if (this.state !== 'running') return;
    const handlers = this.handlers;
    void this.stop();
    try {
      handlers?.onError(err);
    } catch {
      // The consumer's failure must not reach audify's callback.
    }
  }

  /**
   * Stops and closes the stream now (synchronously, so a failed start leaves nothing open); idempotent.
   * Also lets go of the consumer: audify's thread-safe callback, and with it this source, is never freed
   * (closeStream does not release it), so a consumer still referenced here would live as long as the
   * process, with everything it holds (a recorder's whole recording).
   */
  private release(): void {
    this.handlers = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const rt = this.rt;
    this.rt = undefined;
    if (!rt) return;
    closeRtStream(rt);
  }
}
