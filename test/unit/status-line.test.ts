/** The live status block on a terminal: redrawn in place, log lines above it, nothing but logs elsewhere. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { StatusLine } from '../../src/adapters/terminal/status-line.js';

/** A stream that records what is written; a terminal `columns` wide when `tty`. */
function output(tty: boolean, columns = 80) {
  const chunks: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY: tty, columns },
  );
  return { out, text: () => chunks.join(''), chunks };
}

/** What a terminal shows after `text`: \r, ESC[K (clear to end of line), ESC[1A (up a line) and \n applied. */
function screen(text: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('\x1b[K', i)) {
      lines[row] = (lines[row] as string).slice(0, col);
      i += 2;
    } else if (text.startsWith('\x1b[1A', i)) {
      row = Math.max(0, row - 1);
      i += 3;
    } else if (text[i] === '\r') {
      col = 0;
    } else if (text[i] === '\n') {
      row++;
      col = 0;
      if (lines.length <= row) lines.push('');
    } else {
      const line = lines[row] as string;
      lines[row] = line.slice(0, col) + (text[i] as string) + line.slice(col + 1);
      col++;
    }
  }
  return lines;
}

describe('status line', () => {
  it('redraws a block of several lines in place, shorter or longer than before', () => {
    const { out, text } = output(true);
    const status = new StatusLine(out);
    status.update(['hosting · 2 listener(s)', '  Ann: 84 ms', '  Bob: 90 ms']);
    status.update(['hosting · 1 listener(s)', '  Ann: 85 ms']);
    assert.deepEqual(screen(text()), ['hosting · 1 listener(s)', '  Ann: 85 ms', '']);
    status.update(['hosting · 3 listener(s)', '  Ann: 85 ms', '  Bob: 91 ms', '  Cy: 70 ms']);
    assert.deepEqual(screen(text()), ['hosting · 3 listener(s)', '  Ann: 85 ms', '  Bob: 91 ms', '  Cy: 70 ms']);
  });

  it('prints event lines above the block, which stays at the bottom', () => {
    const { out, text } = output(true);
    const status = new StatusLine(out);
    status.update(['hosting · 1 listener(s)', '  Ann: 84 ms']);
    status.log('+ Bob joined');
    status.update(['hosting · 2 listener(s)', '  Ann: 84 ms', '  Bob: latency unknown']);
    status.finish();
    assert.deepEqual(screen(text()), ['+ Bob joined', 'hosting · 2 listener(s)', '  Ann: 84 ms', '  Bob: latency unknown', '']);
  });

  it("cuts lines to the terminal's width, so none wraps and throws the redraw off", () => {
    const { out, text } = output(true, 30);
    const status = new StatusLine(out);
    status.update(['x'.repeat(50), 'short']);
    status.update(['y'.repeat(50), 'short']);
    const lines = screen(text());
    assert.deepEqual(lines, [`${'y'.repeat(28)}…`, 'short']);
  });

  it('prints only event lines when not on a terminal (a log, a pipe)', () => {
    const { out, text } = output(false);
    const status = new StatusLine(out);
    status.update(['hosting', '  Ann: 84 ms']);
    status.log('+ Bob joined');
    status.finish();
    assert.equal(text(), '+ Bob joined\n');
  });

  it('off a terminal, prints the block as lines every so often while it is worth it, never on a terminal', () => {
    let now = 1000;
    const { out, text } = output(false);
    const status = new StatusLine(out, () => now);
    status.logEvery(60_000);
    status.update(['hosting · 1 listener(s)', '  Ann: 84 ms']);
    now += 59_999;
    status.update(['hosting · 1 listener(s)', '  Ann: 85 ms']);
    assert.equal(text(), '', 'not before the interval');
    now += 1;
    status.update(['hosting · 1 listener(s)', '  Ann: 86 ms']);
    status.update(['hosting · 1 listener(s)', '  Ann: 87 ms']);
    assert.equal(text(), 'hosting · 1 listener(s)\n  Ann: 86 ms\n', 'once per interval');
    // Nobody listening: nothing, and the interval starts again when someone does.
    now += 120_000;
    status.update('hosting · 0 listener(s)', false);
    now += 30_000;
    status.update(['hosting · 1 listener(s)', '  Bob: latency unknown']);
    assert.equal(text(), 'hosting · 1 listener(s)\n  Ann: 86 ms\n');
    now += 30_000;
    status.log('+ Cy joined');
    status.update('playing Den · latency 90 ms');
    assert.equal(text(), 'hosting · 1 listener(s)\n  Ann: 86 ms\n+ Cy joined\nplaying Den · latency 90 ms\n');

    const never = output(false);
    const off = new StatusLine(never.out, () => now);
    off.logEvery(0);
    now += 1e9;
    off.update('playing Den');
    assert.equal(never.text(), '', '0 is never');

    const terminal = output(true);
    const live = new StatusLine(terminal.out, () => now);
    live.logEvery(1000);
    now += 5000;
    live.update('playing Den');
    live.finish();
    assert.deepEqual(screen(terminal.text()), ['playing Den', ''], 'a terminal shows the live block only');
  });
});
