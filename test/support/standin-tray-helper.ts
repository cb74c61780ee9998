/**
 * A stand-in for systray2's Go helper: a small Node script speaking the same JSON-lines protocol
 * (says ready, reads the menu, reports clicks, obeys exit), logging everything it receives to a file.
 * Placed where systray2 looks with `copyDir` (<copyDir>/<version>/<binary>), it tests the tray
 * adapter without X (../shared/notes/desktop.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** How the stand-in behaves. */
export interface StandinConfig {
  /** File the stand-in appends one JSON line to per thing it receives. */
  readonly log: string;
  /** normal; exit-early: print `stderr` and exit 1 (no display); never-ready; exit-after-ready: exit 3 after the menu. */
  readonly mode: 'normal' | 'exit-early' | 'never-ready' | 'exit-after-ready';
  /** Titles of entries to click (in order) once the menu has arrived. */
  readonly clicks?: readonly string[];
  readonly stderr?: string;
}

/** Writes the stand-in script to `path` with mode 0644 (as npm leaves systray2's helper). */
export function writeStandinHelper(path: string, config: StandinConfig): void {
  const script = `#!${process.execPath}
const fs = require('fs');
const readline = require('readline');
const cfg = ${JSON.stringify(config)};
const log = (obj) => fs.appendFileSync(cfg.log, JSON.stringify(obj) + '\\n');
log({ started: true, mode: fs.statSync(__filename).mode & 0o777 });
if (cfg.mode === 'exit-early') {
  process.stderr.write(cfg.stderr || '');
  process.exit(1);
}
if (cfg.mode === 'never-ready') {
  setInterval(() => {}, 1000);
} else {
  process.stdout.write('{"type": "ready"}\\n');
  const find = (items, title) => {
    for (const item of items || []) {
      if (item.title === title || item.title === title + ' (\\u221a)') return item;
      const inner = find(item.items, title);
      if (inner) return inner;
    }
    return undefined;
  };
  let menu;
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    const msg = JSON.parse(line);
    log({ received: msg });
    if (menu === undefined) {
      menu = msg;
      for (const title of cfg.clicks || []) {
        const item = find(menu.items, title);
        if (item) process.stdout.write(JSON.stringify({ type: 'clicked', item, seq_id: 0, __id: item.__id }) + '\\n');
      }
      if (cfg.mode === 'exit-after-ready') setTimeout(() => process.exit(3), 100);
      return;
    }
    if (msg.type === 'exit') process.exit(0);
  }).on('close', () => process.exit(0));
}
`;
  writeFileSync(path, script, { mode: 0o644 });
}

/** What the stand-in logged, one object per line. */
export function readStandinLog(path: string): Record<string, unknown>[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
