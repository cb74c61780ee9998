/** How a packaged binary writes its embedded files out (sea-assets.ts), on real temp dirs with a fake asset store. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, type AssetManifest } from '../../src/adapters/packaging/asset-manifest.js';
import { userCacheDir } from '../../src/adapters/packaging/cache-dir.js';
import { COMPLETE_MARKER, extractAssets, prepareSeaAssets } from '../../src/adapters/packaging/sea-assets.js';

const store = new Map<string, Buffer>([
  ['audify/audify.node', Buffer.from('pretend ELF addon')],
  ['audify/librtaudio.so.8', Buffer.from('pretend library')],
  ['package.json', Buffer.from('{"name":"auralync","version":"9.9.9"}')],
]);

function manifest(id = '0123456789abcdef'): AssetManifest {
  return {
    format: 1,
    id,
    version: '9.9.9',
    platform: 'linux',
    files: [...store].map(([key, bytes]) => ({ key, path: key, mode: key.startsWith('audify/') ? 0o755 : 0o644, bytes: bytes.length })),
    audifyAddon: 'audify/audify.node',
  };
}

describe('packaged binary: writing embedded files out', () => {
  let root: string;
  let reads: string[];
  const read = (key: string) => {
    reads.push(key);
    return store.get(key) as Buffer;
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'auralync-sea-'));
    reads = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes every file once, with its mode, into a directory named by the content id', () => {
    const first = extractAssets(manifest(), read, root);
    assert.equal(first.wrote, true);
    assert.equal(first.dir, join(root, '0123456789abcdef'));
    assert.equal(first.audifyAddon, join(first.dir, 'audify', 'audify.node'));
    assert.equal(readFileSync(first.path('audify/audify.node'), 'utf8'), 'pretend ELF addon');
    if (process.platform !== 'win32') {
      assert.equal(statSync(first.path('audify/librtaudio.so.8')).mode & 0o777, 0o755);
      assert.equal(statSync(first.path('package.json')).mode & 0o777, 0o644);
    }
    assert.equal(readFileSync(join(first.dir, COMPLETE_MARKER), 'utf8'), '0123456789abcdef');
    assert.deepEqual(readdirSync(root), ['0123456789abcdef'], 'no temp dir left behind');
  });

  it('reuses a complete directory without reading or writing anything', () => {
    extractAssets(manifest(), read, root);
    const mtime = statSync(join(root, '0123456789abcdef', 'audify', 'audify.node')).mtimeMs;
    reads = [];
    const again = extractAssets(manifest(), read, root);
    assert.equal(again.wrote, false);
    assert.deepEqual(reads, []);
    assert.equal(statSync(again.path('audify/audify.node')).mtimeMs, mtime);
  });

  it('writes again when a file was truncated or the marker is missing', () => {
    const first = extractAssets(manifest(), read, root);
    truncateSync(first.path('audify/audify.node'), 3);
    assert.equal(extractAssets(manifest(), read, root).wrote, true);
    assert.equal(readFileSync(first.path('audify/audify.node'), 'utf8'), 'pretend ELF addon');
    rmSync(join(first.dir, COMPLETE_MARKER));
    assert.equal(extractAssets(manifest(), read, root).wrote, true);
    assert.deepEqual(readdirSync(root), ['0123456789abcdef']);
  });

  it('keeps builds apart: another content id gets its own directory', () => {
    extractAssets(manifest('0123456789abcdef'), read, root);
    extractAssets(manifest('fedcba9876543210'), read, root);
    assert.deepEqual(readdirSync(root).sort(), ['0123456789abcdef', 'fedcba9876543210']);
  });

  it('does nothing outside a single-executable binary', () => {
    assert.equal(prepareSeaAssets(), undefined);
  });

  it('refuses a manifest that would write outside its directory or is malformed', () => {
    const good = manifest();
    assert.deepEqual(parseManifest(JSON.stringify(good)), good);
    for (const path of ['../evil', '/etc/passwd', 'a/../../b', 'C:/x', 'a\\b', '']) {
      const bad = { ...good, files: [{ key: 'k', path, mode: 0o644, bytes: 1 }], audifyAddon: undefined };
      assert.throws(() => parseManifest(JSON.stringify(bad)), /damaged/, path);
    }
    assert.throws(() => parseManifest('not json'), /damaged/);
    assert.throws(() => parseManifest(JSON.stringify({ ...good, format: 2 })), /format 2/);
    assert.throws(() => parseManifest(JSON.stringify({ ...good, audifyAddon: 'audify/other.node' })), /addon/);
  });

  it('puts the cache under the platform user cache dir, or AURALYNC_CACHE_DIR', () => {
    assert.equal(userCacheDir({ AURALYNC_CACHE_DIR: '/x/c' }, 'linux', '/home/u'), '/x/c');
    assert.equal(userCacheDir({}, 'linux', '/home/u'), join('/home/u', '.cache', 'auralync'));
    assert.equal(userCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u'), join('/xdg', 'auralync'));
    assert.equal(userCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u'), join('/home/u', '.cache', 'auralync'));
    assert.equal(userCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), join('C:\\Users\\u\\AppData\\Local', 'auralync', 'cache'));
    assert.equal(userCacheDir({}, 'darwin', '/Users/u'), join('/Users/u', 'Library', 'Caches', 'auralync'));
  });
});
