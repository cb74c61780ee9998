/** Prints event lines and, on a terminal, one live status line that redraws in place (all on stderr: stdout may carry audio). */
import type { Writable } from 'node:stream';

/** One live line plus log lines above it. */
export class StatusLine {
  private current = '';
  private readonly live: boolean;

  constructor(private readonly out: Writable & { isTTY?: boolean } = process.stderr) {
    this.live = out.isTTY === true;
  }

  /** Prints a permanent line (an event), keeping the status line below it. */
  log(line: string): void {
    if (this.live && this.current !== '') this.out.write('\r\x1b[K');
    this.out.write(`${line}\n`);
    if (this.live && this.current !== '') this.out.write(this.current);
  }

  /** Replaces the live status line (ignored when not on a terminal). */
  update(line: string): void {
    if (!this.live) return;
    this.current = line;
    this.out.write(`\r\x1b[K${line}`);
  }

  /** Ends the live line so the shell prompt starts clean. */
  finish(): void {
    if (this.live && this.current !== '') this.out.write('\n');
    this.current = '';
  }
}
