/** Notifications through node-notifier on Linux: a stand-in `notify-send` first on PATH receives the exact argv. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanNotificationText, NodeNotifierNotifier } from '../../src/adapters/desktop/node-notifier-notifier.js';
import { waitFor } from '../support/wait-for.js';

describe('notifier (node-notifier → notify-send)', function () {
  this.timeout(20_000);
  let dir: string;
  let savedPath: string | undefined;

  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-notify-'));
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${process.env.PATH ?? ''}`;
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  function standin(exitCode = 0): string {
    const log = join(dir, 'argv.log');
    writeFileSync(
      join(dir, 'notify-send'),
      `#!${process.execPath}\nrequire('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nprocess.exit(${exitCode});\n`,
      { mode: 0o755 },
    );
    return log;
  }

  const calls = (log: string): string[][] =>
    existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]) : [];

  it('runs notify-send with the title, body, icon and app name', async () => {
    const log = standin();
    new NodeNotifierNotifier({ iconDir: '/icons' }).notify({ title: 'Listener joined', body: 'Alice', icon: 'hosting' });
    await waitFor(() => calls(log).length === 1, 10_000, 'notify-send to run');
    const argv = calls(log)[0] as string[];
    assert.deepEqual(argv.slice(0, 2), ['Listener joined', 'Alice']);
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    assert.equal(flag('--icon'), '/icons/hosting.png');
    assert.equal(flag('--app-name'), 'AuraLync');
    assert.equal(flag('--expire-time'), '6000');
  });

  it('passes names from the network literally: no shell expansion, one line', async () => {
    const log = standin();
    const marker = join(dir, 'pwned');
    const hostile = `Eve $(touch ${marker}) \`touch ${marker}\` "quoted" \\back\nsecond line`;
    new NodeNotifierNotifier({ iconDir: '/icons' }).notify({ title: 'Listener joined', body: hostile, icon: 'hosting' });
    await waitFor(() => calls(log).length === 1, 10_000, 'notify-send to run');
    assert.equal(calls(log)[0]?.[1], cleanNotificationText(hostile));
    assert.equal(cleanNotificationText(hostile), `Eve $(touch ${marker}) \`touch ${marker}\` "quoted" \\back second line`);
    assert.equal(existsSync(marker), false, 'nothing was executed');
  });

  it('a failing notify-send (no notification daemon) is logged once and never throws', async () => {
    const log = standin(1);
    const lines: string[] = [];
    const notifier = new NodeNotifierNotifier({ iconDir: '/icons', log: (line) => lines.push(line) });
    notifier.notify({ title: 'One', body: 'x', icon: 'idle' });
    notifier.notify({ title: 'Two', body: 'y', icon: 'idle' });
    await waitFor(() => calls(log).length === 2, 10_000, 'both attempts');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /^notifications: cannot show one/);
  });
});
