/** The machine's audio system as the app needs it: devices, capture, playback and Opus, all through audify. */
import type { AudioDecoder, AudioEncoder } from '../../ports/audio-codec.js';
import type { ClockedSink } from '../../ports/audio-sink.js';
import type { AudioSource } from '../../ports/audio-source.js';
import type { DeviceCatalog } from '../../ports/device-catalog.js';
import { AudifyCaptureSource } from './audify-capture-source.js';
import { AudifyDeviceCatalog, pickDevice, resolveDevice, type BackendDevice } from './audify-device-catalog.js';
import { loadAudify } from './audify-module.js';
import { AudifyOpusEncoder } from './audify-opus-encoder.js';
import { isOpusDecoderAvailable, OpusscriptDecoder } from './opusscript-decoder.js';
import { AudifyPlaybackSink, type OutputProfile } from './audify-playback-sink.js';
import { FallbackPlaybackSink } from './fallback-playback-sink.js';
import { isPacatAvailable, PacatPlaybackSink } from './pacat-playback-sink.js';
import { ParecCaptureSource } from './parec-capture-source.js';
import { pulseSinkName } from './pulse-sink-names.js';
import { RetryingCaptureSource } from './retrying-capture-source.js';
import { systemClock } from '../system-clock.js';

/** Everything audio that needs the native backend. */
export interface AudioBackend {
  /** Capture (loopback) and output devices. */
  readonly catalog: DeviceCatalog;
  /**
   * A capture source on the device named by `deviceQuery` (id, name or unique part of a name), or the
   * default. With `onNotice`, a device that goes away is bridged with silence and reopened when it can
   * be (RetryingCaptureSource), and `onNotice` hears about it.
   */
  captureSource(deviceQuery: string | undefined, onNotice?: (message: string) => void): Promise<AudioSource>;
  /**
   * A playback sink on the device named by `deviceQuery`, or the default output. With `onFallback`, a
   * chosen device that goes away hands over to the default output (FallbackPlaybackSink). `profile`
   * sizes the output path's buffers (default 'standard').
   */
  playbackSink(deviceQuery: string | undefined, onFallback?: (message: string) => void, profile?: OutputProfile): Promise<ClockedSink>;
  /** Makes an Opus encoder (48 kHz stereo, 10 ms packets). */
  readonly opusEncoderFactory: () => AudioEncoder;
}

/**
 * Loads audify. When it is missing or broken: with `required`, throws its one-line ERR_AUDIO_BACKEND;
 * otherwise returns undefined (file and pipe modes work without it).
 */
export async function loadAudioBackend(options: { required: boolean }): Promise<AudioBackend | undefined> {
  try {
    loadAudify();
  } catch (err) {
    if (options.required) throw err;
    return undefined;
  }
  const catalog = new AudifyDeviceCatalog();
  const pick = async (query: string | undefined, kind: 'capture' | 'output') =>
    query === undefined ? undefined : resolveDevice(await catalog.backendDevices(), query, kind);
  let pacatHere: boolean | undefined;
  /** Asked once, when playback is first wanted (a host never needs to). */
  const viaPacat = (): boolean => (pacatHere ??= playsThroughPacat());
  /** A sink on the default output: through pacat where it runs, else audify. */
  const defaultSink = (profile: OutputProfile | undefined): ClockedSink =>
    viaPacat() ? new PacatPlaybackSink({ profile }) : new AudifyPlaybackSink({ profile });
  /** A sink on `device` (undefined: the default output): through pacat where it can, else audify. */
  const outputSink = async (device: BackendDevice | undefined, profile: OutputProfile | undefined): Promise<ClockedSink> => {
    if (device === undefined) return defaultSink(profile);
    if (viaPacat()) {
      const sinkName = device.pulseSink ?? (await pulseSinkName(device.name));
      if (sinkName !== undefined) return new PacatPlaybackSink({ sinkName, description: device.name, profile });
    }
    return new AudifyPlaybackSink({ device, profile });
  };
  return {
    catalog,
    captureSource: async (query, onNotice) => {
      // Without a query an unreachable sound server is the source's to report when it starts (or retries).
      const devices = await catalog.backendDevices().catch((err: unknown) => {
        if (query !== undefined) throw err;
        return [];
      });
      const device = query === undefined ? undefined : resolveDevice(devices, query, 'capture');
      const open = captureOpener(devices, device);
      if (onNotice === undefined) return open();
      // A chosen device is watched: the sound server may quietly move its stream to another device.
      const isPresent = device === undefined ? undefined : () => catalog.isPresent(device);
      return new RetryingCaptureSource({ open, clock: systemClock, onNotice, isPresent });
    },
    playbackSink: async (query, onFallback, profile) => {
      const device = await pick(query, 'output');
      const chosen = await outputSink(device, profile);
      if (device === undefined || onFallback === undefined) return chosen;
      return new FallbackPlaybackSink({
        chosen,
        openDefault: () => defaultSink(profile),
        onFallback,
        isPresent: () => catalog.isPresent(device),
        clock: systemClock,
      });
    },
    opusEncoderFactory: () => new AudifyOpusEncoder(),
  };
}

/**
 * What opens a capture of `device` (undefined: the default) among `devices`: parec for a monitor only pactl
 * names (PipeWire; the default there is the default sink's monitor), audify for everything else.
 */
function captureOpener(devices: readonly BackendDevice[], device: BackendDevice | undefined): () => AudioSource {
  const viaPactl = devices.some((d) => d.kind === 'capture' && d.pulseSource !== undefined);
  const chosen = device ?? (viaPactl ? pickDevice(devices, 'capture', undefined) : undefined);
  const sourceName = chosen?.pulseSource;
  if (chosen !== undefined && sourceName !== undefined) return () => new ParecCaptureSource({ sourceName, description: chosen.name });
  return () => new AudifyCaptureSource({ device });
}

/**
 * Whether playback goes through pacat (PacatPlaybackSink): on Linux when pacat runs, unless
 * AURALYNC_PLAYBACK=audify asks for audify's output path. pacat's path holds 20 ms less than audify's
 * (see pacat-playback-sink.ts).
 */
export function playsThroughPacat(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux' || env.AURALYNC_PLAYBACK === 'audify') return false;
  return isPacatAvailable();
}

/**
 * Makes Opus decoders when the decoder (opusscript, pure wasm: no audio device or native addon needed)
 * loads here; undefined otherwise, so a listener offers hosts only PCM instead of failing on every packet.
 */
export function opusDecoderFactory(): (() => AudioDecoder) | undefined {
  return isOpusDecoderAvailable() ? () => new OpusscriptDecoder() : undefined;
}
