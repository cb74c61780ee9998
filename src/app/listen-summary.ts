/**
 * The one line `auralync listen` prints when it stops: what was received and what went wrong on the way,
 * for the log of a headless run (a script, a service, a benchmark), where no live status line is drawn.
 */
import { SAMPLE_RATE } from '../core/audio-format.js';
import { describeDrift, plural } from './listener-health-line.js';
import type { ListenerStats } from './listener-session.js';

/**
 * E.g. "stopped after 65 s: 64.1 s of audio received, 3 underruns (2 in the output), 0 missing, 12 ms
 * trimmed, 0 reconnects, drift +39 ppm". `toFile`: the listener wrote a file or pipe (no buffer, no
 * underruns, no drift); `elapsedMs`: how long it ran.
 */
export function describeListenSummary(stats: ListenerStats, elapsedMs: number, toFile: boolean): string {
  const parts = [`${(stats.framesReceived / SAMPLE_RATE).toFixed(1)} s of audio received`];
  if (!toFile) {
    const inOutput = stats.outputUnderruns > 0 ? ` (${stats.outputUnderruns} in the output)` : '';
    parts.push(`${plural(stats.underruns, 'underrun')}${inOutput}`);
  }
  parts.push(`${stats.missingPackets} missing`);
  if (!toFile) parts.push(`${Math.round(stats.trimmedMs)} ms trimmed`);
  parts.push(plural(stats.reconnects, 'reconnect'));
  if (!toFile) parts.push(describeDrift(stats.driftPpm));
  return `stopped after ${Math.round(elapsedMs / 1000)} s: ${parts.join(', ')}`;
}
