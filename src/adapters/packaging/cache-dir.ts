/** Where a packaged AuraLync keeps the files it writes out of itself (native addon, helper programs). */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The per-user cache directory for AuraLync: $AURALYNC_CACHE_DIR when set (tests, portable installs),
 * else %LOCALAPPDATA%\auralync\cache (Windows), ~/Library/Caches/auralync (macOS), or
 * $XDG_CACHE_HOME/auralync, ~/.cache/auralync (Linux and others).
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const override = env.AURALYNC_CACHE_DIR;
  if (override !== undefined && override !== '') return override;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'auralync', 'cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'auralync');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'auralync');
}
