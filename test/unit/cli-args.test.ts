import assert from 'node:assert/strict';
import { parseCommand, parseHostAndPort } from '../../src/app/cli-args.js';
import { isAuraError } from '../../src/core/errors.js';

describe('command line', () => {
  it('parses host with defaults', () => {
    assert.deepEqual(parseCommand(['host']), {
      kind: 'host', port: 50007, name: undefined, device: undefined, input: undefined, codec: 'opus', maxListeners: 64, accessCode: undefined, statusEveryMs: 60_000,
    });
  });

  it('takes how often host and listen print their status in a log, 0 for never, and refuses a bad interval', () => {
    const host = parseCommand(['host', '--status-every', '5']);
    assert.ok(host.kind === 'host' && host.statusEveryMs === 5000);
    const listen = parseCommand(['listen', 'h', '--status-every', '0']);
    assert.ok(listen.kind === 'listen' && listen.statusEveryMs === 0);
    const byDefault = parseCommand(['listen', 'h']);
    assert.ok(byDefault.kind === 'listen' && byDefault.statusEveryMs === 60_000);
    for (const argv of [['host', '--status-every', '0.5'], ['host', '--status-every', '-1'], ['listen', 'h', '--status-every', 'often'], ['hosts', '--status-every', '5']]) {
      assert.throws(() => parseCommand(argv), (err: Error) => isAuraError(err, 'ERR_USAGE') && !err.message.includes('\n'), argv.join(' '));
    }
  });

  it('parses access codes and the listener cap, and refuses bad ones in one line', () => {
    const host = parseCommand(['host', '--code', 'auto', '--max-listeners', '5']);
    assert.ok(host.kind === 'host');
    assert.match(host.accessCode ?? '', /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.equal(host.maxListeners, 5);
    const listen = parseCommand(['listen', 'h', '--code', 'open-sesame']);
    assert.ok(listen.kind === 'listen' && listen.accessCode === 'open-sesame');
    const fromEnv = parseCommand(['listen', 'h'], { AURALYNC_CODE: 'k7qx-m2pd' });
    assert.ok(fromEnv.kind === 'listen' && fromEnv.accessCode === 'k7qx-m2pd');
    for (const argv of [['host', '--code', 'ab'], ['host', '--max-listeners', '0'], ['host', '--max-listeners', '2.5'], ['listen', 'h', '--code', 'x'], ['listen', 'h', '--v1', '--code', 'open-sesame']]) {
      assert.throws(() => parseCommand(argv), (err: Error) => isAuraError(err, 'ERR_USAGE') && !err.message.includes('\n'), argv.join(' '));
    }
  });

  it('parses listen with host:port, boost and latency', () => {
    const command = parseCommand(['listen', '127.0.0.1:6000', '--boost', '4', '--latency', '80', '--v1']);
    assert.equal(command.kind, 'listen');
    if (command.kind !== 'listen') return;
    assert.equal(command.port, 6000);
    assert.equal(command.boost, 4);
    assert.equal(command.latencyMs, 80);
    assert.equal(command.v1, true);
    assert.equal(command.twin, undefined, 'the twin connections are left to the listener (two for Opus)');
    const noTwin = parseCommand(['listen', 'h', '--no-twin']);
    assert.equal(noTwin.kind === 'listen' ? noTwin.twin : 'not listen', false);
    assert.throws(() => parseCommand(['host', '--no-twin']), /'host' does not take --no-twin/);
  });

  it('adapts the latency target by default, within --max-latency; a number fixes it', () => {
    const auto = parseCommand(['listen', 'h']);
    assert.ok(auto.kind === 'listen');
    assert.deepEqual(auto.adaptiveLatency, { minMs: 30, maxMs: 300 });
    const capped = parseCommand(['listen', 'h', '--max-latency', '120']);
    assert.ok(capped.kind === 'listen');
    assert.deepEqual(capped.adaptiveLatency, { minMs: 30, maxMs: 120 });
    const fixed = parseCommand(['listen', 'h', '--latency', '45']);
    assert.ok(fixed.kind === 'listen');
    assert.equal(fixed.adaptiveLatency, undefined);
    assert.equal(fixed.latencyMs, 45);
    assert.equal(fixed.leanOutput, false);
    assert.equal(auto.leanOutput, false);
    // A small fixed target asks for the least delay: the output path is trimmed as well.
    for (const [latency, lean] of [['20', true], ['5', true], ['21', false]] as const) {
      const command = parseCommand(['listen', 'h', '--latency', latency]);
      assert.ok(command.kind === 'listen');
      assert.equal(command.leanOutput, lean, `--latency ${latency}`);
    }
    assert.throws(() => parseCommand(['listen', 'h', '--latency', '45', '--max-latency', '90']), /--max-latency goes with --latency auto/);
    assert.throws(() => parseCommand(['listen', 'h', '--max-latency', '10']), /--max-latency must be a number from 30/);
  });

  it('splits IPv6 addresses', () => {
    assert.deepEqual(parseHostAndPort('[::1]:7000'), { host: '::1', port: 7000 });
    assert.deepEqual(parseHostAndPort('::1'), { host: '::1', port: 50007 });
  });

  it('gives one clear line for each kind of bad input', () => {
    const cases: [string[], RegExp][] = [
      [['host', '--port', '70000'], /70000 is out of range/],
      [['host', '--port', 'abc'], /not a number/],
      [['listen'], /exactly one HOST/],
      [['listen', 'h', '--boost', '11'], /--boost must be a number from 1 to 10/],
      [['host', '--codec', 'mp3'], /--codec must be opus or pcm/],
      [['host', '--device', 'x', '--input', 'y'], /either --device or --input/],
      [['frobnicate'], /unknown command/],
      [['host', '--bogus'], /bogus/],
      [['listen', 'h', '--input', 'x'], /does not take --input/],
    ];
    for (const [argv, pattern] of cases) {
      assert.throws(() => parseCommand(argv), (err) => isAuraError(err) && pattern.test(err.message) && !err.message.includes('\n'), argv.join(' '));
    }
  });

  it('has help and version', () => {
    assert.equal(parseCommand(['--help']).kind, 'help');
    assert.equal(parseCommand(['--version']).kind, 'version');
  });
});

describe('command line: discovery', () => {
  it('parses hosts with defaults, --watch, --timeout and --json', () => {
    assert.deepEqual(parseCommand(['hosts']), { kind: 'hosts', watch: false, lookMs: 3000, json: false });
    assert.deepEqual(parseCommand(['hosts', '--watch', '--timeout', '10']), { kind: 'hosts', watch: true, lookMs: 10_000, json: false });
    assert.deepEqual(parseCommand(['hosts', '--json', '--timeout', '0.5']), { kind: 'hosts', watch: false, lookMs: 500, json: true });
  });

  it('takes a display name (with spaces) for listen, and a look-up time', () => {
    const command = parseCommand(['listen', 'Living room', '--timeout', '5']);
    assert.ok(command.kind === 'listen');
    assert.equal(command.host, 'Living room');
    assert.equal(command.lookMs, 5000);
    const plain = parseCommand(['listen', '10.0.0.5']);
    assert.ok(plain.kind === 'listen' && plain.lookMs === 3000);
  });

  it('refuses bad hosts options with one line', () => {
    const cases: [string[], RegExp][] = [
      [['hosts', '--timeout', '0'], /--timeout must be a number from 0.2 to 600/],
      [['hosts', '--timeout', 'soon'], /--timeout/],
      [['hosts', '--watch', '--json'], /either --watch or --json/],
      [['hosts', 'extra'], /unexpected 'extra'/],
      [['hosts', '--port', '5'], /'hosts' does not take --port/],
      [['host', '--watch'], /'host' does not take --watch/],
    ];
    for (const [argv, pattern] of cases) {
      assert.throws(() => parseCommand(argv), (err) => isAuraError(err) && pattern.test(err.message) && !err.message.includes('\n'), argv.join(' '));
    }
  });

  it('mentions hosts, --watch and NAME in the help', async () => {
    const { USAGE } = await import('../../src/app/cli-args.js');
    for (const word of ['auralync hosts', '--watch', '--timeout', 'NAME']) assert.ok(USAGE.includes(word), word);
  });
});
