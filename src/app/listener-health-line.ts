/**
 * One listener's health as a host shows it, in the tray's Listeners menu and under `auralync host`'s status
 * line (pure formatting): e.g. "Ann: 84 ms, jitter 12 ms, 0 underruns, 0 drops, drift +39 ppm".
 */

/** The figures a host has of one listener; those the listener has not reported (yet, or ever: v1) are undefined. */
export interface ListenerHealthFigures {
  readonly name: string;
  /** Estimated end-to-end latency, capture to the listener's speaker [ms]. */
  readonly latencyMs: number | undefined;
  /** The link's jitter as the listener measures it [ms]. */
  readonly jitterMs?: number | undefined;
  /** Gaps the listener played. */
  readonly underruns?: number | undefined;
  /** Audio frames the host dropped for this listener (it was too slow). */
  readonly droppedFrames: number;
  /** Drift of the listener's playback clock against the host's capture [ppm]. */
  readonly driftPpm?: number | undefined;
  /** Its connection is lost and it may be coming back (the host waits a moment before telling it gone). */
  readonly reconnecting?: boolean;
}

/** "1 underrun", "3 underruns". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "drift +39 ppm" (a sign on each side of zero). */
export function describeDrift(ppm: number): string {
  const rounded = Math.round(ppm);
  return `drift ${rounded > 0 ? '+' : ''}${rounded} ppm`;
}

/**
 * "Ann: 84 ms, jitter 12 ms, 0 underruns, 0 drops, drift +39 ppm"; "Ann: latency unknown, 0 drops" before any
 * report; "Ann: reconnecting" while its connection is lost.
 */
export function describeListenerHealth(listener: ListenerHealthFigures): string {
  return `${listener.name}: ${listener.reconnecting === true ? 'reconnecting' : describeHealthFigures(listener)}`;
}

/** The same without the name: "84 ms, jitter 12 ms, 0 underruns, 0 drops, drift +39 ppm". */
export function describeHealthFigures(listener: Omit<ListenerHealthFigures, 'name'>): string {
  const parts = [listener.latencyMs === undefined ? 'latency unknown' : `${Math.round(listener.latencyMs)} ms`];
  if (listener.jitterMs !== undefined) parts.push(`jitter ${Math.round(listener.jitterMs)} ms`);
  if (listener.underruns !== undefined) parts.push(plural(listener.underruns, 'underrun'));
  parts.push(plural(listener.droppedFrames, 'drop'));
  if (listener.driftPpm !== undefined) parts.push(describeDrift(listener.driftPpm));
  return parts.join(', ');
}
