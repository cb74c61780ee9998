/**
 * The native parts a single-executable (SEA) AuraLync carries inside itself — the audify addon and its
 * shared libraries, the tray and notifier helper programs, icons — written once to a directory named
 * by their content hash under the user's cache dir, and used from there (docs/packaging.md).
 *
 * A second start finds the directory complete (a marker file plus every file at its size) and writes
 * nothing. A first start writes into a private temporary directory and renames it into place, so two
 * instances starting at once never see half-written files, and a crash leaves only a stray temp dir.
 * Outside a SEA (`node out/src/main.js`) prepareSeaAssets() does nothing and returns undefined.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError } from '../../core/errors.js';
import { MANIFEST_KEY, parseManifest, type AssetManifest } from './asset-manifest.js';
import { userCacheDir } from './cache-dir.js';

/** Name of the file, written last, that marks an extraction directory as complete; holds the manifest id. */
export const COMPLETE_MARKER = '.complete';

/** Reads one embedded asset's bytes (node:sea getAsset in a SEA; a map in tests). */
export type AssetReader = (key: string) => ArrayBuffer | Uint8Array;

/** Where a packaged binary's files are on disk. */
export interface ExtractedAssets {
  /** The extraction directory. */
  readonly dir: string;
  /** True when this start wrote the files, false when it reused a complete directory. */
  readonly wrote: boolean;
  /** The audify addon's path, when the build carries one. */
  readonly audifyAddon: string | undefined;
  /** Absolute path of an extracted file, by its manifest path ('systray2/traybin/tray_linux_release'). */
  path(relative: string): string;
}

/** What prepareSeaAssets() found: the files, or why they could not be written. */
export interface PackagedRuntime {
  readonly manifest: AssetManifest;
  readonly assets: ExtractedAssets | undefined;
  /** Why the files could not be written (then audio devices and helpers are unavailable). */
  readonly problem: string | undefined;
  /**
   * Where the audify addon is expected: its extracted path, or where it would have been (so loading it
   * fails with a message naming the file, instead of finding some unrelated 'audify' package).
   */
  readonly audifyAddon: string;
}

function isComplete(dir: string, manifest: AssetManifest): boolean {
  try {
    if (readFileSync(join(dir, COMPLETE_MARKER), 'utf8') !== manifest.id) return false;
    return manifest.files.every((file) => statSync(join(dir, file.path)).size === file.bytes);
  } catch {
    return false;
  }
}

function layout(dir: string, manifest: AssetManifest, wrote: boolean): ExtractedAssets {
  return {
    dir,
    wrote,
    audifyAddon: manifest.audifyAddon === undefined ? undefined : join(dir, manifest.audifyAddon),
    path: (relative) => join(dir, relative),
  };
}

/**
 * Makes sure `<root>/<manifest.id>` holds every file of the manifest, writing them only when it does
 * not already. Throws (an fs error) when the directory cannot be written.
 */
export function extractAssets(manifest: AssetManifest, read: AssetReader, root: string): ExtractedAssets {
  const dir = join(root, manifest.id);
  if (isComplete(dir, manifest)) return layout(dir, manifest, false);
  mkdirSync(root, { recursive: true });
  const temp = join(root, `.${manifest.id}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  try {
    for (const file of manifest.files) {
      const target = join(temp, file.path);
      mkdirSync(dirname(target), { recursive: true });
      const bytes = read(file.key);
      writeFileSync(target, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), { mode: file.mode });
    }
    writeFileSync(join(temp, COMPLETE_MARKER), manifest.id);
    try {
      renameSync(temp, dir);
    } catch (err) {
      // Another instance finished first (EEXIST/ENOTEMPTY; EPERM on Windows): use its copy.
      if (isComplete(dir, manifest)) return layout(dir, manifest, false);
      // A damaged leftover (files deleted by hand, a different build's marker): replace it.
      if (!existsSync(dir)) throw err;
      rmSync(dir, { recursive: true, force: true });
      renameSync(temp, dir);
    }
    return layout(dir, manifest, true);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
  getAsset(key: string, encoding: string): string;
}

/** node:sea, or undefined on a Node without it (before 20.12) — then this is certainly not a SEA. */
function seaModule(): SeaModule | undefined {
  try {
    // Resolved through a require of our own: a SEA's main script may require built-ins only, and
    // a static import would fail to start on Node versions that lack node:sea.
    return createRequire(process.execPath)('node:sea') as SeaModule;
  } catch {
    return undefined;
  }
}

/** The manifest, when this process is a packaged AuraLync (a SEA carrying one); undefined otherwise. */
export function packagedManifest(): AssetManifest | undefined {
  const sea = seaModule();
  if (sea === undefined || !sea.isSea()) return undefined;
  return parseManifest(sea.getAsset(MANIFEST_KEY, 'utf8'));
}

/**
 * The directory a packaged binary's files are written to ($AURALYNC_CACHE_DIR or the user cache dir,
 * then the manifest id). The bundle's `import.meta.url` points inside it (build/package.mjs), so code
 * resolving files relative to the app (package.json) finds the extracted copies.
 */
export function packagedDir(manifest: AssetManifest, env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheDir(env), manifest.id);
}

/** file: URL standing for the app's main module inside a packaged binary; undefined when not packaged. */
export function packagedModuleUrl(): string | undefined {
  try {
    const manifest = packagedManifest();
    return manifest === undefined ? undefined : pathToFileURL(join(packagedDir(manifest), 'app', 'main.js')).href;
  } catch {
    return undefined;
  }
}

/**
 * In a packaged binary: writes its files out (or finds them from an earlier start) and says where they
 * are. Never throws: a failure to write is reported in `problem` (file and pipe modes need none of it).
 * Outside a packaged binary: undefined.
 */
export function prepareSeaAssets(env: NodeJS.ProcessEnv = process.env): PackagedRuntime | undefined {
  const sea = seaModule();
  if (sea === undefined || !sea.isSea()) return undefined;
  const manifest = parseManifest(sea.getAsset(MANIFEST_KEY, 'utf8'));
  const dir = packagedDir(manifest, env);
  const expectedAddon = join(dir, manifest.audifyAddon ?? join('audify', 'not-in-this-build', 'audify.node'));
  const read: AssetReader = (key) => sea.getAsset(key);
  try {
    const assets = extractAssets(manifest, read, dirname(dir));
    return { manifest, assets, problem: undefined, audifyAddon: assets.audifyAddon ?? expectedAddon };
  } catch (err) {
    // No usable cache dir (read-only home, full disk): a private directory under the temp dir, not shared
    // with other users (a predictable shared path would let one plant files another then loads).
    try {
      const assets = extractAssets(manifest, read, join(tmpdir(), `auralync-${process.pid}-${randomBytes(4).toString('hex')}`));
      return { manifest, assets, problem: undefined, audifyAddon: assets.audifyAddon ?? expectedAddon };
    } catch {
      return { manifest, assets: undefined, problem: `cannot write ${dir}: ${describeError(err)}`, audifyAddon: expectedAddon };
    }
  }
}
