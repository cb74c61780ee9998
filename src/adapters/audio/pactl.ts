/** Runs PulseAudio's `pactl` (PulseAudio itself, or PipeWire's pulse server) for what audify cannot say. */
import { execFile } from 'node:child_process';

/** pactl's output for `args` (in the C locale, so its labels are English); undefined if pactl is missing or fails. */
export function runPactl(args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('pactl', [...args], { env: { ...process.env, LC_ALL: 'C' }, timeout: 3000, maxBuffer: 4 << 20 }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}
