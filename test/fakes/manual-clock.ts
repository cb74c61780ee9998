/** A Clock driven by hand: time moves only when a test calls advance(). */
import type { Clock } from '../../src/ports/clock.js';

interface Timer {
  at: number;
  fn: () => void;
  every?: number;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private time = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.time + ms, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  setInterval(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.time + ms, fn, every: Math.max(1, ms), cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.time = due.at;
      if (due.every !== undefined) due.at += due.every;
      else due.cancelled = true;
      due.fn();
    }
    this.time = end;
    this.timers = this.timers.filter((t) => !t.cancelled);
  }
}
