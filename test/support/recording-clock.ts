/**
 * Placing a recording on the clock from its block stamps. A stamp is never earlier than its block was
 * captured (it is taken when the block arrives), so the earliest of (stamp - duration recorded before the
 * block) near a frame is the best guess of when the recording's frame 0 was captured.
 */

/** One recorded block: its capture stamp minus the duration recorded before it [ms], and its first frame. */
export interface RecordingAnchor {
  readonly ms: number;
  readonly frame: number;
}

/**
 * Capture time of frame 0 [ms] judged by the anchors whose block starts within `spanFrames` of `frame`;
 * NaN when there are none at all, the first anchor's when none is that close.
 */
export function startNear(anchors: readonly RecordingAnchor[], frame: number, spanFrames: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const anchor of anchors) if (Math.abs(anchor.frame - frame) <= spanFrames) best = Math.min(best, anchor.ms);
  if (Number.isFinite(best)) return best;
  return anchors.length === 0 ? Number.NaN : anchors[0]!.ms;
}
