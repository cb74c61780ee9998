/** A SettingsStore in memory: what load() returns is set by the test; saves are recorded. */
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings-schema.js';
import type { SettingsLoad, SettingsStore } from '../../src/ports/settings.js';

export class MemorySettingsStore implements SettingsStore {
  readonly path = 'memory:config.json';
  readonly saved: Settings[] = [];
  loadResult: SettingsLoad;
  /** When set, save() rejects with it (a full or read-only disk). */
  failSave: Error | undefined;

  constructor(settings: Partial<Settings> = {}) {
    this.loadResult = { settings: { ...DEFAULT_SETTINGS, ...settings }, recovered: undefined, migratedFrom: undefined };
  }

  async load(): Promise<SettingsLoad> {
    return this.loadResult;
  }

  async save(settings: Settings): Promise<void> {
    if (this.failSave !== undefined) throw this.failSave;
    this.saved.push(settings);
  }

  /** The settings as last saved (or loaded). */
  get current(): Settings {
    return this.saved[this.saved.length - 1] ?? this.loadResult.settings;
  }
}
