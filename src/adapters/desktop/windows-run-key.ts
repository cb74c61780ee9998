/**
 * Start at login on Windows: a REG_SZ value `"<exe>" --hidden` under
 * HKCU\Software\Microsoft\Windows\CurrentVersion\Run, written and read with reg.exe (no native addon).
 */
import { AuraError } from '../../core/errors.js';
import type { Autostart, CommandRunner } from '../../ports/desktop.js';

/** The per-user Run key. */
export const RUN_KEY = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run';

/** Options of a WindowsRunKeyAutostart. */
export interface WindowsRunKeyOptions {
  readonly runner: CommandRunner;
  /** Registry value name. */
  readonly valueName: string;
  /** Program and arguments to run at login. */
  readonly command: readonly string[];
  /** reg.exe to run (default: found on PATH). */
  readonly regExe?: string;
}

/** A Windows command line: the program and any argument with a space or quote in double quotes. */
export function windowsCommandLine(command: readonly string[]): string {
  return command
    .map((arg, i) => {
      if (i > 0 && arg !== '' && !/[\s"]/.test(arg)) return arg;
      // CommandLineToArgvW rules: backslashes before a quote are doubled, quotes get a backslash.
      return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
    })
    .join(' ');
}

/** Run key entry through reg.exe. */
export class WindowsRunKeyAutostart implements Autostart {
  readonly supported = true;
  readonly location: string;
  private readonly regExe: string;

  constructor(private readonly options: WindowsRunKeyOptions) {
    if (options.command.length === 0) throw new RangeError('command must not be empty');
    this.location = `${RUN_KEY}\\${options.valueName}`;
    this.regExe = options.regExe ?? 'reg.exe';
  }

  async isEnabled(): Promise<boolean> {
    const result = await this.options.runner.run(this.regExe, ['query', RUN_KEY, '/v', this.options.valueName]);
    // reg query exits 1 when the value does not exist.
    if (result.code !== 0) return false;
    return result.stdout.split(/\r?\n/).some((line) => line.trim().toLowerCase().startsWith(`${this.options.valueName.toLowerCase()} `) && /REG_(EXPAND_)?SZ/.test(line));
  }

  async setEnabled(enabled: boolean): Promise<void> {
    const args = enabled
      ? ['add', RUN_KEY, '/v', this.options.valueName, '/t', 'REG_SZ', '/d', windowsCommandLine(this.options.command), '/f']
      : ['delete', RUN_KEY, '/v', this.options.valueName, '/f'];
    const result = await this.options.runner.run(this.regExe, args);
    if (result.code === 0) return;
    // Deleting a value that is not there is what we wanted anyway.
    if (!enabled && !(await this.isEnabled())) return;
    const why = (result.stderr || result.stdout).trim().split(/\r?\n/)[0] ?? `exit code ${result.code}`;
    throw new AuraError('ERR_FILE', `reg.exe could not ${enabled ? 'add' : 'remove'} ${this.location}: ${why}`);
  }
}
