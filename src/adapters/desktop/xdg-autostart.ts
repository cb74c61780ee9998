/**
 * Start at login on Linux and other XDG desktops: `$XDG_CONFIG_HOME/autostart/<id>.desktop` (default
 * ~/.config), per the XDG Autostart and Desktop Entry specifications. Every Exec argument is quoted,
 * so a path with spaces starts (auto-launch leaves it bare). Written atomically.
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuraError, describeError } from '../../core/errors.js';
import type { Autostart } from '../../ports/desktop.js';

/** Options of an XdgAutostart. */
export interface XdgAutostartOptions {
  /** The XDG config directory ($XDG_CONFIG_HOME, or ~/.config). */
  readonly configHome: string;
  /** Desktop file id (file name without .desktop). */
  readonly id: string;
  /** Program and arguments to run at login. */
  readonly command: readonly string[];
}

/**
 * One Exec argument, quoted per the Desktop Entry spec: inside double quotes, `"`, `` ` ``, `$` and `\`
 * take a backslash; then the value's own escape rule doubles every backslash, and `%` becomes `%%`
 * (field codes).
 */
export function quoteExecArgument(arg: string): string {
  const quoted = `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/** The .desktop file for `command`. */
export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=AuraLync',
    "Comment=Share this computer's sound with listeners on the network",
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** XDG autostart entry. */
export class XdgAutostart implements Autostart {
  readonly supported = true;
  readonly location: string;

  constructor(private readonly options: XdgAutostartOptions) {
    if (options.command.length === 0) throw new RangeError('command must not be empty');
    this.location = join(options.configHome, 'autostart', `${options.id}.desktop`);
  }

  async isEnabled(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new AuraError('ERR_FILE', `cannot read ${this.location}: ${describeError(err)}`);
    }
    // An entry a desktop's settings panel switched off stays on disk with one of these keys.
    const value = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*(\\S+)`, 'mi').exec(text)?.[1]?.toLowerCase();
    return value('Hidden') !== 'true' && value('X-GNOME-Autostart-enabled') !== 'false';
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
      await writeFile(temp, desktopEntry(this.options.command), { mode: 0o644 });
      await rename(temp, this.location);
    } catch (err) {
      throw new AuraError('ERR_FILE', `cannot ${enabled ? 'write' : 'remove'} ${this.location}: ${describeError(err)}`);
    }
  }
}
