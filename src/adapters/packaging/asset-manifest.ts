/**
 * The table of contents a packaged (single-executable) AuraLync carries beside its assets: which asset
 * goes to which file, and the content hash that names the directory they are written to. Written by
 * build/package.mjs as the SEA asset MANIFEST_KEY; read at start by sea-assets.ts.
 */
import { AuraError } from '../../core/errors.js';

/** SEA asset key of the manifest itself. */
export const MANIFEST_KEY = 'auralync-manifest.json';
/** The manifest format this code reads. */
export const MANIFEST_FORMAT = 1;

/** One file to write out. */
export interface ManifestFile {
  /** SEA asset key holding the bytes. */
  readonly key: string;
  /** Path relative to the extraction directory, '/'-separated. */
  readonly path: string;
  /** POSIX mode bits (0o755 for executables and shared libraries). */
  readonly mode: number;
  /** Size [bytes]: a warm start checks it, so a truncated file is written again. */
  readonly bytes: number;
}

/** The manifest. */
export interface AssetManifest {
  readonly format: number;
  /** Content hash of every file's path, mode and bytes (hex); names the extraction directory. */
  readonly id: string;
  /** The app's version (package.json). */
  readonly version: string;
  /** Platform the binary was built for (process.platform values). */
  readonly platform: string;
  readonly files: readonly ManifestFile[];
  /** Path (relative, as in files) of the audify addon, when this build carries one. */
  readonly audifyAddon?: string;
}

/** True for a relative '/'-separated path that stays inside its directory. */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[a-zA-Z]:/.test(path)) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function fail(why: string): never {
  throw new AuraError('ERR_FILE', `this binary's asset manifest is damaged (${why}); rebuild it with npm run package`);
}

/** Parses and checks a manifest's JSON text; throws AuraError(ERR_FILE) when it is not one this code can use. */
export function parseManifest(text: string): AssetManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('not JSON');
  }
  const m = value as Partial<AssetManifest> | null;
  if (m === null || typeof m !== 'object') fail('not an object');
  if (m.format !== MANIFEST_FORMAT) fail(`format ${String(m.format)}, expected ${MANIFEST_FORMAT}`);
  if (typeof m.id !== 'string' || !/^[0-9a-f]{8,64}$/.test(m.id)) fail('bad id');
  if (typeof m.version !== 'string' || typeof m.platform !== 'string') fail('no version or platform');
  if (!Array.isArray(m.files)) fail('no file list');
  const paths = new Set<string>();
  for (const file of m.files as Partial<ManifestFile>[]) {
    if (typeof file.key !== 'string' || typeof file.path !== 'string' || !isSafeRelativePath(file.path)) fail('bad file entry');
    if (typeof file.mode !== 'number' || typeof file.bytes !== 'number' || file.bytes < 0) fail(`bad mode or size for ${file.path}`);
    paths.add(file.path);
  }
  if (m.audifyAddon !== undefined && !paths.has(m.audifyAddon)) fail('the audio addon is not among the files');
  return m as AssetManifest;
}
