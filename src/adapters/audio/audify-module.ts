/**
 * Loads audify (RtAudio + libopus, a native addon) only when audio devices or Opus are used, so the
 * file and pipe modes run on machines where the addon is missing or broken. Also holds what every
 * audify stream shares: the platform's audio API, the PulseAudio latency setting, and the one error
 * callback audify keeps per process.
 */
import { createRequire } from 'node:module';
import { AuraError, describeError } from '../../core/errors.js';

/** A device as audify's getDevices() reports it (only the fields AuraLync reads). */
export interface RtDeviceInfo {
  /** RtAudio's numeric id: valid for this process only (it grows on every re-probe and restart). */
  readonly id: number;
  /** Backend device name; on PulseAudio the description ("Monitor of …" for monitors). */
  readonly name: string;
  /** Playback channels (0 for capture-only devices). */
  readonly outputChannels: number;
  /** Capture channels (0 for render devices, including on WASAPI where they still support loopback). */
  readonly inputChannels: number;
  /** Declared `number` in audify's typings; a boolean at run time. */
  readonly isDefaultOutput: boolean | number;
  readonly isDefaultInput: boolean | number;
}

/** Stream parameters of RtAudio's openStream. */
export interface RtStreamParameters {
  readonly deviceId: number;
  readonly nChannels: number;
}

/** The subset of audify's RtAudio class used here. */
export interface RtAudioInstance {
  openStream(
    output: RtStreamParameters | null,
    input: RtStreamParameters | null,
    format: number,
    sampleRate: number,
    frameSize: number,
    streamName: string,
    inputCallback: ((pcm: Buffer) => void) | null,
    frameOutputCallback: (() => void) | null,
    flags?: number,
    errorCallback?: ((type: number, message: string) => void) | null,
  ): number;
  closeStream(): void;
  isStreamOpen(): boolean;
  start(): void;
  stop(): void;
  isStreamRunning(): boolean;
  write(pcm: Buffer): void;
  clearOutputQueue(): void;
  getApi(): string;
  /** Device-side latency [frames]; 0 on PulseAudio (RtApiPulse never sets it). */
  getStreamLatency(): number;
  getDevices(): RtDeviceInfo[];
  getDefaultInputDevice(): number;
  getDefaultOutputDevice(): number;
  /** Seconds of audio the stream has processed: ticks once per device callback, zero-filled ones included. */
  readonly streamTime: number;
}

/** The subset of audify's OpusEncoder used here. */
export interface OpusEncoderInstance {
  /** Target bit rate [b/s]. */
  bitrate: number;
  encodeFloat(pcm: Buffer, frameSize: number): Buffer;
}

/** The subset of audify's OpusDecoder used here. */
export interface OpusDecoderInstance {
  /** Decodes to int16 LE; `frameSize` = frames to fill (an empty `data` asks for loss concealment). */
  decode(data: Buffer, frameSize: number): Buffer;
  decodeFloat(data: Buffer, frameSize: number): Buffer;
}

/** audify's exports as AuraLync uses them. */
export interface AudifyModule {
  readonly RtAudio: new (api?: number) => RtAudioInstance;
  readonly OpusEncoder: new (sampleRate: number, channels: number, application: number) => OpusEncoderInstance;
  readonly OpusDecoder: new (sampleRate: number, channels: number) => OpusDecoderInstance;
}

/** RtAudio API ids (audify 1.10.1 index.js, = RtAudio::Api). */
export const RtApi = { UNSPECIFIED: 0, MACOSX_CORE: 1, LINUX_ALSA: 2, LINUX_PULSE: 4, WINDOWS_WASAPI: 7 } as const;
/** RtAudio sample format flag for float32 samples in [-1, 1]. */
export const RTAUDIO_FLOAT32 = 0x10;
/** RtAudio error types below this are warnings (WARNING = 0, DEBUG_WARNING = 1). */
export const RTAUDIO_FIRST_ERROR_TYPE = 2;
/**
 * Opus application "restricted low delay" (OPUS_APPLICATION_RESTRICTED_LOWDELAY): CELT only, 2.5 ms look-ahead
 * instead of the 6.5 ms of "audio", which keeps 4 ms in hand to switch to SILK for speech at low bit rates.
 * At 128 kb/s stereo the "audio" encoder codes music with CELT anyway.
 */
export const OPUS_APPLICATION_RESTRICTED_LOWDELAY = 2051;

let cached: AudifyModule | undefined;
let loadError: AuraError | undefined;

/** Loads audify from `moduleId` without caching; throws AuraError(ERR_AUDIO_BACKEND) if it is missing or broken. */
export function loadAudifyFrom(moduleId: string): AudifyModule {
  let mod: Partial<AudifyModule>;
  try {
    mod = createRequire(import.meta.url)(moduleId) as Partial<AudifyModule>;
  } catch (err) {
    throw new AuraError(
      'ERR_AUDIO_BACKEND',
      `audio devices and Opus are unavailable: the audify addon did not load (${describeError(err)}); ` +
        'file and pipe modes still work',
      { cause: err },
    );
  }
  if (typeof mod.RtAudio !== 'function' || typeof mod.OpusEncoder !== 'function' || typeof mod.OpusDecoder !== 'function') {
    throw new AuraError('ERR_AUDIO_BACKEND', `'${moduleId}' is not a usable audify build (RtAudio/OpusEncoder/OpusDecoder missing)`);
  }
  return mod as AudifyModule;
}

/** The audify module, loaded once; throws AuraError(ERR_AUDIO_BACKEND) (the same one every time) if it cannot load. */
export function loadAudify(): AudifyModule {
  if (cached) return cached;
  if (loadError) throw loadError;
  try {
    cached = loadAudifyFrom('audify');
    return cached;
  } catch (err) {
    loadError = err as AuraError;
    throw err;
  }
}

/** True when audify loads on this machine (never throws). */
export function isAudifyAvailable(): boolean {
  try {
    loadAudify();
    return true;
  } catch {
    return false;
  }
}

/**
 * The RtAudio API for a platform. Linux names PulseAudio explicitly: UNSPECIFIED picks ALSA, which
 * cannot list monitor sources (PipeWire's pulse server answers the same API).
 */
export function audioApiFor(platform: NodeJS.Platform = process.platform): number {
  switch (platform) {
    case 'linux':
      return RtApi.LINUX_PULSE;
    case 'win32':
      return RtApi.WINDOWS_WASAPI;
    case 'darwin':
      return RtApi.MACOSX_CORE;
    default:
      return RtApi.UNSPECIFIED;
  }
}

/** PULSE_LATENCY_MSEC as the user gave it when AuraLync started (undefined: not given, ours apply). */
const userPulseLatency = process.env.PULSE_LATENCY_MSEC === '' ? undefined : process.env.PULSE_LATENCY_MSEC;

/**
 * Runs `open` (an openStream, which connects the PulseAudio stream) with PULSE_LATENCY_MSEC at `ms`: the
 * buffer libpulse asks the server for (a playback stream's target, a capture stream's fragment). A value
 * the user set wins. The process-wide value is put back after: nothing else in this process opens a
 * PulseAudio stream, and a value left set would pass to every program it starts as if the user had set it
 * (until 2026-12-02 createRtAudio set 20 process-wide, and each AuraLync and Snapcast process that
 * bench/vs-snapcast started after its first recording inherited it: capture in 20 ms fragments, playback
 * with a 20 ms server buffer, whatever they asked for). Returns the value in effect [ms] on Linux,
 * undefined elsewhere (where only `open` runs).
 */
export function openWithPulseLatency(ms: number, open: () => void, platform: NodeJS.Platform = process.platform): number | undefined {
  if (platform !== 'linux') {
    open();
    return undefined;
  }
  const wanted = userPulseLatency ?? String(Math.max(1, Math.round(ms)));
  const before = process.env.PULSE_LATENCY_MSEC;
  process.env.PULSE_LATENCY_MSEC = wanted;
  try {
    open();
  } finally {
    if (before === undefined) delete process.env.PULSE_LATENCY_MSEC;
    else process.env.PULSE_LATENCY_MSEC = before;
  }
  const value = Number(wanted);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** A new RtAudio on this platform's API; throws AuraError(ERR_AUDIO_BACKEND) if the addon or the API is unusable. */
export function createRtAudio(): RtAudioInstance {
  const audify = loadAudify();
  try {
    return new audify.RtAudio(audioApiFor());
  } catch (err) {
    throw new AuraError('ERR_AUDIO_BACKEND', `the audio system did not start: ${describeError(err)}`, { cause: err });
  }
}

/** Receives every error RtAudio reports in this process: its type (RtAudioErrorType) and text. */
export type StreamErrorListener = (type: number, message: string) => void;

const errorListeners = new Set<StreamErrorListener>();
/** Texts of errors that already surfaced as exceptions; their asynchronous copy is dropped once. */
const alreadyThrown: string[] = [];

/**
 * The error callback to pass to every openStream. audify keeps ONE error callback per process (a
 * global thread-safe function that the latest openStream replaces, fed by every RtAudio instance), so
 * each stream passing its own would silence the others. All pass this one, and streams subscribe.
 * It runs on the main thread, never throws, and drops the asynchronous copy of an error that
 * openStream/start already threw synchronously.
 */
export function routeStreamError(type: number, message: string): void {
  const text = String(message);
  const thrown = alreadyThrown.indexOf(text);
  if (thrown >= 0) {
    alreadyThrown.splice(thrown, 1);
    return;
  }
  for (const listener of [...errorListeners]) {
    try {
      listener(type, text);
    } catch {
      // A listener's failure must not reach audify's thread-safe function (it would crash the process).
    }
  }
}

/** Subscribes to routed stream errors; returns the unsubscribe function. */
export function onStreamError(listener: StreamErrorListener): () => void {
  errorListeners.add(listener);
  return () => {
    errorListeners.delete(listener);
  };
}

/**
 * Records that an error thrown by openStream/start/stop will also arrive through the error callback,
 * so routeStreamError drops that copy instead of failing some other running stream with it.
 */
export function noteThrownError(err: unknown): void {
  // audify's message: "RtAudio Error: Code: N, Message: '<the text the error callback gets>'".
  const match = /Message: '([\s\S]*)'$/.exec(err instanceof Error ? err.message : String(err));
  if (!match?.[1]) return;
  alreadyThrown.push(match[1]);
  if (alreadyThrown.length > 16) alreadyThrown.shift();
}

/** One line for a person from an audify/RtAudio exception (drops the "RtAudio Error: Code: N" wrapper). */
export function rtErrorText(err: unknown): string {
  const line = describeError(err);
  const match = /Message: '(.*)'$/.exec(line);
  return match?.[1] ?? line;
}

/**
 * Makes loadAudify() use the addon at `path` (the copy a packaged single-executable binary wrote out of
 * itself, see src/adapters/packaging/sea-assets.ts) instead of the 'audify' package. Loads it now; a
 * failure is kept and thrown by loadAudify() as usual, so file and pipe modes still work without it.
 */
export function useAudifyFrom(path: string): void {
  cached = undefined;
  loadError = undefined;
  try {
    cached = loadAudifyFrom(path);
  } catch (err) {
    loadError = err as AuraError;
  }
}

/** Stops and closes an RtAudio stream if it is running/open; errors are noted, never thrown (audify's defect). */
export function closeRtStream(rt: RtAudioInstance): void {
  try {
    if (rt.isStreamRunning()) rt.stop();
  } catch (err) {
    noteThrownError(err);
  }
  try {
    if (rt.isStreamOpen()) rt.closeStream();
  } catch (err) {
    noteThrownError(err);
  }
}
