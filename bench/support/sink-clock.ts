/**
 * How fast a PulseAudio sink's clock runs against this machine's clock [ppm]: its monitor is read with
 * parec and the frames received are fitted (least squares) against their arrival times. A sound card is
 * never exactly on the system clock; what a streamer does about that decides whether it keeps playing
 * cleanly.
 */
import { spawn } from 'node:child_process';

/** Reads `monitor` (e.g. 'al_src.monitor') for `seconds` and returns its clock's rate error [ppm]. */
export async function sinkClockPpm(monitor: string, seconds: number): Promise<number> {
  const reader = spawn('parec', ['-d', monitor, '--raw', '--format=s16le', '--rate=48000', '--channels=2', '--latency-msec=20']);
  const points: [number, number][] = [];
  let frames = 0;
  reader.stdout.on('data', (bytes: Buffer) => {
    frames += bytes.length / 4;
    points.push([performance.now() / 1000, frames]);
  });
  const exited = new Promise<void>((resolve) => reader.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  reader.kill();
  await exited;
  const fitted = points.slice(Math.floor(points.length / 20)); // the first reads are the start-up burst
  if (fitted.length < 100) return Number.NaN;
  const meanT = fitted.reduce((sum, [t]) => sum + t, 0) / fitted.length;
  const meanF = fitted.reduce((sum, [, f]) => sum + f, 0) / fitted.length;
  let covariance = 0;
  let variance = 0;
  for (const [t, f] of fitted) {
    covariance += (t - meanT) * (f - meanF);
    variance += (t - meanT) ** 2;
  }
  return (covariance / variance / 48_000 - 1) * 1e6;
}
