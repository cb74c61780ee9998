/**
 * The tray for real: Xvfb, a session D-Bus, trayer, systray2's real helper and a real dunst. Starts
 * `auralync` with no arguments, opens its menu with a mouse click on the icon, photographs it
 * (test-output/tray-menu.png), clicks "Start hosting", connects a listener and checks that dunst
 * received "Listener joined". Skipped only where Xvfb or trayer are not installed
 * (`build/setup-system.sh test` installs them in CI).
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTestWav } from '../support/audio-files.js';
import { spawnCli, waitForOutput } from '../support/cli.js';
import { waitFor } from '../support/wait-for.js';
import { menuTextRows, onPath, screenshot, startXSession, type XSession } from '../support/x-session.js';
import { freePort } from '../support/free-port.js';

const OUTPUT_DIR = fileURLToPath(new URL('../../../test-output/', import.meta.url));

/** Visible top-level entries (separators aside) of the idle menu, top to bottom (see menu-model.ts). */
const IDLE_ENTRIES = ['status', 'Start hosting', 'Require an access code', 'Listeners', 'Listen to', 'Stop listening', 'Output device', 'Capture device', 'Boost', 'Notifications', 'Start at login', 'Quit AuraLync'];


function xdotool(env: NodeJS.ProcessEnv, args: string[]): string {
  const result = spawnSync('xdotool', args, { env, encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) throw new Error(`xdotool ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

describe('tray smoke test (real tray under Xvfb)', function () {
  this.timeout(90_000);
  let dir: string;
  let session: XSession | undefined;
  let app: ChildProcess | undefined;
  let listener: ChildProcess | undefined;

  before(function () {
    const missing = ['Xvfb', 'trayer'].filter((program) => !onPath(program));
    if (missing.length > 0) {
      console.log(`      skipped: ${missing.join(' and ')} not installed (build/setup-system.sh test installs them)`);
      this.skip();
    }
    // Past this point every other tool is required: a missing one fails the test, loudly.
    const needed = ['dbus-daemon', 'dunst', 'notify-send', 'xdotool', 'import'].filter((program) => !onPath(program));
    assert.deepEqual(needed, [], `the tray smoke test needs ${needed.join(', ')} (build/setup-system.sh test)`);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-smoke-'));
  });

  afterEach(async () => {
    await stopProcess(listener, 'SIGINT');
    await stopProcess(app, 'SIGTERM');
    await session?.stop();
    listener = undefined;
    app = undefined;
    session = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts in the tray with no arguments, hosts from the menu, and notifies "Listener joined"', async () => {
    session = await startXSession(dir);
    const { env } = session;
    const port = await freePort();
    const config = join(dir, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'config.json'), JSON.stringify({ version: 1, port, displayName: 'Smoke test host' }));
    const input = join(dir, 'input.wav');
    writeTestWav(input, { seconds: 60, kind: 'tones' });
    app = spawnCli([], {
      ...env,
      HOME: join(dir, 'home'),
      XDG_CONFIG_HOME: join(dir, 'xdg'),
      AURALYNC_CONFIG_DIR: config,
      AURALYNC_CACHE_DIR: join(dir, 'cache'),
      AURALYNC_DISCOVERY: 'off',
      AURALYNC_TEST_INPUT: input,
    });
    let appLog = '';
    app.stderr?.on('data', (bytes: Buffer) => (appLog += bytes.toString()));
    await waitForOutput(app, /running in the system tray/, 20_000);

    // The icon docks in trayer (an XEmbed window of class "systray"); click its centre.
    await waitFor(() => spawnSync('xdotool', ['search', '--classname', 'systray'], { env }).status === 0, 10_000, 'the icon to dock');
    const iconWindow = (xdotool(env, ['search', '--classname', 'systray']).trim().split('\n')[0] ?? '').trim();
    const geometry = Object.fromEntries(
      xdotool(env, ['getwindowgeometry', '--shell', iconWindow])
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
    const iconX = Number(geometry.X) + Math.floor(Number(geometry.WIDTH) / 2);
    const iconY = Number(geometry.Y) + Math.floor(Number(geometry.HEIGHT) / 2);

    // Open the menu and find its rows on a screenshot.
    let rows: number[] = [];
    let box = { left: 0, right: 0, top: 0, bottom: 0 };
    for (let attempt = 0; attempt < 5 && rows.length !== IDLE_ENTRIES.length; attempt++) {
      if (attempt > 0) xdotool(env, ['key', 'Escape']);
      xdotool(env, ['mousemove', String(iconX), String(iconY), 'click', '1']);
      await sleep(800);
      const shot = screenshot(env, join(dir, 'menu.ppm'));
      try {
        ({ rows, box } = menuTextRows(shot, Math.max(0, box.left || iconX - 20), Number(geometry.Y) + Number(geometry.HEIGHT)));
      } catch {
        rows = [];
      }
    }
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const saved = spawnSync('import', ['-window', 'root', join(OUTPUT_DIR, 'tray-menu.png')], { env });
    assert.equal(saved.status, 0, 'screenshot saved');
    assert.equal(rows.length, IDLE_ENTRIES.length, `the menu shows ${IDLE_ENTRIES.length} entries (found ${rows.length} text rows in ${JSON.stringify(box)}); see test-output/tray-menu.png`);

    // Click "Start hosting" in the menu.
    const row = rows[IDLE_ENTRIES.indexOf('Start hosting')] as number;
    xdotool(env, ['mousemove', String(box.left + 40), String(row), 'click', '1']);
    await waitFor(() => /hosting 'Smoke test host' on port \d+/.test(appLog), 15_000, `hosting to start; app said: ${appLog}`);

    listener = spawnCli(['listen', `127.0.0.1:${port}`, '--output', join(dir, 'out.wav'), '--name', 'Alice'], env);
    await waitFor(() => /\+ Alice joined/.test(appLog), 15_000, 'the host to see Alice');
    await waitFor(
      () => session?.notifications().some((line) => /^AuraLync\|Listener joined\|Alice$/.test(line)) ?? false,
      15_000,
      `dunst to receive "Listener joined"; it logged: ${session.notifications().join(' / ')}`,
    );

    // The menu now says so: photograph it open again (test-output/tray-menu-hosting.png).
    xdotool(env, ['mousemove', String(iconX), String(iconY), 'click', '1']);
    await sleep(800);
    spawnSync('import', ['-window', 'root', join(OUTPUT_DIR, 'tray-menu-hosting.png')], { env });
    xdotool(env, ['key', 'Escape']);

    // A clean quit from SIGTERM: the helper goes with the app, the mode is remembered.
    await stopProcess(listener, 'SIGINT');
    await stopProcess(app, 'SIGTERM');
    assert.equal(app.exitCode, 0, appLog);
    copyFileSync(join(config, 'config.json'), join(dir, 'config-after.json'));
    assert.match(spawnSync('cat', [join(config, 'config.json')], { encoding: 'utf8' }).stdout, /"modeAtExit": "hosting"/);
    assert.equal(spawnSync('pgrep', ['-f', join(dir, 'cache')]).status, 1, 'no tray helper left running');
  });
});
