/** Start at login: the XDG and macOS writers against temporary homes, the Windows writer by the reg.exe command lines it runs. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autostartFor, HIDDEN_FLAG, UnsupportedAutostart } from '../../src/adapters/desktop/autostart-for-platform.js';
import { MacLaunchAgentAutostart } from '../../src/adapters/desktop/macos-launch-agent.js';
import { RUN_KEY, windowsCommandLine, WindowsRunKeyAutostart } from '../../src/adapters/desktop/windows-run-key.js';
import { XdgAutostart } from '../../src/adapters/desktop/xdg-autostart.js';
import { isAuraError } from '../../src/core/errors.js';
import type { CommandResult, CommandRunner } from '../../src/ports/desktop.js';

/**
 * Splits an Exec value back into argv the way a desktop does (Desktop Entry spec: the value's escapes
 * first, then the quoting rules), so the test checks what would really be started.
 */
function parseExec(value: string): string[] {
  const unescaped = value.replace(/\\(.)/g, (_, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] ?? `\\${c}`).replace(/%%/g, '%');
  const args: string[] = [];
  let i = 0;
  while (i < unescaped.length) {
    if (unescaped[i] === ' ') {
      i++;
      continue;
    }
    let arg = '';
    if (unescaped[i] === '"') {
      i++;
      while (i < unescaped.length && unescaped[i] !== '"') {
        if (unescaped[i] === '\\' && i + 1 < unescaped.length) i++;
        arg += unescaped[i++];
      }
      i++;
    } else {
      while (i < unescaped.length && unescaped[i] !== ' ') arg += unescaped[i++];
    }
    args.push(arg);
  }
  return args;
}

class RecordingRunner implements CommandRunner {
  readonly calls: { command: string; args: readonly string[] }[] = [];
  constructor(private readonly answer: (args: readonly string[]) => CommandResult) {}
  async run(command: string, args: readonly string[]): Promise<CommandResult> {
    this.calls.push({ command, args });
    return this.answer(args);
  }
}

describe('start at login', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'auralync-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  describe('Linux (XDG autostart)', () => {
    const command = ['/opt/Aura Lync/bin/node', '/opt/Aura Lync/out/src/main.js', HIDDEN_FLAG];

    it('writes ~/.config/autostart/auralync.desktop with a quoted Exec, reads it back, removes it', async () => {
      const autostart = autostartFor({ launch: command.slice(0, 2), platform: 'linux', env: {}, home });
      assert.equal(autostart.location, join(home, '.config', 'autostart', 'auralync.desktop'));
      assert.equal(await autostart.isEnabled(), false);
      await autostart.setEnabled(true);
      assert.equal(await autostart.isEnabled(), true);
      const text = readFileSync(autostart.location, 'utf8');
      assert.match(text, /^\[Desktop Entry\]\nType=Application\nName=AuraLync\n/);
      const exec = /^Exec=(.*)$/m.exec(text)?.[1] ?? '';
      assert.equal(exec, '"/opt/Aura Lync/bin/node" "/opt/Aura Lync/out/src/main.js" "--hidden"');
      assert.deepEqual(parseExec(exec), command);
      await autostart.setEnabled(false);
      assert.equal(existsSync(autostart.location), false);
      assert.equal(await autostart.isEnabled(), false);
      await autostart.setEnabled(false); // removing twice is fine
    });

    it('honours XDG_CONFIG_HOME (and ignores a relative one, as the spec says)', async () => {
      const xdg = join(home, 'xdg');
      const absolute = autostartFor({ launch: ['/usr/bin/auralync'], platform: 'linux', env: { XDG_CONFIG_HOME: xdg }, home });
      assert.equal(absolute.location, join(xdg, 'autostart', 'auralync.desktop'));
      await absolute.setEnabled(true);
      assert.ok(existsSync(join(xdg, 'autostart', 'auralync.desktop')));
      const relative = autostartFor({ launch: ['/usr/bin/auralync'], platform: 'linux', env: { XDG_CONFIG_HOME: 'xdg' }, home });
      assert.equal(relative.location, join(home, '.config', 'autostart', 'auralync.desktop'));
    });

    it('quotes the characters the spec reserves, so odd paths survive', async () => {
      const odd = ['/home/o"brien/$HOME/`x`/back\\slash/100%/node', '--hidden'];
      const autostart = new XdgAutostart({ configHome: home, id: 'auralync', command: odd });
      await autostart.setEnabled(true);
      const exec = /^Exec=(.*)$/m.exec(readFileSync(autostart.location, 'utf8'))?.[1] ?? '';
      assert.deepEqual(parseExec(exec), odd);
      assert.match(exec, /100%%/);
    });

    it('an entry a desktop switched off (Hidden=true or X-GNOME-Autostart-enabled=false) reads as off', async () => {
      const autostart = new XdgAutostart({ configHome: home, id: 'auralync', command: ['/usr/bin/auralync', '--hidden'] });
      mkdirSync(join(home, 'autostart'), { recursive: true });
      writeFileSync(autostart.location, '[Desktop Entry]\nType=Application\nExec=auralync\nHidden=true\n');
      assert.equal(await autostart.isEnabled(), false);
      writeFileSync(autostart.location, '[Desktop Entry]\nType=Application\nExec=auralync\nX-GNOME-Autostart-enabled=false\n');
      assert.equal(await autostart.isEnabled(), false);
      writeFileSync(autostart.location, '[Desktop Entry]\nType=Application\nExec=/old/path/auralync\n');
      assert.equal(await autostart.isEnabled(), true, 'an entry from an older install still starts AuraLync');
    });

    it('a place it cannot write: ERR_FILE', async () => {
      writeFileSync(join(home, 'autostart'), 'a file where the folder should be');
      const autostart = new XdgAutostart({ configHome: home, id: 'auralync', command: ['/usr/bin/auralync'] });
      await assert.rejects(autostart.setEnabled(true), (err) => isAuraError(err, 'ERR_FILE'));
    });
  });

  describe('Windows (HKCU Run key through reg.exe)', () => {
    const exe = 'C:\\Program Files\\AuraLync\\auralync.exe';

    it('adds the value "<exe>" --hidden with exactly this reg.exe command line', async () => {
      const runner = new RecordingRunner(() => ({ code: 0, stdout: 'The operation completed successfully.', stderr: '' }));
      const autostart = autostartFor({ launch: [exe], platform: 'win32', runner });
      await autostart.setEnabled(true);
      assert.deepEqual(runner.calls, [
        {
          command: 'reg.exe',
          args: ['add', 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run', '/v', 'AuraLync', '/t', 'REG_SZ', '/d', '"C:\\Program Files\\AuraLync\\auralync.exe" --hidden', '/f'],
        },
      ]);
      assert.equal(autostart.location, `${RUN_KEY}\\AuraLync`);
    });

    it('reads the value back with reg query', async () => {
      const present = new RecordingRunner(() => ({
        code: 0,
        stdout: `\r\n${RUN_KEY}\r\n    AuraLync    REG_SZ    "${exe}" --hidden\r\n\r\n`,
        stderr: '',
      }));
      const autostart = new WindowsRunKeyAutostart({ runner: present, valueName: 'AuraLync', command: [exe, '--hidden'] });
      assert.equal(await autostart.isEnabled(), true);
      assert.deepEqual(present.calls[0], { command: 'reg.exe', args: ['query', RUN_KEY, '/v', 'AuraLync'] });
      const absent = new RecordingRunner(() => ({ code: 1, stdout: '', stderr: 'ERROR: The system was unable to find the specified registry key or value.' }));
      assert.equal(await new WindowsRunKeyAutostart({ runner: absent, valueName: 'AuraLync', command: [exe] }).isEnabled(), false);
    });

    it('removes it with reg delete; a value already gone is fine', async () => {
      const runner = new RecordingRunner((args) => (args[0] === 'delete' ? { code: 1, stdout: '', stderr: 'ERROR: not found' } : { code: 1, stdout: '', stderr: '' }));
      const autostart = new WindowsRunKeyAutostart({ runner, valueName: 'AuraLync', command: [exe, '--hidden'] });
      await autostart.setEnabled(false);
      assert.deepEqual(runner.calls.map((c) => c.args), [
        ['delete', RUN_KEY, '/v', 'AuraLync', '/f'],
        ['query', RUN_KEY, '/v', 'AuraLync'],
      ]);
    });

    it('reg.exe refusing: ERR_FILE with its message', async () => {
      const runner = new RecordingRunner(() => ({ code: 1, stdout: '', stderr: 'ERROR: Access is denied.\r\n' }));
      const autostart = new WindowsRunKeyAutostart({ runner, valueName: 'AuraLync', command: [exe, '--hidden'] });
      await assert.rejects(autostart.setEnabled(true), (err) => isAuraError(err, 'ERR_FILE') && /Access is denied/.test(err.message));
    });

    it('quotes a node + script launch by Windows command-line rules', () => {
      assert.equal(windowsCommandLine(['C:\\Program Files\\nodejs\\node.exe', 'C:\\Users\\Jo Ann\\auralync\\out\\src\\main.js', '--hidden']), '"C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\Jo Ann\\auralync\\out\\src\\main.js" --hidden');
      assert.equal(windowsCommandLine(['C:\\a\\b.exe', 'ends with\\', 'say "hi"']), '"C:\\a\\b.exe" "ends with\\\\" "say \\"hi\\""');
    });
  });

  describe('macOS (LaunchAgent)', () => {
    it('writes ~/Library/LaunchAgents/app.auralync.plist with ProgramArguments and RunAtLoad', async () => {
      const autostart = autostartFor({ launch: ['/Applications/Aura & Lync.app/Contents/MacOS/auralync'], platform: 'darwin', home });
      assert.ok(autostart instanceof MacLaunchAgentAutostart);
      assert.equal(autostart.location, join(home, 'Library', 'LaunchAgents', 'app.auralync.plist'));
      await autostart.setEnabled(true);
      assert.equal(await autostart.isEnabled(), true);
      const plist = readFileSync(autostart.location, 'utf8');
      assert.match(plist, /<key>Label<\/key><string>app\.auralync<\/string>/);
      assert.match(plist, /<string>\/Applications\/Aura &amp; Lync\.app\/Contents\/MacOS\/auralync<\/string>\n\s*<string>--hidden<\/string>/);
      assert.match(plist, /<key>RunAtLoad<\/key><true\/>/);
      await autostart.setEnabled(false);
      assert.equal(await autostart.isEnabled(), false);
    });
  });

  it('elsewhere: unsupported, off, and says so', async () => {
    const autostart = autostartFor({ launch: ['x'], platform: 'aix' });
    assert.ok(autostart instanceof UnsupportedAutostart);
    assert.equal(autostart.supported, false);
    assert.equal(await autostart.isEnabled(), false);
    await assert.rejects(autostart.setEnabled(true), /not supported/);
  });
});
