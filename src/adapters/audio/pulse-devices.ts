/**
 * The monitors and sinks of a PulseAudio-speaking sound server, from pactl. audify (RtApiPulse) names each
 * device by its `device.description` property, merges a source into an output of the same name and lists one
 * output per name. On PulseAudio a monitor's is "Monitor of <sink>", so it is listed on its own; on PipeWire's
 * pulse server a monitor carries its sink's properties, so RtAudio folds it into the sink (a "duplex" output,
 * whose input may just as well be a microphone of the same card) and lists no monitor at all (measured:
 * PipeWire 0.3.65, 2026-12-05), and sinks that share a description (a card's, there) show as one output. The
 * host then had nothing to capture. pactl names each device exactly.
 */
import { runPactl } from './pactl.js';
import { parseSinks, type PulseSink } from './pulse-sink-names.js';

/** One monitor source as pactl lists it. */
export interface PulseMonitor {
  /** The source's name, to open it by (e.g. "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor"). */
  readonly name: string;
  /** What a person reads (e.g. "Monitor of Built-in Audio Analog Stereo"). */
  readonly description: string;
  /** The name of the sink it monitors. */
  readonly monitorOf: string;
}

/** The monitor sources in `pactl list sources` text (C locale); other sources are left out. Pure. */
export function parseMonitorSources(pactlListSources: string): PulseMonitor[] {
  const monitors: PulseMonitor[] = [];
  let name: string | undefined;
  let description: string | undefined;
  const flush = (monitorOf: string | undefined) => {
    if (name !== undefined && description !== undefined && monitorOf !== undefined && monitorOf !== 'n/a') {
      monitors.push({ name, description, monitorOf });
    }
  };
  for (const raw of pactlListSources.split('\n')) {
    // Only the source's own fields (one tab deep), not its properties, which may repeat the labels.
    if (/^Source #\d+/.test(raw)) {
      name = undefined;
      description = undefined;
      continue;
    }
    const field = /^\t([A-Za-z ]+): (.*)$/.exec(raw);
    if (field === null) continue;
    const [, label, value] = field as unknown as [string, string, string];
    if (label === 'Name') name = value.trim();
    else if (label === 'Description') description = value.trim();
    else if (label === 'Monitor of Sink') {
      flush(value.trim());
      name = undefined;
    }
  }
  return monitors;
}

/** The default sink's name in `pactl info` text, if it names one. Pure. */
export function parseDefaultSink(pactlInfo: string): string | undefined {
  const line = pactlInfo.split('\n').find((l) => l.startsWith('Default Sink: '));
  const sink = line?.slice('Default Sink: '.length).trim();
  return sink === undefined || sink === '' ? undefined : sink;
}

/** The server's monitors, sinks and default sink; undefined when pactl is missing or the server does not answer. */
export async function listPulseDevices(): Promise<{ monitors: PulseMonitor[]; sinks: PulseSink[]; defaultSink: string | undefined } | undefined> {
  const [sources, sinks, info] = await Promise.all([runPactl(['list', 'sources']), runPactl(['list', 'sinks']), runPactl(['info'])]);
  if (sources === undefined || sinks === undefined) return undefined;
  return { monitors: parseMonitorSources(sources), sinks: parseSinks(sinks), defaultSink: info === undefined ? undefined : parseDefaultSink(info) };
}
