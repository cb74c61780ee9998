/**
 * PulseAudio sink names for the devices audify lists: RtApiPulse names an output by its sink's description
 * ("Built-in Audio Analog Stereo"), pacat wants the sink's name ("alsa_output.pci-0000_00_1f.3.analog-stereo").
 */
import { execFile } from 'node:child_process';

/** Description → sink name, from `pactl list sinks` text (the first sink of a description wins). */
export function parseSinkNames(pactlListSinks: string): Map<string, string> {
  const names = new Map<string, string>();
  let name: string | undefined;
  for (const raw of pactlListSinks.split('\n')) {
    const line = raw.trim();
    if (/^Sink #\d+/.test(line)) name = undefined;
    else if (line.startsWith('Name: ')) name = line.slice('Name: '.length).trim();
    else if (line.startsWith('Description: ') && name !== undefined) {
      const description = line.slice('Description: '.length).trim();
      if (!names.has(description)) names.set(description, name);
    }
  }
  return names;
}

/** The sink name of the output described as `description`; undefined if pactl is missing or knows none. */
export function pulseSinkName(description: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('pactl', ['list', 'sinks'], { env: { ...process.env, LC_ALL: 'C' }, timeout: 3000, maxBuffer: 4 << 20 }, (err, stdout) => {
      if (err) return resolve(undefined);
      const names = parseSinkNames(stdout);
      resolve(names.get(description) ?? ([...names.values()].includes(description) ? description : undefined));
    });
  });
}
