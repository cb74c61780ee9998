/**
 * Settings in `<dir>/config.json` through conf (atomic writes: temp file + rename, via `atomically`).
 * Validation, defaults and migrations are ours (core/settings-schema.ts); conf only reads and writes.
 * A file that cannot be parsed, or holds invalid values, is copied aside as `config.json.bad-<time>`
 * before the repaired settings are written, so nothing the user had is ever lost.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import { AuraError, describeError } from '../../core/errors.js';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from '../../core/settings-schema.js';
import type { SettingsLoad, SettingsStore } from '../../ports/settings.js';

/** Options of a ConfSettingsStore. */
export interface ConfSettingsStoreOptions {
  /** Directory of config.json (created if missing); tests pass a temporary one. */
  readonly dir: string;
  /** Wall-clock time for backup names (tests pin it). */
  readonly now?: () => Date;
}

type Store = Record<string, unknown>;

/** File name stem of the settings file. */
const CONFIG_NAME = 'config';

/** SettingsStore over conf. */
export class ConfSettingsStore implements SettingsStore {
  readonly path: string;
  private conf: Conf<Store> | undefined;

  constructor(private readonly options: ConfSettingsStoreOptions) {
    if (options.dir === '') throw new RangeError('dir must not be empty');
    this.path = join(options.dir, `${CONFIG_NAME}.json`);
  }

  async load(): Promise<SettingsLoad> {
    try {
      mkdirSync(this.options.dir, { recursive: true });
    } catch (err) {
      // Nowhere to keep settings (read-only home, a file in the way): run on the defaults, in memory.
      return { settings: DEFAULT_SETTINGS, recovered: undefined, migratedFrom: undefined, notSaved: `cannot create the settings folder ${this.options.dir}: ${describeError(err)}` };
    }
    let raw: unknown;
    let backupPath: string | undefined;
    let unreadable: string | undefined;
    try {
      this.conf = this.open();
      raw = { ...this.conf.store };
    } catch (err) {
      if (!existsSync(this.path)) {
        return { settings: DEFAULT_SETTINGS, recovered: undefined, migratedFrom: undefined, notSaved: `cannot read or create ${this.path}: ${describeError(err)}` };
      }
      // Not JSON (a hand edit gone wrong, a disk error): keep it aside and start from the defaults.
      unreadable = `the settings file could not be read (${describeError(err)})`;
      backupPath = this.backupName();
      try {
        renameSync(this.path, backupPath);
        this.conf = this.open();
      } catch (renameErr) {
        // A damaged file on a read-only disk: leave it alone and run on the defaults in memory.
        this.conf = undefined;
        const reason = `${unreadable}; using the defaults`;
        return { settings: DEFAULT_SETTINGS, recovered: { reason, backupPath: undefined }, migratedFrom: undefined, notSaved: `cannot move the damaged ${this.path} aside: ${describeError(renameErr)}` };
      }
      raw = {};
    }
    const fresh = unreadable === undefined && Object.keys(raw as object).length === 0;
    const parsed = fresh ? { settings: DEFAULT_SETTINGS, problems: [], migratedFrom: undefined } : parseSettings(raw);
    let recovered: SettingsLoad['recovered'];
    if (unreadable !== undefined) {
      recovered = { reason: `${unreadable}; using the defaults`, backupPath };
    } else if (parsed.problems.length > 0) {
      backupPath = this.backupName();
      try {
        copyFileSync(this.path, backupPath);
      } catch {
        backupPath = undefined;
      }
      recovered = { reason: `some settings were not valid (${parsed.problems.join('; ')})`, backupPath };
    }
    let notSaved: string | undefined;
    if (recovered !== undefined || parsed.migratedFrom !== undefined) {
      try {
        await this.save(parsed.settings);
      } catch (err) {
        notSaved = describeError(err);
      }
    }
    return { settings: parsed.settings, recovered, migratedFrom: parsed.migratedFrom, notSaved };
  }

  async save(settings: Settings): Promise<void> {
    try {
      this.conf ??= this.open();
      this.conf.store = { ...settings } as unknown as Store;
    } catch (err) {
      throw new AuraError('ERR_FILE', `cannot save ${this.path}: ${describeError(err)}`);
    }
  }

  private open(): Conf<Store> {
    // No schema, no defaults, no watching: conf is the atomic file, nothing more. clearInvalidConfig
    // off, so a damaged file throws here (and is kept) instead of being silently emptied.
    return new Conf<Store>({
      cwd: this.options.dir,
      configName: CONFIG_NAME,
      projectName: 'auralync',
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
      watch: false,
    });
  }

  private backupName(): string {
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    let path = `${this.path}.bad-${stamp}`;
    for (let n = 2; existsSync(path); n++) path = `${this.path}.bad-${stamp}-${n}`;
    return path;
  }
}
