/**
 * Prints event lines and, on a terminal, a live status block (one line or a few) that redraws in place; elsewhere
 * (a log, a service) the same block as plain lines every so often. All on stderr, as stdout may carry audio.
 */
import type { Writable } from 'node:stream';

/** A live status block plus log lines above it. */
export class StatusLine {
  /** The lines on screen now, each cut to the terminal's width (a wrapped line would throw the redraw off). */
  private current: string[] = [];
  private readonly live: boolean;
  /** Off a terminal: how often the block is printed as lines [ms]; 0 never. */
  private logEveryMs = 0;
  private lastLoggedAt = 0;

  /** @param now a clock in ms (performance.now by default), for the lines printed off a terminal. */
  constructor(
    private readonly out: Writable & { isTTY?: boolean; columns?: number } = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.live = out.isTTY === true;
  }

  /**
   * Off a terminal, prints the status block as plain lines at most every `ms` (0: never), the first `ms` after
   * this call or after the block was last not worth printing; on a terminal the live block shows it already.
   */
  logEvery(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`status interval must be 0 or more ms, got ${ms}`);
    this.logEveryMs = ms;
    this.lastLoggedAt = this.now();
  }

  /** Prints a permanent line (an event), keeping the status block below it. */
  log(line: string): void {
    this.erase();
    this.out.write(`${line}\n`);
    this.draw();
  }

  /**
   * Replaces the live status block, one line or several. Off a terminal it is printed as lines when logEvery's
   * interval has passed, unless `worthLogging` is false (an idle host), which starts the interval again.
   */
  update(lines: string | readonly string[], worthLogging = true): void {
    if (!this.live) {
      this.logPeriodically(typeof lines === 'string' ? [lines] : lines, worthLogging);
      return;
    }
    this.erase();
    const columns = this.out.columns !== undefined && this.out.columns > 0 ? this.out.columns : 80; // a terminal of unknown size says 0
    const width = Math.max(20, columns - 1);
    this.current = (typeof lines === 'string' ? [lines] : [...lines]).map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
    this.draw();
  }

  /** Ends the live block so the shell prompt starts clean. */
  finish(): void {
    if (this.live && this.current.length > 0) this.out.write('\n');
    this.current = [];
  }

  private logPeriodically(lines: readonly string[], worthLogging: boolean): void {
    if (this.logEveryMs <= 0) return;
    const now = this.now();
    if (!worthLogging) this.lastLoggedAt = now;
    else if (now - this.lastLoggedAt >= this.logEveryMs) {
      this.lastLoggedAt = now;
      this.out.write(lines.map((line) => `${line}\n`).join(''));
    }
  }

  /** Clears the block from the screen; the cursor ends where its first line began. */
  private erase(): void {
    if (!this.live || this.current.length === 0) return;
    this.out.write(`\r\x1b[K${'\x1b[1A\x1b[K'.repeat(this.current.length - 1)}`);
  }

  private draw(): void {
    if (this.live && this.current.length > 0) this.out.write(this.current.join('\n'));
  }
}
