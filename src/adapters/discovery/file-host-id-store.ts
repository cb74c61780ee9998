/**
 * The host's stable id in a small file, `<config dir>/auralync/host-id` (until the settings system of a
 * later issue absorbs it). Written atomically (temp file, then rename) so a crash never leaves half an id.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { AuraError, describeError } from '../../core/errors.js';
import { isValidHostId } from '../../core/host-record.js';
import type { HostIdStore } from '../../ports/discovery.js';

/** The user's config directory: $XDG_CONFIG_HOME or ~/.config (Linux), %APPDATA% (Windows), ~/Library/Preferences (macOS). */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'win32') return env.APPDATA ?? join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Preferences');
  const xdg = env.XDG_CONFIG_HOME;
  return xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.config');
}

/** A new random host id: 16 lowercase hex digits (64 bits). */
export function newHostId(): string {
  return randomBytes(8).toString('hex');
}

/** Keeps the id in `<configDir>/auralync/host-id`. */
export class FileHostIdStore implements HostIdStore {
  /** Full path of the id file. */
  readonly path: string;

  constructor(configDir: string = userConfigDir()) {
    this.path = join(configDir, 'auralync', 'host-id');
  }

  async load(): Promise<string> {
    let text: string | undefined;
    try {
      text = (await readFile(this.path, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AuraError('ERR_FILE', `cannot read ${this.path}: ${describeError(err)}`);
    }
    if (text !== undefined && isValidHostId(text)) return text.toLowerCase();
    // Missing or damaged: start afresh (listeners following the old id will find it by name again).
    const id = newHostId();
    try {
      await mkdir(join(this.path, '..'), { recursive: true });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, `${id}\n`, { mode: 0o644 });
      await rename(temp, this.path);
    } catch (err) {
      throw new AuraError('ERR_FILE', `cannot save ${this.path}: ${describeError(err)}`);
    }
    return id;
  }
}
