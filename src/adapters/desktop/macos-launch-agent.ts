/**
 * Start at login on macOS: `~/Library/LaunchAgents/<label>.plist` with ProgramArguments and RunAtLoad
 * (launchd reads it at the next login). Written atomically.
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuraError, describeError } from '../../core/errors.js';
import type { Autostart } from '../../ports/desktop.js';

/** Options of a MacLaunchAgentAutostart. */
export interface MacLaunchAgentOptions {
  /** The user's home directory. */
  readonly home: string;
  /** launchd label, reverse-DNS style. */
  readonly label: string;
  /** Program and arguments to run at login. */
  readonly command: readonly string[];
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The LaunchAgent plist for `command`. */
export function launchAgentPlist(label: string, command: readonly string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${xml(label)}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...command.map((arg) => `    <string>${xml(arg)}</string>`),
    '  </array>',
    '  <key>RunAtLoad</key><true/>',
    '  <key>ProcessType</key><string>Interactive</string>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** LaunchAgent entry. */
export class MacLaunchAgentAutostart implements Autostart {
  readonly supported = true;
  readonly location: string;

  constructor(private readonly options: MacLaunchAgentOptions) {
    if (options.command.length === 0) throw new RangeError('command must not be empty');
    this.location = join(options.home, 'Library', 'LaunchAgents', `${options.label}.plist`);
  }

  async isEnabled(): Promise<boolean> {
    try {
      const text = await readFile(this.location, 'utf8');
      return !/<key>\s*Disabled\s*<\/key>\s*<true\s*\/>/.test(text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new AuraError('ERR_FILE', `cannot read ${this.location}: ${describeError(err)}`);
    }
  }

  async setEnabled(enabled: boolean): Promise<void> {
    try {
      if (!enabled) {
        await unlink(this.location).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        return;
      }
      await mkdir(join(this.location, '..'), { recursive: true });
      const temp = `${this.location}.${process.pid}.tmp`;
      await writeFile(temp, launchAgentPlist(this.options.label, this.options.command), { mode: 0o644 });
      await rename(temp, this.location);
    } catch (err) {
      throw new AuraError('ERR_FILE', `cannot ${enabled ? 'write' : 'remove'} ${this.location}: ${describeError(err)}`);
    }
  }
}
