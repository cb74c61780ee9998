/** Where settings live between runs (a JSON file in the user's config dir in production). */
import type { Settings } from '../core/settings-schema.js';

/** What loading found. */
export interface SettingsLoad {
  /** Valid settings (defaults where the file had nothing usable). */
  readonly settings: Settings;
  /**
   * Set when the file was unreadable or had invalid values: why (one line), and where the original was
   * kept. The user is told once; the store has already written the repaired settings.
   */
  readonly recovered: { readonly reason: string; readonly backupPath: string | undefined } | undefined;
  /** The version the file was migrated from, when it was older. */
  readonly migratedFrom: number | undefined;
}

/** Reads and writes the one settings object. */
export interface SettingsStore {
  /** Full path of the settings file, for messages. */
  readonly path: string;
  /** Reads the settings; never rejects for a bad file (see SettingsLoad.recovered), only for an unusable directory (ERR_FILE). */
  load(): Promise<SettingsLoad>;
  /** Writes `settings` atomically (a crash leaves the old file or the new one, never half); rejects with ERR_FILE. */
  save(settings: Settings): Promise<void>;
}
