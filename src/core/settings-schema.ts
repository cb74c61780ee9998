/**
 * The settings file's shape: one typed object, its defaults, field-by-field validation and the
 * version migrations. Pure: parsed JSON in, a valid Settings object and a list of problems out.
 * A bad field falls back to its default alone (a typo in one value does not cost the others).
 */
import { normalizeCode } from './access-code.js';
import { DEFAULT_PORT } from './audio-format.js';
import { cleanDisplayName, isValidHostId } from './host-record.js';

/** Version written by this build; raise it (and add a migration) when a field changes meaning. */
export const SETTINGS_VERSION = 1;

/** Boost presets the tray offers [× linear gain]. */
export const BOOST_PRESETS = [1, 2, 3, 4, 5, 6, 8, 10] as const;

/** Lowest and highest boost accepted [× linear gain]; the CLI takes any value in between. */
export const BOOST_RANGE = { min: 1, max: 10 } as const;

/** What the app was doing when it last ran (the tray resumes it at start). */
export type SessionMode = 'idle' | 'hosting' | 'listening';

/** The host a listener last played, so it can resume (followed by id over mDNS, else by address). */
export interface LastHost {
  /** Stable host id from discovery (8..64 hex digits), or null when it was reached by address only. */
  readonly hostId: string | null;
  /** Display name to show while looking for it. */
  readonly displayName: string;
  /** Address it was last reached at (IP literal or DNS name). */
  readonly address: string;
  /** TCP port [1..65535]. */
  readonly port: number;
}

/** Every setting AuraLync keeps between runs. */
export interface Settings {
  /** Format version of the file (SETTINGS_VERSION when written by this build). */
  readonly version: number;
  /** Capture device id (as `auralync devices` lists it); null = the system default. */
  readonly captureDevice: string | null;
  /** Output device id; null = the system default. */
  readonly outputDevice: string | null;
  /** Listener boost [× linear gain, 1..10]. */
  readonly boost: number;
  /** TCP port the host listens on [1..65535]. */
  readonly port: number;
  /** Name listeners see for this host; null = the computer's name. */
  readonly displayName: string | null;
  /** The host last listened to; null if none. */
  readonly lastHost: LastHost | null;
  /** What the app was doing when it last stopped. */
  readonly modeAtExit: SessionMode;
  /** Desktop notifications on or off. */
  readonly notifications: boolean;
  /** The user's last choice for "Start at login" (what is really installed is read back from the system). */
  readonly startAtLogin: boolean;
  /** Access code listeners of this host must know; null = anyone on the network may listen. */
  readonly accessCode: string | null;
}

/** Settings of a first start. */
export const DEFAULT_SETTINGS: Settings = Object.freeze({
  version: SETTINGS_VERSION,
  captureDevice: null,
  outputDevice: null,
  boost: 1,
  port: DEFAULT_PORT,
  displayName: null,
  lastHost: null,
  modeAtExit: 'idle',
  notifications: true,
  startAtLogin: false,
  accessCode: null,
});

/** One step from version `from` to `from + 1`, on the raw parsed object (before validation). */
export type SettingsMigration = (raw: Record<string, unknown>) => Record<string, unknown>;

/**
 * Migrations by the version they upgrade from. Version 0 is a file without a `version` field (written
 * by hand, or by a build before settings were versioned): same field names, so only the number moves.
 */
export const MIGRATIONS: Readonly<Record<number, SettingsMigration>> = Object.freeze({
  0: (raw: Record<string, unknown>) => ({ ...raw, version: 1 }),
});

/** What parseSettings() made of a file. */
export interface ParsedSettings {
  /** Valid settings: the file's good values, defaults for the rest. */
  readonly settings: Settings;
  /** One line per value that was unusable and replaced by its default (empty when the file was fine). */
  readonly problems: string[];
  /** The version the file had when it was older than SETTINGS_VERSION (it was migrated). */
  readonly migratedFrom: number | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** A device id as the catalog produces it: printable, at most 512 characters. */
function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 512 && !/[\u0000-\u001f\u007f]/.test(value);
}

function parseLastHost(value: unknown): LastHost | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) return undefined;
  const { hostId, displayName, address, port } = value;
  if (hostId !== null && !isValidHostId(hostId)) return undefined;
  if (typeof displayName !== 'string' || typeof address !== 'string' || !isPort(port)) return undefined;
  if (address === '' || address.length > 255 || /[\s\u0000-\u001f]/.test(address)) return undefined;
  return { hostId: hostId === null ? null : hostId.toLowerCase(), displayName: cleanDisplayName(displayName), address, port };
}

/**
 * Validates a parsed settings file: migrates an older version, keeps every valid known field, replaces
 * each invalid one by its default (with a problem line), and drops unknown fields. Throws nothing.
 * `raw` that is not an object at all gives the defaults and one problem.
 */
export function parseSettings(raw: unknown, migrations: Readonly<Record<number, SettingsMigration>> = MIGRATIONS): ParsedSettings {
  const problems: string[] = [];
  if (!isRecord(raw)) {
    return { settings: DEFAULT_SETTINGS, problems: ['the file does not hold a settings object'], migratedFrom: undefined };
  }
  let data: Record<string, unknown> = { ...raw };
  const rawVersion = data.version === undefined ? 0 : data.version;
  let version = 0;
  if (typeof rawVersion === 'number' && Number.isInteger(rawVersion) && rawVersion >= 0) version = rawVersion;
  else problems.push(`version ${describe(rawVersion)} is not a version number`);
  let migratedFrom: number | undefined;
  if (version > SETTINGS_VERSION) {
    // A newer AuraLync wrote this: read what this build knows; it saves in its own version.
    problems.push(`written by a newer AuraLync (settings version ${version})`);
  } else if (version < SETTINGS_VERSION) {
    migratedFrom = version;
    for (let from = version; from < SETTINGS_VERSION; from++) {
      const step = migrations[from];
      if (step === undefined) {
        problems.push(`no migration from settings version ${from}`);
        break;
      }
      data = step(data);
    }
  }
  const pick = <K extends keyof Settings>(key: K, valid: (value: unknown) => boolean, convert: (value: unknown) => Settings[K] = (v) => v as Settings[K]): Settings[K] => {
    const value = data[key];
    if (value === undefined) return DEFAULT_SETTINGS[key];
    if (valid(value)) return convert(value);
    problems.push(`${key} ${describe(value)} is not valid; using ${JSON.stringify(DEFAULT_SETTINGS[key])}`);
    return DEFAULT_SETTINGS[key];
  };
  const lastHostRaw = data.lastHost;
  const lastHost = lastHostRaw === undefined ? null : parseLastHost(lastHostRaw);
  if (lastHost === undefined) problems.push(`lastHost ${describe(lastHostRaw)} is not valid; forgetting it`);
  const settings: Settings = {
    version: SETTINGS_VERSION,
    captureDevice: pick('captureDevice', (v) => v === null || isDeviceId(v)),
    outputDevice: pick('outputDevice', (v) => v === null || isDeviceId(v)),
    boost: pick('boost', (v) => typeof v === 'number' && Number.isFinite(v) && v >= BOOST_RANGE.min && v <= BOOST_RANGE.max),
    port: pick('port', isPort),
    displayName: pick(
      'displayName',
      (v) => v === null || (typeof v === 'string' && cleanDisplayName(v) !== ''),
      (v) => (v === null ? null : cleanDisplayName(v as string)),
    ),
    lastHost: lastHost ?? null,
    modeAtExit: pick('modeAtExit', (v) => v === 'idle' || v === 'hosting' || v === 'listening'),
    notifications: pick('notifications', (v) => typeof v === 'boolean'),
    startAtLogin: pick('startAtLogin', (v) => typeof v === 'boolean'),
    accessCode: pick('accessCode', (v) => v === null || isCode(v)),
  };
  return { settings, problems, migratedFrom };
}

/** Applies `patch` to `settings` and validates the result; throws RangeError naming the first bad field. */
export function updateSettings(settings: Settings, patch: Partial<Omit<Settings, 'version'>>): Settings {
  const { settings: next, problems } = parseSettings({ ...settings, ...patch, version: SETTINGS_VERSION });
  if (problems.length > 0) throw new RangeError(`invalid setting: ${problems[0]}`);
  return next;
}

function isCode(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    normalizeCode(value);
    return true;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
