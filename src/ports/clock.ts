/** Time, injected so tests can drive it by hand. */

/** A monotonic clock and timers. */
export interface Clock {
  /** Milliseconds on a monotonic clock (not wall time); only differences mean anything. */
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  setTimeout(fn: () => void, ms: number): () => void;
  /** Calls `fn` every `ms`; returns a cancel function. */
  setInterval(fn: () => void, ms: number): () => void;
}
