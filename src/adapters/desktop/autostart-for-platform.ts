/** Picks the start-at-login mechanism of this OS; the command always ends with HIDDEN_FLAG. */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Autostart, CommandRunner } from '../../ports/desktop.js';
import { ChildProcessRunner } from './child-process-runner.js';
import { MacLaunchAgentAutostart } from './macos-launch-agent.js';
import { WindowsRunKeyAutostart } from './windows-run-key.js';
import { XdgAutostart } from './xdg-autostart.js';

/** The flag an autostarted AuraLync gets: start in the tray without greeting. */
export const HIDDEN_FLAG = '--hidden';

/** Where nothing is supported: always off, and says so. */
export class UnsupportedAutostart implements Autostart {
  readonly supported = false;
  readonly location = 'not supported on this system';

  async isEnabled(): Promise<boolean> {
    return false;
  }

  async setEnabled(_enabled: boolean): Promise<void> {
    throw new Error('start at login is not supported on this system');
  }
}

/** Options of autostartFor(). */
export interface AutostartForOptions {
  /** Program and arguments that start AuraLync (without HIDDEN_FLAG). */
  readonly launch: readonly string[];
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
  readonly runner?: CommandRunner;
}

/** The Autostart of this OS. */
export function autostartFor(options: AutostartForOptions): Autostart {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const command = [...options.launch, HIDDEN_FLAG];
  switch (platform) {
    case 'win32':
      return new WindowsRunKeyAutostart({ runner: options.runner ?? new ChildProcessRunner(), valueName: 'AuraLync', command });
    case 'darwin':
      return new MacLaunchAgentAutostart({ home, label: 'app.auralync', command });
    case 'linux':
    case 'freebsd':
    case 'openbsd': {
      const xdg = env.XDG_CONFIG_HOME;
      // The spec says a relative $XDG_CONFIG_HOME is invalid and must be ignored.
      const configHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.config');
      return new XdgAutostart({ configHome, id: 'auralync', command });
    }
    default:
      return new UnsupportedAutostart();
  }
}
