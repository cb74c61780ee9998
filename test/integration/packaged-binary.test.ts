/**
 * The single binaries `npm run package` makes (docs/packaging.md), used as a user would: a copy in a
 * temp dir, started from a cwd outside the repo, with no node_modules anywhere on its paths. The Linux
 * binary streams a WAV file bit-exact and lists PulseAudio devices through the addon it carries; the
 * Windows .exe is checked for the parts a SEA needs, and run under Wine when Wine is installed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOffset, readWavS16, writeTestWav } from '../support/audio-files.js';
import { startPulse, stopPulse, type PulseEnv } from '../support/pulse.js';
import { waitFor } from '../support/wait-for.js';
import { freePort } from '../support/free-port.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dist = join(repo, 'dist');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const packageVersion = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

interface ManifestFile {
  key: string;
  path: string;
  mode: number;
  bytes: number;
}
interface Manifest {
  id: string;
  version: string;
  platform: string;
  files: ManifestFile[];
  audifyAddon?: string;
}

/** An environment with nothing of the repo or of Node's module lookup in it. */
function cleanEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^(NODE_|npm_|INIT_CWD$)/i.test(key)) delete env[key];
  env.PATH = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules') && !p.startsWith(repo)).join(delimiter);
  env.HOME = join(dir, 'home');
  env.AURALYNC_CACHE_DIR = join(dir, 'cache');
  env.AURALYNC_DISCOVERY = 'off';
  return { ...env, ...extra };
}


/** Collects a child's stderr; resolves when a line matches. */
function waitForStderr(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr: ${seen.slice(-600)}`)), timeoutMs);
    child.stderr?.on('data', (bytes: Buffer) => {
      seen += bytes.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
}

/** Finds the embedded manifest (JSON, stored as-is inside the SEA blob) in a binary. */
function embeddedManifest(binary: Buffer): Manifest {
  const start = binary.indexOf('{"format":1,"id":"');
  assert.ok(start >= 0, 'manifest asset present');
  let depth = 0;
  let end = start;
  for (; end < binary.length; end++) {
    const c = binary[end];
    if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) break;
  }
  return JSON.parse(binary.toString('utf8', start, end + 1)) as Manifest;
}

/**
 * An asset's bytes inside a SEA blob, found by its record: key length (u64 LE), key, data length (u64 LE),
 * data (Node 20's SeaSerializer). Undefined when no record with that key and size is there.
 */
function embeddedAsset(binary: Buffer, file: ManifestFile): Buffer | undefined {
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const record = Buffer.concat([u64(Buffer.byteLength(file.key)), Buffer.from(file.key), u64(file.bytes)]);
  const at = binary.indexOf(record);
  return at < 0 ? undefined : binary.subarray(at + record.length, at + record.length + file.bytes);
}

describe('packaged single binaries (npm run package)', function () {
  this.timeout(120_000);
  let dir: string;
  let linuxBin: string;

  before(function () {
    // Building both binaries from cold (Node binaries from npm, the Windows addon cross-built) takes
    // 2-3 minutes; when dist/ is already up to date (.ci/run or a developer ran it) this takes seconds.
    this.timeout(12 * 60_000);
    const build = spawnSync(process.execPath, [join(repo, 'build', 'package.mjs')], { cwd: repo, encoding: 'utf8', timeout: 11 * 60_000 });
    assert.equal(build.status, 0, `npm run package failed:\n${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'auralync-packaged-'));
    mkdirSync(join(dir, 'home'));
    mkdirSync(join(dir, 'cwd'));
    linuxBin = join(dir, 'auralync-linux-x64');
    copyFileSync(join(dist, 'auralync-linux-x64'), linuxBin);
    spawnSync('chmod', ['755', linuxBin]);
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(linuxBin, args, { cwd: join(dir, 'cwd'), env: cleanEnv(dir, extraEnv), encoding: 'utf8', timeout: 30_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function start(args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
    return spawn(linuxBin, args, { cwd: join(dir, 'cwd'), env: cleanEnv(dir, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  }

  it('Linux: prints its version, writes its files once to a content-hashed cache dir, and reuses them', () => {
    const first = run(['--version']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, `auralync ${packageVersion}\n`);
    assert.equal(first.stderr, '', 'nothing on stderr (no SEA warning)');
    const manifest = embeddedManifest(readFileSync(linuxBin));
    const extracted = join(dir, 'cache', manifest.id);
    assert.equal(readFileSync(join(extracted, '.complete'), 'utf8'), manifest.id);
    assert.ok(manifest.audifyAddon !== undefined, 'the Linux build carries audify');
    for (const name of ['audify/audify.node', 'audify/librtaudio.so.8', 'audify/libopus.so.0']) {
      assert.equal(statSync(join(extracted, name)).mode & 0o777, 0o755, name);
    }
    const before = statSync(join(extracted, 'audify', 'audify.node')).mtimeMs;
    const second = run(['--version']);
    assert.equal(second.status, 0);
    assert.equal(statSync(join(extracted, 'audify', 'audify.node')).mtimeMs, before, 'the second start rewrote nothing');
    assert.deepEqual(readdirSync(join(dir, 'cache')), [manifest.id], 'no leftover temp dirs');
  });

  it('Linux: hosts a WAV file to a listener writing a file, bit-exact', async () => {
    const port = await freePort();
    const input = join(dir, 'in.wav');
    const output = join(dir, 'out.wav');
    const original = writeTestWav(input, { seconds: 10, kind: 'noise' });
    const host = start(['host', '--input', input, '--codec', 'pcm', '--port', String(port), '--name', 'Packaged']);
    try {
      await waitForStderr(host, /hosting 'Packaged' on port \d+/, 10_000);
      const listener = start(['listen', `127.0.0.1:${port}`, '--output', output, '--name', 'Ann']);
      await waitFor(() => existsSync(output) && statSync(output).size > 48_000 * 4, 10_000, 'a second of audio in the file');
      // A clean stop in the bundle too: the summary line, and the WAV header's sizes written.
      const summary = waitForStderr(listener, /stopped after \d+ s: [\d.]+ s of audio received, 0 missing/, 10_000);
      listener.kill('SIGINT');
      await new Promise((resolve) => listener.on('close', resolve));
      await summary;
      const written = readFileSync(output);
      assert.equal(written.readUInt32LE(40), written.length - 44, 'the stop wrote the data size into the header');
      const out = readWavS16(output);
      const offset = findOffset(original, out.samples);
      assert.ok(offset >= 0 && out.samples.length >= 48_000 * 2, 'output is a run of the input');
      assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length));
    } finally {
      host.kill('SIGKILL');
    }
  });

  it('Linux: streams Opus, decoded by the opusscript wasm it carries', async () => {
    const port = await freePort();
    const input = join(dir, 'tones.wav');
    const output = join(dir, 'opus.wav');
    writeTestWav(input, { seconds: 10, kind: 'tones' });
    const host = start(['host', '--input', input, '--codec', 'opus', '--port', String(port), '--name', 'Packaged']);
    try {
      await waitForStderr(host, /hosting 'Packaged' on port \d+/, 10_000);
      const listener = start(['listen', `127.0.0.1:${port}`, '--output', output, '--name', 'Opus ear']);
      const joined = await waitForStderr(host, /\+ Opus ear joined from \S+ \((\w+)\)/, 10_000);
      assert.match(joined, /\(opus\)$/, 'the listener asked for Opus: it can decode it');
      await waitFor(() => existsSync(output) && statSync(output).size > 48_000 * 4, 10_000, 'a second of audio in the file');
      listener.kill('SIGINT');
      await new Promise((resolve) => listener.on('close', resolve));
      const out = readWavS16(output);
      const left = Float64Array.from({ length: out.samples.length / 2 }, (_, i) => (out.samples[2 * i] as number) / 32768);
      const rms = Math.sqrt(left.reduce((sum, v) => sum + v * v, 0) / left.length);
      assert.ok(rms > 0.15 && rms < 0.4, `decoded audio has the tones' level (RMS ${rms.toFixed(3)})`);
    } finally {
      host.kill('SIGKILL');
    }
  });

  describe('with a private PulseAudio', function () {
    let pulse: PulseEnv;
    before(async function () {
      this.timeout(40_000);
      pulse = await startPulse();
    });
    after(async function () {
      this.timeout(40_000);
      await stopPulse();
    });

    it('Linux: lists the PulseAudio monitor through the audify addon it carries', () => {
      const result = run(['devices', '--json'], { ...pulse });
      assert.equal(result.status, 0, result.stderr);
      const devices = JSON.parse(result.stdout) as { kind: string; name: string }[];
      assert.ok(devices.some((d) => d.kind === 'capture' && d.name === 'Monitor of al_src'), result.stdout);
    });

    it('Linux: captures from the extracted addon, not from any node_modules', async function () {
      if (!existsSync('/proc/self/maps')) this.skip();
      const manifest = embeddedManifest(readFileSync(linuxBin));
      const host = start(['host', '--device', 'Monitor of al_src', '--port', String(await freePort())], { ...pulse });
      try {
        await waitForStderr(host, /hosting '.*' on port \d+/, 15_000);
        const maps = readFileSync(`/proc/${host.pid}/maps`, 'utf8');
        const extracted = join(dir, 'cache', manifest.id, 'audify');
        for (const name of ['audify.node', 'librtaudio.so.8', 'libopus.so.0']) assert.ok(maps.includes(join(extracted, name)), `${name} mapped from ${extracted}`);
        assert.ok(!maps.includes('node_modules'), 'nothing mapped from a node_modules');
      } finally {
        host.kill('SIGKILL');
      }
    });

    it('Windows: runs under Wine: version, and WASAPI devices through the cross-built addon', async function () {
      const wine = spawnSync('wine', ['--version'], { encoding: 'utf8' });
      if (wine.error !== undefined || wine.status !== 0) {
        // Optional: build/setup-system.sh test installs wine; without it only the structure is checked.
        this.skip();
      }
      this.timeout(90_000);
      const exe = join(dir, 'auralync-win-x64.exe');
      copyFileSync(join(dist, 'auralync-win-x64.exe'), exe);
      const prefix = join(dir, 'wine');
      const env: NodeJS.ProcessEnv = { ...cleanEnv(dir, { ...pulse }), WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
      delete env.AURALYNC_CACHE_DIR; // the exe uses %LOCALAPPDATA% inside the Wine prefix
      const boot = spawnSync('wineboot', ['-i'], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(boot.status, 0, `wineboot: ${boot.stderr}`);
      // Node refuses Windows 7, Wine's default.
      spawnSync('wine', ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], { env, timeout: 30_000 });
      // Under Wine, stdout must be a file, not a pipe (EBADF).
      const runExe = (args: string[], name: string) => {
        const out = join(dir, `${name}.out`);
        const result = spawnSync('sh', ['-c', 'exec wine "$0" "$@" >"$OUT" 2>"$OUT.err"', exe, ...args], {
          cwd: join(dir, 'cwd'), env: { ...env, OUT: out }, timeout: 30_000,
        });
        return { status: result.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(`${out}.err`, 'utf8') };
      };
      const version = runExe(['--version'], 'wine-version');
      assert.equal(version.status, 0, version.stderr);
      assert.equal(version.stdout.trim(), `auralync ${packageVersion}`);
      const devices = runExe(['devices', '--json'], 'wine-devices');
      // wineserver outlives the last Wine process by seconds, writing into the prefix: end it before the
      // temp dir is removed (it once made that removal fail with ENOTEMPTY).
      spawnSync('wineserver', ['-k'], { env, timeout: 10_000 });
      assert.equal(devices.status, 0, devices.stderr);
      const list = JSON.parse(devices.stdout) as { kind: string; name: string }[];
      // Wine's WASAPI (winepulse) shows PulseAudio sinks as render devices: AuraLync offers them for loopback capture.
      assert.ok(list.some((d) => d.kind === 'capture' && d.name === 'al_src'), devices.stdout);
    });
  });

  it('Windows: the .exe is a PE with the SEA fuse flipped, its blob resource, and every asset inside', () => {
    const exe = readFileSync(join(dist, 'auralync-win-x64.exe'));
    assert.equal(exe.toString('latin1', 0, 2), 'MZ');
    const pe = exe.readUInt32LE(0x3c);
    assert.equal(exe.toString('latin1', pe, pe + 4), 'PE\0\0');
    assert.equal(exe.readUInt16LE(pe + 4), 0x8664, 'x86-64');
    assert.ok(exe.includes(`${SEA_FUSE}:1`), 'fuse flipped');
    assert.ok(!exe.includes(`${SEA_FUSE}:0`), 'no unflipped fuse left');
    assert.ok(exe.includes(Buffer.from('NODE_SEA_BLOB', 'utf16le')), 'NODE_SEA_BLOB resource named in the resource directory');
    const security = pe + 24 + 112 + 4 * 8;
    assert.equal(exe.readUInt32LE(security + 4), 0, 'no broken Authenticode signature left');
    const manifest = embeddedManifest(exe);
    assert.equal(manifest.platform, 'win32');
    assert.equal(manifest.version, packageVersion);
    assert.equal(manifest.audifyAddon, 'audify/audify.node');
    for (const file of manifest.files) assert.ok(embeddedAsset(exe, file) !== undefined, `asset ${file.key} (${file.bytes} bytes)`);
    // The cross-built addon: an x86-64 PE DLL exporting the Node-API entry point, with RtAudio's WASAPI
    // code (Media Foundation), and no import from a DLL called node.exe (a SEA binary has another name).
    const addon = embeddedAsset(exe, manifest.files.find((f) => f.path === manifest.audifyAddon) as ManifestFile) as Buffer;
    assert.equal(addon.toString('latin1', 0, 2), 'MZ');
    const addonPe = addon.readUInt32LE(0x3c);
    assert.equal(addon.toString('latin1', addonPe, addonPe + 4), 'PE\0\0');
    assert.equal(addon.readUInt16LE(addonPe + 4), 0x8664, 'x86-64');
    assert.ok((addon.readUInt16LE(addonPe + 22) & 0x2000) !== 0, 'a DLL');
    assert.ok(addon.includes('napi_register_module_v1'));
    assert.ok(addon.includes('MFPlat.DLL'), 'RtAudio WASAPI (Media Foundation) linked in');
    assert.ok(!addon.toString('latin1').toLowerCase().includes('node.exe'), 'no import from node.exe');
  });
});
