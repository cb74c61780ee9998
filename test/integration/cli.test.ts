/** The command line as a user meets it: real processes, real sockets on 127.0.0.1, real files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOffset, readWavS16, writeTestWav } from '../support/audio-files.js';
import { runCli, spawnCli, spawnCliOnTerminal, waitForOutput } from '../support/cli.js';
import { waitFor } from '../support/wait-for.js';
import { freePort } from '../support/free-port.js';


function oneLineError(result: { stderr: string }, pattern: RegExp): void {
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `exactly one line, got: ${result.stderr}`);
  assert.match(lines[0] as string, pattern);
  assert.doesNotMatch(result.stderr, /\s+at .+:\d+:\d+/, 'no stack trace');
}

describe('auralync command line', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auralync-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its version and help', async () => {
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^auralync \d+\.\d+\.\d+/);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const word of ['host', 'listen', 'devices', '--boost', '--v1']) assert.ok(help.stdout.includes(word), word);
  });

  it('refuses bad input with one line and a non-zero exit', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'not.wav'), 'this is not audio at all, just text');
    const cases: [string[], RegExp][] = [
      [['host', '--port', '70000'], /port 70000 is out of range/],
      [['host', '--input', join(dir, 'missing.wav'), '--port', String(port)], /cannot read input .*no such file/],
      [['host', '--input', join(dir, 'not.wav'), '--port', String(port)], /not a WAV|WAV/i],
      [['listen', `127.0.0.1:${port}`, '--output', join(dir, 'o.wav')], /cannot reach 127\.0\.0\.1:\d+: connection refused/],
      [['listen', '127.0.0.1', '--output', join(dir, 'no', 'such', 'dir.wav')], /cannot write output/],
      [['listen', 'x', '--boost', '0'], /--boost/],
      [['nonsense'], /unknown command/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(args);
      assert.notEqual(result.code, 0, args.join(' '));
      oneLineError(result, pattern);
    }
  });

  it('refuses a port that is already taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    writeTestWav(join(dir, 'in.wav'), { seconds: 1, kind: 'tones' });
    const result = await runCli(['host', '--input', join(dir, 'in.wav'), '--port', String(port)]);
    blocker.close();
    assert.equal(result.code, 1);
    oneLineError(result, /port \d+ is already in use/);
  });

  it('hosts a WAV file to a listener writing a file, bit-exact, and the host sees it leave when killed; in a log both print their status', async () => {
    const port = await freePort();
    const input = join(dir, 'in.wav');
    const output = join(dir, 'out.wav');
    const original = writeTestWav(input, { seconds: 20, kind: 'noise' });
    const host = spawnCli(['host', '--input', input, '--codec', 'pcm', '--port', String(port), '--name', 'Living room', '--status-every', '1']);
    let hostLog = '';
    host.stderr?.on('data', (b: Buffer) => (hostLog += b.toString()));
    try {
      await waitForOutput(host, /hosting 'Living room' on port \d+/, 10_000);
      const listener = spawnCli(['listen', `127.0.0.1:${port}`, '--output', output, '--name', 'Ann', '--status-every', '1']);
      await waitForOutput(host, /\+ Ann joined/, 10_000);
      await waitFor(() => statSync(output).size > 48_000 * 4, 10_000, 'a second of audio in the file');
      // stderr is a pipe here, as in a log: the status comes as plain lines, each listener's health under the host's.
      await waitForOutput(host, /hosting · 1 listener\(s\) · \d+ kb\/s · 0 drops\n {2}Ann: (latency unknown|\d+ ms), jitter \d+ ms, 0 underruns, 0 drops, drift [+-]?\d+ ppm\n/, 5_000);
      await waitForOutput(listener, /playing Living room .*· underruns 0 · missing 0\n/, 5_000);
      // A clean stop finalises the WAV header, and says what was received in one line.
      const summary = waitForOutput(listener, /stopped after \d+ s: .*\n/, 10_000);
      listener.kill('SIGINT');
      await new Promise((resolve) => listener.on('close', resolve));
      const out = readWavS16(output);
      const offset = findOffset(original, out.samples);
      assert.ok(offset >= 0 && out.samples.length >= 48_000 * 2, 'output is a run of the input');
      assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length));
      const written = readFileSync(output);
      assert.equal(written.readUInt32LE(40), written.length - 44, 'the stop wrote the data size into the header');
      // The host's log says how Ann fared as she leaves.
      const fared = /- Ann left \(left\); last heard: (latency unknown|\d+ ms), jitter \d+ ms, 0 underruns, 0 drops, drift [+-]?\d+ ppm\n/;
      await waitFor(() => fared.test(hostLog), 5_000, `${fared} in the host's log: ${hostLog.slice(-400)}`);
      const line = await summary;
      const match = /: ([\d.]+) s of audio received, 0 missing, 0 reconnects, jitter \d+ ms \(median\)\n$/.exec(line);
      assert.ok(match, `summary line: ${line}`);
      assert.ok(Math.abs(Number(match[1]) - out.samples.length / 2 / 48_000) <= 0.05, `${line.trim()} vs ${out.samples.length / 2 / 48_000} s in the file`);

      const victim = spawnCli(['listen', `127.0.0.1:${port}`, '--output', join(dir, 'victim.wav'), '--name', 'Bob']);
      await waitForOutput(host, /\+ Bob joined/, 10_000);
      const killedAt = Date.now();
      victim.kill('SIGKILL');
      await waitForOutput(host, /- Bob left/, 5_000);
      assert.ok(Date.now() - killedAt <= 5_000);
      assert.doesNotMatch(hostLog, /hosting · 0 listener/, 'no status in the log while nobody listens');
      assert.doesNotMatch(hostLog, /\x1b\[/, 'no terminal codes in a log');
    } finally {
      host.kill('SIGKILL');
    }
  });

  it("on a terminal, the host shows each listener's health under its status line, and the listener its own", async () => {
    const port = await freePort();
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: 30, kind: 'tones' });
    const host = spawnCliOnTerminal(['host', '--input', input, '--codec', 'pcm', '--port', String(port), '--name', 'Den']);
    let listener: ReturnType<typeof spawnCliOnTerminal> | undefined;
    const screens = { host: '', listener: '' };
    host.stdout?.on('data', (b: Buffer) => (screens.host += b.toString()));
    const plain = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    /** Waits for `pattern` on a screen; on a timeout, says what the screen showed. */
    const showing = async (screen: 'host' | 'listener', pattern: RegExp, timeoutMs: number) => {
      try {
        await waitFor(() => pattern.test(plain(screens[screen])), timeoutMs, `${pattern} on the ${screen}'s terminal`);
      } catch (err) {
        throw new Error(`${(err as Error).message}; it shows:\n${plain(screens[screen]).slice(-800)}`);
      }
    };
    try {
      await showing('host', /hosting 'Den' on port/, 10_000);
      listener = spawnCliOnTerminal(['listen', `127.0.0.1:${port}`, '--output', join(dir, 'out.wav'), '--name', 'Ann']);
      listener.stdout?.on('data', (b: Buffer) => (screens.listener += b.toString()));
      // The listener reports twice a second; its first reports come before it has a latency.
      const healthLine = /\n {2}Ann: (latency unknown|\d+ ms), jitter \d+ ms, 0 underruns, 0 drops, drift [+-]?\d+ ppm/;
      await showing('host', healthLine, 15_000);
      assert.match(plain(screens.host), /hosting · 1 listener\(s\) · \d+ kb\/s · 0 drops/);
      await showing('listener', /playing Den .*· jitter \d+ ms · underruns 0 · missing 0/, 10_000);
    } finally {
      listener?.kill('SIGKILL');
      host.kill('SIGKILL');
    }
  });

  it('with an access code: no code or a wrong one is refused in one line with no audio, v1 is refused and logged, the right code plays bit-exact', async () => {
    const port = await freePort();
    const input = join(dir, 'in.wav');
    const original = writeTestWav(input, { seconds: 20, kind: 'noise' });
    const host = spawnCli(['host', '--input', input, '--codec', 'pcm', '--port', String(port), '--name', 'Den', '--code', 'auto']);
    let hostOutput = '';
    host.stderr?.on('data', (bytes: Buffer) => (hostOutput += bytes.toString()));
    try {
      const shown = await waitForOutput(host, /access code: [0-9A-Z]{4}-[0-9A-Z]{4}/, 10_000);
      const code = shown.slice('access code: '.length);
      const listen = (name: string, extra: string[], env: NodeJS.ProcessEnv = {}) =>
        runCli(['listen', `127.0.0.1:${port}`, '--output', join(dir, `${name}.wav`), '--name', name, ...extra], 15_000, env);

      const none = await listen('none', []);
      assert.equal(none.code, 1);
      oneLineError(none, /^error: this host requires an access code \(give it with --code, or AURALYNC_CODE\)$/);
      const wrong = await listen('wrong', ['--code', 'ZZZZ-ZZZZ']);
      assert.equal(wrong.code, 1);
      oneLineError(wrong, /^error: the host refused: wrong access code$/);
      for (const name of ['none', 'wrong']) assert.equal(statSync(join(dir, `${name}.wav`)).size, 44, `${name}: a WAV header and no audio`);

      const v1Bytes = await new Promise<number>((resolve) => {
        let received = 0;
        const socket = connect({ host: '127.0.0.1', port });
        socket.on('data', (bytes) => (received += bytes.length));
        socket.on('error', () => {});
        socket.on('close', () => resolve(received));
        setTimeout(() => socket.destroy(), 5000);
      });
      assert.equal(v1Bytes, 0, 'an original v1 client gets nothing');
      await waitFor(() => /refused .*: an access code is set and original v1 clients cannot prove they know it/.test(hostOutput), 5000, 'the host to say why');
      assert.match(hostOutput, /refused .*: wrong access code/);

      const output = join(dir, 'right.wav');
      const listener = spawnCli(['listen', `127.0.0.1:${port}`, '--output', output, '--name', 'Ann'], { AURALYNC_CODE: code.toLowerCase() });
      await waitForOutput(host, /\+ Ann joined/, 10_000);
      await waitFor(() => statSync(output).size > 48_000 * 4, 10_000, 'a second of audio in the file');
      listener.kill('SIGINT');
      await new Promise((resolve) => listener.on('close', resolve));
      const out = readWavS16(output);
      const offset = findOffset(original, out.samples);
      assert.ok(offset >= 0 && out.samples.length >= 48_000 * 2, 'output is a run of the input');
      assert.deepEqual(out.samples, original.subarray(offset, offset + out.samples.length), 'decrypted bit-exact');
    } finally {
      host.kill('SIGKILL');
    }
  });

  it('a listener given a code refuses a host that does not ask for it, in one line', async () => {
    const port = await freePort();
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: 10, kind: 'tones' });
    const host = spawnCli(['host', '--input', input, '--codec', 'pcm', '--port', String(port), '--name', 'Impostor']);
    try {
      await waitForOutput(host, /hosting 'Impostor'/, 10_000);
      const result = await runCli(['listen', `127.0.0.1:${port}`, '--output', join(dir, 'out.wav'), '--code', 'K7QX-M2PD']);
      assert.equal(result.code, 1);
      oneLineError(result, /^error: this host did not ask for the access code, so it may not be the host you meant/);
      assert.equal(statSync(join(dir, 'out.wav')).size, 44, 'nothing played');
    } finally {
      host.kill('SIGKILL');
    }
  });
});
