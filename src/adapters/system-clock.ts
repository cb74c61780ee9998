/** The real monotonic clock and timers. */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../ports/clock.js';

/** Clock backed by performance.now() and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  setInterval: (fn, ms) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};
