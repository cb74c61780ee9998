/**
 * Prints event lines and, on a terminal, a live status block (one line or a few) that redraws in place; all on
 * stderr, as stdout may carry audio.
 */
import type { Writable } from 'node:stream';

/** A live status block plus log lines above it. */
export class StatusLine {
  /** The lines on screen now, each cut to the terminal's width (a wrapped line would throw the redraw off). */
  private current: string[] = [];
  private readonly live: boolean;

  constructor(private readonly out: Writable & { isTTY?: boolean; columns?: number } = process.stderr) {
    this.live = out.isTTY === true;
  }

  /** Prints a permanent line (an event), keeping the status block below it. */
  log(line: string): void {
    this.erase();
    this.out.write(`${line}\n`);
    this.draw();
  }

  /** Replaces the live status block, one line or several (ignored when not on a terminal). */
  update(lines: string | readonly string[]): void {
    if (!this.live) return;
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

  /** Clears the block from the screen; the cursor ends where its first line began. */
  private erase(): void {
    if (!this.live || this.current.length === 0) return;
    this.out.write(`\r\x1b[K${'\x1b[1A\x1b[K'.repeat(this.current.length - 1)}`);
  }

  private draw(): void {
    if (this.live && this.current.length > 0) this.out.write(this.current.join('\n'));
  }
}
