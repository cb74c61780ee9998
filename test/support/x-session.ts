/**
 * A private desktop for the tray smoke test: Xvfb (a free display picked by -displayfd), a session
 * D-Bus, trayer as the tray (XEmbed) and dunst as the notification daemon with a logging rule.
 * Every process is ours and is stopped by pid (../shared/notes/desktop.md).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

/** True when `program` is on PATH. */
export function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** A running private desktop. */
export interface XSession {
  /** Environment for programs that should use it (DISPLAY, DBUS_SESSION_BUS_ADDRESS). */
  readonly env: NodeJS.ProcessEnv;
  /** Lines dunst's rule logged: "appname|summary|body". */
  notifications(): string[];
  /** Stops everything it started; safe to call twice. */
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts Xvfb, D-Bus, trayer and dunst; `dir` holds the bus socket, dunst's config and the log. */
export async function startXSession(dir: string): Promise<XSession> {
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    children.length = 0;
  };
  try {
    // Xvfb picks a free display itself and writes its number to fd 3.
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '800x600x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    children.push(xvfb);
    const display = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error('Xvfb did not start within 10 s')), 10_000);
      (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (bytes: Buffer) => {
        text += bytes.toString();
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(`:${text.trim()}`);
        }
      });
      xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with code ${code}`)));
    });
    const bus = join(dir, 'bus');
    const dbus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${bus}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(dbus);
    const busAddress = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error('dbus-daemon did not start within 10 s')), 10_000);
      dbus.stdout?.on('data', (bytes: Buffer) => {
        text += bytes.toString();
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(text.trim().split('\n')[0] as string);
        }
      });
    });
    const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display, DBUS_SESSION_BUS_ADDRESS: busAddress };
    delete env.WAYLAND_DISPLAY;

    const log = join(dir, 'notifications.log');
    const logger = join(dir, 'dunst-log.sh');
    writeFileSync(logger, `#!/bin/sh\nprintf '%s|%s|%s\\n' "$1" "$2" "$3" >> '${log}'\n`);
    chmodSync(logger, 0o755);
    const rc = join(dir, 'dunstrc');
    // Bubbles at the bottom left, away from the tray menu the test photographs at the top right.
    writeFileSync(rc, `[global]\n    font = Monospace 8\n    origin = bottom-left\n    offset = 10x10\n[log_all]\n    summary = "*"\n    script = ${logger}\n`);
    children.push(spawn('dunst', ['-conf', rc], { env, stdio: 'ignore' }));
    children.push(
      spawn('trayer', ['--edge', 'top', '--align', 'right', '--SetDockType', 'true', '--widthtype', 'pixel', '--width', '120', '--height', '24'], { env, stdio: 'ignore' }),
    );
    const notifications = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    // Proof the notification path works before the test relies on it.
    await waitFor(
      () => {
        if (notifications().some((line) => line.includes('probe'))) return true;
        spawnSync('notify-send', ['-a', 'smoke', '-t', '500', 'probe', 'probe'], { env, stdio: 'ignore', timeout: 2000 });
        return notifications().some((line) => line.includes('probe'));
      },
      10_000,
      'dunst to log a probe notification',
    );
    return { env, notifications, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A screenshot of the whole screen as RGB pixels (ImageMagick `import`, read as binary PPM). */
export function screenshot(env: NodeJS.ProcessEnv, ppmPath: string): { width: number; height: number; pixel(x: number, y: number): [number, number, number] } {
  const result = spawnSync('import', ['-window', 'root', '-depth', '8', ppmPath], { env, timeout: 10_000 });
  if (result.status !== 0) throw new Error(`import failed: ${result.stderr?.toString()}`);
  const bytes = readFileSync(ppmPath);
  // P6 header: "P6", width, height, maxval, each separated by whitespace, then one whitespace byte.
  let offset = 0;
  const fields: string[] = [];
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(bytes[offset] as number))) offset++;
    let field = '';
    while (!/\s/.test(String.fromCharCode(bytes[offset] as number))) field += String.fromCharCode(bytes[offset++] as number);
    fields.push(field);
  }
  offset++;
  const [magic, w, h, max] = fields;
  if (magic !== 'P6') throw new Error(`not a binary PPM: ${magic}`);
  const width = Number(w);
  const height = Number(h);
  // 16-bit samples (maxval > 255) are big-endian pairs; keep the high byte.
  const step = Number(max) > 255 ? 2 : 1;
  return {
    width,
    height,
    pixel: (x, y) => {
      const i = offset + (y * width + x) * 3 * step;
      return [bytes[i] as number, bytes[i + step] as number, bytes[i + 2 * step] as number];
    },
  };
}

/**
 * The rows of text in the open menu below the point (seedX, seedY), top to bottom, as vertical centres.
 * The screen around the menu is black (no desktop), so the menu is the non-black box around the seed;
 * a text row is a run of rows holding dark pixels (labels, grey disabled labels, check marks, arrows).
 */
export function menuTextRows(shot: ReturnType<typeof screenshot>, seedX: number, seedY: number): { rows: number[]; box: { left: number; right: number; top: number; bottom: number } } {
  const black = (x: number, y: number) => shot.pixel(x, y).reduce((a, b) => a + b, 0) < 30;
  let y0 = seedY;
  while (y0 < shot.height && black(seedX, y0)) y0++;
  if (y0 >= shot.height) throw new Error('no menu below the tray icon');
  let left = seedX;
  while (left > 0 && !black(left - 1, y0 + 5)) left--;
  let right = seedX;
  while (right < shot.width - 1 && !black(right + 1, y0 + 5)) right++;
  let bottom = y0;
  while (bottom < shot.height - 1 && !black(left + 5, bottom + 1)) bottom++;
  const box = { left, right, top: y0, bottom };
  const rows: number[] = [];
  let start: number | undefined;
  for (let y = box.top + 2; y <= box.bottom - 2; y++) {
    let ink = false;
    for (let x = box.left + 6; x <= box.right - 6 && !ink; x++) {
      const [r, g, b] = shot.pixel(x, y);
      ink = 0.299 * r + 0.587 * g + 0.114 * b < 180;
    }
    if (ink && start === undefined) start = y;
    if (!ink && start !== undefined) {
      if (y - start >= 3) rows.push(Math.round((start + y - 1) / 2));
      start = undefined;
    }
  }
  return { rows, box };
}
