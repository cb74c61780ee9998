/**
 * DeviceCatalog over audify (RtAudio). Capture devices are system-audio loopbacks, never microphones:
 * - Linux (PulseAudio or PipeWire's pulse server): the monitor sources, named "Monitor of <sink>".
 * - Windows (WASAPI): the render devices; opening a render device for *input* makes RtAudio set
 *   AUDCLNT_STREAMFLAGS_LOOPBACK. They report 0 input channels, so they are picked by output channels.
 * - macOS (CoreAudio has no loopback) and others: input devices (e.g. a virtual loopback driver).
 * Output devices are the devices with output channels.
 *
 * Ids are derived from the device name because RtAudio's numeric ids are not stable (they count up
 * on every probe and restart): see deviceIdFor.
 */
import { createHash } from 'node:crypto';
import { AuraError } from '../../core/errors.js';
import type { AudioDevice, DeviceCatalog } from '../../ports/device-catalog.js';
import { createRtAudio, type RtAudioInstance, type RtDeviceInfo } from './audify-module.js';
import { sharedPulseDeviceWatch, type PulseDevices } from './pulse-device-watch.js';

/** An AudioDevice plus the RtAudio id to open it with (valid only for the RtAudio instance that probed it). */
export interface BackendDevice extends AudioDevice {
  /** RtAudio device id in the probing instance; -1 for a device only pactl names (see pulseSource, pulseSink). */
  readonly rtId: number;
  /** A monitor only pactl names (PipeWire): its source name, captured through parec. */
  readonly pulseSource?: string;
  /** An output as pactl names it (PipeWire): its sink name, played on through pacat. */
  readonly pulseSink?: string;
}

/** Hands out deviceIdFor ids, with '-2', '-3', … for names seen before, in the order asked. */
function distinctIds(): (kind: AudioDevice['kind'], name: string) => string {
  const seen = new Map<string, number>();
  return (kind, name) => {
    const base = deviceIdFor(kind, name);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  };
}

const PULSE_MONITOR_PREFIX = 'Monitor of ';

/**
 * The stable id of a device: a readable slug of its name (lowercase ASCII letters and digits, other
 * runs become '-', at most 24 characters) + '-' + the first 6 hex digits of SHA-1 over
 * "<kind>:<name>". Same name and kind → same id, on every run and machine. Devices whose names are
 * identical get '-2', '-3', … appended in listing order (see classifyDevices).
 */
export function deviceIdFor(kind: AudioDevice['kind'], name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24)
    .replace(/-+$/, '');
  const hash = createHash('sha1').update(`${kind}:${name}`).digest('hex').slice(0, 6);
  return slug === '' ? `${kind}-${hash}` : `${slug}-${hash}`;
}

/** Sorts RtAudio's device list into capture (loopback) and output devices for `platform`. Pure. */
export function classifyDevices(infos: readonly RtDeviceInfo[], platform: NodeJS.Platform): BackendDevice[] {
  const devices: BackendDevice[] = [];
  const idFor = distinctIds();
  const add = (info: RtDeviceInfo, kind: AudioDevice['kind'], isDefault: boolean): void => {
    devices.push({ id: idFor(kind, info.name), name: info.name, kind, isDefault, rtId: info.id });
  };

  const outputs = infos.filter((d) => d.outputChannels > 0);
  if (platform === 'linux') {
    const defaultSink = outputs.find((d) => Boolean(d.isDefaultOutput));
    const monitors = infos.filter((d) => d.inputChannels > 0 && d.name.startsWith(PULSE_MONITOR_PREFIX));
    for (const d of monitors) add(d, 'capture', defaultSink !== undefined && d.name === PULSE_MONITOR_PREFIX + defaultSink.name);
  } else if (platform === 'win32') {
    for (const d of outputs) add(d, 'capture', Boolean(d.isDefaultOutput));
  } else {
    for (const d of infos.filter((i) => i.inputChannels > 0)) add(d, 'capture', Boolean(d.isDefaultInput));
  }
  for (const d of outputs) add(d, 'output', Boolean(d.isDefaultOutput));
  return devices;
}

/**
 * Probes `rt` and classifies its devices. Rejects with ERR_AUDIO_BACKEND when the audio system is
 * unreachable: RtApiPulse only warns (asynchronously) and lists nothing then, so on Linux an empty
 * list is taken to mean no sound server (a running one always has at least one sink or source).
 */
export function probeDevices(rt: RtAudioInstance, platform: NodeJS.Platform = process.platform): BackendDevice[] {
  let infos: RtDeviceInfo[];
  try {
    infos = rt.getDevices();
  } catch (err) {
    throw new AuraError('ERR_AUDIO_BACKEND', `cannot list audio devices: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (infos.length === 0 && platform === 'linux') {
    throw new AuraError('ERR_AUDIO_BACKEND', 'PulseAudio listed no devices: is the sound server (PulseAudio or PipeWire) running?');
  }
  return classifyDevices(infos, platform);
}

/**
 * The devices of a Linux sound server on which audify lists no monitor (PipeWire: see pulse-devices.ts), as
 * pactl lists them: each monitor as a capture device, each sink as an output, named by their descriptions as
 * PulseAudio's own are (so a device keeps its id whichever server runs); the default sink and its monitor are
 * the defaults. Pure.
 */
export function pulseDevices(found: PulseDevices): BackendDevice[] {
  const idFor = distinctIds();
  return [
    ...found.monitors.map((m): BackendDevice => ({ id: idFor('capture', m.description), name: m.description, kind: 'capture', isDefault: m.monitorOf === found.defaultSink, rtId: -1, pulseSource: m.name })),
    ...found.sinks.map((k): BackendDevice => ({ id: idFor('output', k.description), name: k.description, kind: 'output', isDefault: k.name === found.defaultSink, rtId: -1, pulseSink: k.name })),
  ];
}

/** Options of AudifyDeviceCatalog. */
export interface AudifyDeviceCatalogOptions {
  /** Platform whose rules apply (default: this one). */
  readonly platform?: NodeJS.Platform;
  /** Makes the RtAudio to probe with (default: createRtAudio, this platform's API). */
  readonly createRtAudio?: () => RtAudioInstance;
  /** Lists the sound server's monitors and sinks (default: the process's PulseDeviceWatch, through pactl). */
  readonly listPulse?: () => Promise<PulseDevices | undefined>;
  /**
   * On Linux, a count that moves when the server's devices change, undefined when it cannot say (default: the
   * process's PulseDeviceWatch.changes()): audify's listing is kept while it stays the same.
   */
  readonly serverChanges?: () => number | undefined;
}

/** Lists loopback capture devices and output devices through audify. */
export class AudifyDeviceCatalog implements DeviceCatalog {
  private readonly platform: NodeJS.Platform;
  private readonly makeRtAudio: () => RtAudioInstance;
  private readonly listPulse: () => Promise<PulseDevices | undefined>;
  private readonly serverChanges: () => number | undefined;
  private rt: RtAudioInstance | undefined;
  /** audify's last listing on Linux, and the server's change count it was made at. */
  private probed: { readonly change: number; readonly devices: BackendDevice[] } | undefined;

  constructor(options: AudifyDeviceCatalogOptions = {}) {
    this.platform = options.platform ?? process.platform;
    this.makeRtAudio = options.createRtAudio ?? createRtAudio;
    this.listPulse = options.listPulse ?? (() => sharedPulseDeviceWatch().devices());
    this.serverChanges = options.serverChanges ?? (() => sharedPulseDeviceWatch().changes());
  }

  /**
   * Every device now present, with what opens it. On Linux, when audify lists no monitor (PipeWire), every
   * device comes from pactl instead (audify's list there folds monitors and a card's sinks together);
   * rejects with ERR_AUDIO_BACKEND if the audio system is unreachable.
   */
  async backendDevices(): Promise<BackendDevice[]> {
    const devices = this.probe();
    if (this.platform !== 'linux' || devices.some((d) => d.kind === 'capture')) return devices;
    const found = await this.listPulse();
    return found === undefined ? devices : pulseDevices(found);
  }

  /**
   * audify's listing. On Linux it is kept while the server reports no device change: each listing opens a
   * connection to the sound server (a new client, its shared memory set up and torn down by the server's main
   * thread, which also passes every stream's audio on), and a chosen device is checked every 0.5 s in the host
   * and in the listener: four connections a second for a whole film (PulseAudio's log, 2026-12-05).
   */
  private probe(): BackendDevice[] {
    const rt = (this.rt ??= this.makeRtAudio());
    const change = this.platform === 'linux' ? this.serverChanges() : undefined;
    if (change !== undefined && this.probed?.change === change) return this.probed.devices;
    const devices = probeDevices(rt, this.platform);
    this.probed = change === undefined ? undefined : { change, devices };
    return devices;
  }

  /**
   * Every capture and output device now present; rejects with ERR_AUDIO_BACKEND if the audio system is
   * unreachable. One RtAudio instance probes every time (each probe sees the devices of that moment): a
   * fresh instance per call costs ~4 MB per 1 000 calls that the GC does not give back, which matters
   * when devices are watched every 0.5 s for a whole film.
   */
  async list(): Promise<AudioDevice[]> {
    return (await this.backendDevices()).map(({ id, name, kind, isDefault }) => ({ id, name, kind, isDefault }));
  }

  /** True when `device` (by id, else by name) is present now; true too when the audio system cannot say. */
  async isPresent(device: AudioDevice): Promise<boolean> {
    let devices: AudioDevice[];
    try {
      devices = await this.list();
    } catch {
      return true; // no information: the stream itself reports a sound server that is gone
    }
    return devices.some((d) => d.kind === device.kind && (d.id === device.id || d.name === device.name));
  }
}

/**
 * Resolves what a user typed after --device to one device of `kind`: an id, else an exact name, else
 * a case-insensitive substring of exactly one name. Throws ERR_DEVICE_UNAVAILABLE when nothing or more
 * than one device matches.
 */
export function resolveDevice<D extends AudioDevice>(devices: readonly D[], query: string, kind: AudioDevice['kind']): D {
  const candidates = devices.filter((d) => d.kind === kind);
  const byId = candidates.find((d) => d.id === query);
  if (byId) return byId;
  const byName = candidates.filter((d) => d.name === query);
  if (byName.length === 1) return byName[0] as D;
  const needle = query.toLowerCase();
  const matches = needle === '' ? [] : candidates.filter((d) => d.name.toLowerCase().includes(needle));
  if (matches.length === 1) return matches[0] as D;
  if (matches.length > 1) {
    const names = matches.slice(0, 4).map((d) => `'${d.name}'`).join(', ');
    throw new AuraError(
      'ERR_DEVICE_UNAVAILABLE',
      `'${query}' matches ${matches.length} ${kind} devices (${names}${matches.length > 4 ? ', …' : ''}); give an id from 'auralync devices'`,
    );
  }
  throw new AuraError('ERR_DEVICE_UNAVAILABLE', `no ${kind} device '${query}'; run 'auralync devices' to list them`);
}

/**
 * The backend device to open for `kind`: the one a user chose (matched again by id, then by name, since
 * devices come and go), else the system default, else the first. Throws ERR_DEVICE_UNAVAILABLE when none is there.
 */
export function pickDevice(devices: readonly BackendDevice[], kind: AudioDevice['kind'], wanted: AudioDevice | undefined): BackendDevice {
  const ofKind = devices.filter((d) => d.kind === kind);
  if (wanted !== undefined) {
    const found = ofKind.find((d) => d.id === wanted.id) ?? ofKind.find((d) => d.name === wanted.name);
    if (found) return found;
    throw new AuraError('ERR_DEVICE_UNAVAILABLE', `${kind} device '${wanted.name}' is not present any more; run 'auralync devices' to list them`);
  }
  const chosen = ofKind.find((d) => d.isDefault) ?? ofKind[0];
  if (chosen) return chosen;
  const what = kind === 'capture' ? 'system-audio capture' : 'output';
  // On PipeWire audify sees no monitor at all; pactl lists them (pulse-devices.ts), if it is installed.
  const hint = kind === 'capture' && process.platform === 'linux' ? ' (on PipeWire this needs pactl and parec: apt-get install pulseaudio-utils)' : '';
  throw new AuraError('ERR_DEVICE_UNAVAILABLE', `no ${what} device found${hint}; run 'auralync devices' to list them`);
}
