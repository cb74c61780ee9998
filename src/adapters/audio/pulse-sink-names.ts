/**
 * PulseAudio sink names for the devices audify lists: RtApiPulse names an output by its sink's description
 * ("Built-in Audio Analog Stereo"), pacat wants the sink's name ("alsa_output.pci-0000_00_1f.3.analog-stereo").
 */
import { runPactl } from './pactl.js';

/** One sink as pactl lists it. */
export interface PulseSink {
  /** The sink's name, to play on it (e.g. "alsa_output.pci-0000_00_1f.3.analog-stereo"). */
  readonly name: string;
  /** What a person reads (e.g. "Built-in Audio Analog Stereo"). */
  readonly description: string;
}

/** Every sink in `pactl list sinks` text (C locale), in order, by its own Name and Description fields. Pure. */
export function parseSinks(pactlListSinks: string): PulseSink[] {
  const sinks: PulseSink[] = [];
  let name: string | undefined;
  for (const raw of pactlListSinks.split('\n')) {
    const line = raw.trim();
    if (/^Sink #\d+/.test(line)) name = undefined;
    else if (line.startsWith('Name: ')) name = line.slice('Name: '.length).trim();
    else if (line.startsWith('Description: ') && name !== undefined) {
      sinks.push({ name, description: line.slice('Description: '.length).trim() });
      name = undefined;
    }
  }
  return sinks;
}

/** Description → sink name, from `pactl list sinks` text (the first sink of a description wins). */
export function parseSinkNames(pactlListSinks: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const sink of parseSinks(pactlListSinks)) if (!names.has(sink.description)) names.set(sink.description, sink.name);
  return names;
}

/** The sink name of the output described as `description`; undefined if pactl is missing or knows none. */
export async function pulseSinkName(description: string): Promise<string | undefined> {
  const text = await runPactl(['list', 'sinks']);
  if (text === undefined) return undefined;
  const names = parseSinkNames(text);
  return names.get(description) ?? ([...names.values()].includes(description) ? description : undefined);
}
