/**
 * ClockedSink playing through audify: 48 kHz stereo float32 on an output device.
 *
 * audify has no pull callback: JS write()s buffers of exactly frameSize frames into a native queue, and
 * `frameOutputCallback` runs (on the main thread, later) each time the device took one. So the sink
 * primes the queue with `aheadMs` of audio from render() and then tops it up on each callback, keeping
 * that much queued ahead of the device to ride out event-loop delays.
 *
 * Holdover: when `ready` says render() has no received audio for the next buffer (a packet is late), the
 * sink does not write the jitter buffer's fade and silence while audio is still queued: the queue plays
 * on, and refill() (the listener calls it as audio arrives) or the next callback writes the late audio.
 * So a late packet costs nothing while it comes before the queue runs dry: the queue ahead and the jitter
 * buffer together ride out a gap, not the jitter buffer alone. Only an empty queue gets the fade.
 *
 * audify's defects this contains (../shared/notes/audio-io.md):
 * - write() accepts exactly frameSize * 2 * 4 bytes: every buffer is built to that size;
 * - an empty queue is zero-filled silently, with no callback: starvation is counted here from the
 *   stream clock (see starvedFrames);
 * - errors arrive on one process-wide callback, PulseAudio write errors only as repeating warnings:
 *   routed through audify-module.ts, the first fatal one stops the sink and becomes onError;
 * - an exception thrown in a callback it calls would end the process: every callback catches;
 * - its threads never release the process: stop() stops and closes the stream explicitly (safe twice).
 */
import { CHANNELS, SAMPLE_RATE, framesToMs, toLength } from '../../core/audio-format.js';
import { AuraError, describeError } from '../../core/errors.js';
import type { ClockedSink } from '../../ports/audio-sink.js';
import type { AudioDevice } from '../../ports/device-catalog.js';
import { pickDevice, probeDevices, type BackendDevice } from './audify-device-catalog.js';
import {
  RTAUDIO_FIRST_ERROR_TYPE,
  RTAUDIO_FLOAT32,
  createRtAudio,
  closeRtStream,
  noteThrownError,
  openWithPulseLatency,
  onStreamError,
  routeStreamError,
  rtErrorText,
  type RtAudioInstance,
} from './audify-module.js';

/**
 * Frames per device buffer [frames] (10 ms). On PulseAudio null sinks (PULSE_LATENCY_MSEC=20) 480 glitched
 * less than 256 under a busy event loop (fewer, larger writes), and it halves the callbacks.
 */
export const PLAYBACK_FRAMES = 480;
/**
 * Audio kept queued ahead of the device in JS [ms]. With 20 ms, 15 ms event-loop stalls every 100 ms
 * starved audify's queue now and then; 30 ms rode them out (../shared/notes/audio-io.md: ≥ 20 ms).
 */
export const PLAYBACK_AHEAD_MS = 30;
/**
 * PulseAudio's buffer for our playback stream [ms] (PULSE_LATENCY_MSEC for this stream only). Without it,
 * libpulse gives the stream its default ~2 s target buffer, which RtApiPulse never shrinks (it passes no
 * buffer attributes unless numberOfBuffers > 0, which audify cannot set): measured 150-170 ms from render()
 * to the sink's monitor, and audify zero-fills while that buffer first fills. At 20 (with 20 ms queued in
 * JS): 34-40 ms. 10 and 15 glitched often (PulseAudio underruns: a 10 ms write needs most of the buffer
 * free); 20 and 30 glitched alike and rarely, only under heavy CPU or event-loop load, and 30 adds 10 ms.
 */
export const PLAYBACK_PULSE_MS = 20;

/**
 * How much the output path holds. 'standard' (480-frame buffers, 30 ms queued ahead, 20 ms in PulseAudio)
 * rides out event-loop stalls of ~20 ms; 'lean' (240, 15, 20) holds 15 ms less, for a listener that asks
 * for the least (only --latency 20 or less takes it), and its queue starves on a stall of more than ~15 ms.
 * With 10 ms queued the queue's starving was 15 of 16 glitch events in a 60 s run; 15 ms left 1 bad 10 ms
 * window a minute instead of 3-6 (two runs each). PulseAudio's buffer stays 20 ms, as on the standard path:
 * lean asked for 10 until 2026-12-02, which bench/vs-snapcast never really tried (its listeners inherited
 * 20, see openWithPulseLatency); tried for real, PCM at --latency 5-10 played no 30-60 s tone cleanly with
 * 10 (0 of 8 trials, 1-12 bad windows each, though none of our own counters moved: PulseAudio's underruns)
 * nor with 15 (0 of 4), and 4 of 4 with 20, for ~15 ms more delay (57-69 ms against 40-63).
 */
export type OutputProfile = 'standard' | 'lean';

/** The sizes of an output path: frames per device buffer, audio queued ahead [ms], PulseAudio's buffer [ms]. */
export interface OutputPathSizes {
  readonly deviceFrames: number;
  readonly aheadMs: number;
  readonly pulseMs: number;
}

/**
 * The sizes a profile stands for on a platform. 'lean' was measured only on PulseAudio (Linux); elsewhere
 * (WASAPI's 10 ms periods would take its whole 10 ms queue at once) it is the standard path.
 */
export function outputPathSizes(profile: OutputProfile, platform: NodeJS.Platform): OutputPathSizes {
  if (profile === 'lean' && platform === 'linux') return { deviceFrames: 240, aheadMs: 15, pulseMs: PLAYBACK_PULSE_MS };
  return { deviceFrames: PLAYBACK_FRAMES, aheadMs: PLAYBACK_AHEAD_MS, pulseMs: PLAYBACK_PULSE_MS };
}

/** Options of AudifyPlaybackSink. */
export interface AudifyPlaybackOptions {
  /** Output device (kind 'output', from AudifyDeviceCatalog); default: the system's default output. */
  readonly device?: AudioDevice;
  /** The output path's sizes (default 'standard'); deviceFrames and aheadMs override its values. */
  readonly profile?: OutputProfile;
  /** Frames per device buffer [frames], 32..8192; default: the profile's. */
  readonly deviceFrames?: number;
  /** Audio kept queued ahead in JS [ms], 5..1000; default: the profile's (at least one buffer is queued). */
  readonly aheadMs?: number;
  /** Platform whose device rules apply (default: this one). */
  readonly platform?: NodeJS.Platform;
  /** Makes the RtAudio (default: createRtAudio). */
  readonly createRtAudio?: () => RtAudioInstance;
}

/** Plays render()'s audio on an output device's clock. */
export class AudifyPlaybackSink implements ClockedSink {
  readonly kind = 'clocked';
  private readonly options: AudifyPlaybackOptions;
  private readonly requestedFrames: number;
  private readonly aheadMs: number;
  private readonly pulseMs: number;
  private rt: RtAudioInstance | undefined;
  private opened: BackendDevice | undefined;
  private render: ((frames: number) => Float32Array) | undefined;
  private ready: ((frames: number) => boolean) | undefined;
  private aheadBuffers = 1;
  private onError: ((err: AuraError) => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private frameSize = 0;
  private written = 0;
  private consumed = 0;
  private starvedBuffers = 0;
  private starvations = 0;
  private serverLatencyMs = 0;
  private tickLag = 0;

  constructor(options: AudifyPlaybackOptions = {}) {
    const profile = outputPathSizes(options.profile ?? 'standard', options.platform ?? process.platform);
    const deviceFrames = options.deviceFrames ?? profile.deviceFrames;
    if (!Number.isInteger(deviceFrames) || deviceFrames < 32 || deviceFrames > 8192) {
      throw new RangeError(`deviceFrames must be an integer in 32..8192, got ${deviceFrames}`);
    }
    const aheadMs = options.aheadMs ?? profile.aheadMs;
    if (!(aheadMs >= 5 && aheadMs <= 1000)) throw new RangeError(`aheadMs must be in 5..1000, got ${aheadMs}`);
    if (options.device !== undefined && options.device.kind !== 'output') {
      throw new TypeError(`'${options.device.name}' is a ${options.device.kind} device, not an output device`);
    }
    this.options = options;
    this.requestedFrames = deviceFrames;
    this.aheadMs = aheadMs;
    this.pulseMs = profile.pulseMs;
  }

  /** The device's name once opened (before: the requested one, or "default output"). */
  get description(): string {
    return this.opened?.name ?? this.options.device?.name ?? 'default output';
  }

  /** Frames per device buffer in use (0 before start). */
  get deviceFrames(): number {
    return this.frameSize;
  }

  /**
   * Frames audify played as silence because nothing was queued (our starvation; audify reports none).
   * The stream clock ticks once per device buffer, zero-filled ones included; when the queue has run
   * dry, every buffer written so far has been played, so ticks − written = zero-filled buffers. It is
   * checked on every callback and at stop, and only ever rises: a lower bound that is exact whenever
   * the queue was empty when checked (as it is right after a starvation).
   */
  get starvedFrames(): number {
    this.checkStarvation();
    return this.starvedBuffers * this.frameSize;
  }

  /** How many times starvedFrames rose (separate starvation episodes, as far as the checks can tell). */
  get underruns(): number {
    this.checkStarvation();
    return this.starvations;
  }

  /** Opens the device and starts playing; rejects with ERR_AUDIO_BACKEND or ERR_DEVICE_UNAVAILABLE. */
  async start(render: (frames: number) => Float32Array, onError: (err: AuraError) => void, ready?: (frames: number) => boolean): Promise<void> {
    if (this.state !== 'idle') throw new AuraError('ERR_CLOSED', 'this playback sink was already started');
    this.state = 'running';
    this.render = render;
    this.ready = ready;
    this.onError = onError;
    try {
      const rt = (this.options.createRtAudio ?? createRtAudio)();
      this.rt = rt;
      const device = pickDevice(probeDevices(rt, this.options.platform ?? process.platform), 'output', this.options.device);
      this.opened = device;
      this.unsubscribe = onStreamError((type, message) => this.onBackendError(type, message));
      try {
        const platform = this.options.platform ?? process.platform;
        const pulseMs = openWithPulseLatency(
          this.pulseMs,
          () => {
            this.frameSize = rt.openStream(
              { deviceId: device.rtId, nChannels: CHANNELS },
              null,
              RTAUDIO_FLOAT32,
              SAMPLE_RATE,
              this.requestedFrames,
              'AuraLync',
              null,
              () => this.onFrameOutput(),
              0,
              routeStreamError,
            );
          },
          platform,
        );
        const onPulse = /pulse/i.test(safe(() => rt.getApi(), ''));
        // RtApiPulse reports no device latency: the server-side buffer asked for stands in for it.
        this.serverLatencyMs = onPulse && pulseMs !== undefined ? pulseMs : 0;
        // RtApiPulse ticks the stream clock only after pa_simple_write returns, and its thread spends
        // nearly all its time blocked in that write: the buffer being written is not counted yet.
        this.tickLag = onPulse ? 1 : 0;
        this.aheadBuffers = Math.max(1, Math.ceil((this.aheadMs * SAMPLE_RATE) / 1000 / this.frameSize));
        for (let i = 0; i < this.aheadBuffers; i++) this.writeOne(rt);
        rt.start();
      } catch (err) {
        if (err instanceof AuraError) throw err;
        noteThrownError(err);
        throw new AuraError('ERR_DEVICE_UNAVAILABLE', `cannot play on '${device.name}': ${rtErrorText(err)}`, { cause: err });
      }
    } catch (err) {
      this.state = 'stopped';
      this.release();
      throw err;
    }
  }

  /**
   * Audio between render() and the speaker [ms]: what is queued in JS's write queue plus the device's
   * latency. RtApiPulse reports 0 device latency, so on PulseAudio the server-side buffer that
   * PULSE_LATENCY_MSEC asks for is added instead (measured from render() to the null sink's monitor: 20 ms queued
   * + 20 ms server gave 34-38 ms).
   */
  outputLatencyMs(): number {
    const rt = this.rt;
    if (!rt || this.state !== 'running') return 0;
    const queuedFrames = this.queuedBuffers() * this.frameSize;
    let deviceFrames = 0;
    try {
      deviceFrames = rt.getStreamLatency();
    } catch {
      deviceFrames = 0;
    }
    return framesToMs(queuedFrames) + (deviceFrames > 0 ? framesToMs(deviceFrames) : this.serverLatencyMs);
  }

  /** Stops playing and releases the device; safe to call twice (and before start). */
  stop(): Promise<void> {
    if (this.state !== 'stopped') {
      this.checkStarvation();
      this.state = 'stopped';
      this.release();
    }
    return Promise.resolve();
  }

  /** Tops the queue up now if it held back for audio that has since arrived (see Holdover above). */
  refill(): void {
    this.whileRunning((rt) => this.fill(rt));
  }

  /** audify's frame-output callback, on the main thread: one buffer was taken. Must never throw. */
  private onFrameOutput(): void {
    this.whileRunning((rt) => {
      this.consumed++;
      this.checkStarvation();
      this.fill(rt);
    });
  }

  /** Runs `step` if the stream is running; what it throws stops the sink (onError), never reaches the caller. */
  private whileRunning(step: (rt: RtAudioInstance) => void): void {
    const rt = this.rt;
    if (this.state !== 'running' || !rt) return;
    try {
      step(rt);
    } catch (err) {
      this.fail(new AuraError('ERR_AUDIO_BACKEND', `playback stopped: ${describeError(err)}`, { cause: err }));
    }
  }

  /**
   * Writes buffers until aheadBuffers are queued, holding back (while any is still queued) a buffer
   * `ready` says has no received audio yet.
   */
  private fill(rt: RtAudioInstance): void {
    for (let queued = this.queuedBuffers(); queued < this.aheadBuffers; queued++) {
      if (queued > 0 && this.ready !== undefined && !this.ready(this.frameSize)) return;
      this.writeOne(rt);
    }
  }

  /** Renders one device buffer and queues it: exactly frameSize * 2 float32 values, as audify demands. */
  private writeOne(rt: RtAudioInstance): void {
    const wanted = this.frameSize * CHANNELS;
    const rendered = this.render?.(this.frameSize) ?? new Float32Array(wanted);
    const samples = toLength(rendered, wanted);
    rt.write(Buffer.from(samples.buffer, samples.byteOffset, wanted * 4));
    this.written++;
  }

  private checkStarvation(): void {
    const rt = this.rt;
    if (!rt || this.state !== 'running' || this.frameSize === 0) return;
    const starved = this.ticks() - this.written;
    if (starved > this.starvedBuffers) {
      this.starvedBuffers = starved;
      this.starvations++;
    }
  }

  /**
   * Buffers written and not yet taken by the device. Taken ones are counted by callbacks and by the stream
   * clock, whichever is further on: callbacks reach the main thread late after a stall. After a
   * starvation the clock counts zero-filled buffers too, which are not made up for.
   */
  private queuedBuffers(): number {
    return this.written - Math.min(this.written, Math.max(this.consumed, this.ticks()));
  }

  /** Device buffers the stream clock has counted (zero-filled ones included). */
  private ticks(): number {
    const rt = this.rt;
    if (!rt || this.frameSize === 0) return 0;
    return Math.round((safe(() => rt.streamTime, 0) * SAMPLE_RATE) / this.frameSize) + this.tickLag;
  }

  private onBackendError(type: number, message: string): void {
    // RtApiPulse reports a failed write (server gone, sink removed) only as a warning, once per cycle.
    const fatal = type >= RTAUDIO_FIRST_ERROR_TYPE || /audio write error/i.test(message);
    if (!fatal) return;
    this.fail(new AuraError('ERR_DEVICE_UNAVAILABLE', `playback on '${this.description}' failed: ${message.trim()}`));
  }

  private fail(err: AuraError): void {
    if (this.state !== 'running') return;
    const onError = this.onError;
    void this.stop();
    try {
      onError?.(err);
    } catch {
      // The consumer's failure must not reach audify's callback.
    }
  }

  /**
   * Stops and closes the stream now (synchronously); idempotent. Lets go of the consumer's callbacks, as
   * audify never frees this sink (see AudifyCaptureSource's release).
   */
  private release(): void {
    this.render = undefined;
    this.ready = undefined;
    this.onError = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const rt = this.rt;
    this.rt = undefined;
    if (!rt) return;
    try {
      rt.clearOutputQueue();
    } catch {
      // Nothing queued to drop.
    }
    closeRtStream(rt);
  }
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
