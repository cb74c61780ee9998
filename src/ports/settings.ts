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
  /**
   * Set when settings cannot be written where they live (read-only or full disk, no folder): why, in
   * one line. The app runs on with the settings in memory and tells the user once.
   */
  readonly notSaved?: string;
}

/** Reads and writes the one settings object. */
export interface SettingsStore {
  /** Full path of the settings file, for messages. */
  readonly path: string;
  /** Reads the settings; never rejects: a bad file gives SettingsLoad.recovered, an unwritable place SettingsLoad.notSaved. */
  load(): Promise<SettingsLoad>;
  /** Writes `settings` atomically (a crash leaves the old file or the new one, never half); rejects with ERR_FILE. */
  save(settings: Settings): Promise<void>;
}
