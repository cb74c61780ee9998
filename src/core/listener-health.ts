/** A listener's health report, sent to the host twice a second (v2 Stats message). */

/** What a listener tells its host about how playback goes. */
export interface ListenerHealth {
  /** Estimated end-to-end latency, capture to speaker [ms]; undefined when unknown. */
  readonly latencyMs?: number;
  /** Audio waiting in the jitter buffer [ms]. */
  readonly bufferedMs: number;
  /** Jitter buffer target [ms]. */
  readonly targetMs: number;
  /** Underrun episodes since connecting. */
  readonly underruns: number;
  /** Packets the listener never received (host dropped them) since connecting. */
  readonly missingPackets: number;
  /** Estimated drift of the listener's playback clock against the host's capture clock [ppm]. */
  readonly driftPpm?: number;
  /** The link's jitter as the listener measures it (99.5th percentile of lateness, last 15 s) [ms]; absent from listeners built before 2026-12-04. */
  readonly jitterMs?: number;
}

function finiteOr(value: unknown, fallback: number, max = 1e9): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.min(max, value)) : fallback;
}

/** Reads a health report from untrusted JSON: numbers clamped, anything else ignored. */
export function sanitizeListenerHealth(value: Record<string, unknown>): ListenerHealth {
  const latency = value.latencyMs;
  return {
    latencyMs: typeof latency === 'number' && Number.isFinite(latency) ? Math.max(0, Math.min(1e6, latency)) : undefined,
    bufferedMs: finiteOr(value.bufferedMs, 0, 1e6),
    targetMs: finiteOr(value.targetMs, 0, 1e6),
    underruns: Math.round(finiteOr(value.underruns, 0)),
    missingPackets: Math.round(finiteOr(value.missingPackets, 0)),
    driftPpm: typeof value.driftPpm === 'number' && Number.isFinite(value.driftPpm) ? Math.max(-1e4, Math.min(1e4, value.driftPpm)) : undefined,
    jitterMs: typeof value.jitterMs === 'number' && Number.isFinite(value.jitterMs) ? Math.max(0, Math.min(1e6, value.jitterMs)) : undefined,
  };
}
