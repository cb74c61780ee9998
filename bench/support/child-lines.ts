/**
 * Whole lines of a child process's output as they come: a chunk may end mid-line, so the rest waits for the
 * next chunk.
 */
import type { Readable } from 'node:stream';

/** Calls `onLine` with each whole line (without its newline) that `stream` writes. */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (bytes: Buffer) => {
    const lines = (partial + bytes.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}
