/** CommandRunner over child_process.execFile: no shell, hidden console window on Windows, 15 s limit. */
import { execFile } from 'node:child_process';
import type { CommandResult, CommandRunner } from '../../ports/desktop.js';

/** Runs programs for real. */
export class ChildProcessRunner implements CommandRunner {
  run(command: string, args: readonly string[]): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      execFile(command, [...args], { windowsHide: true, timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = (err as (NodeJS.ErrnoException & { code?: unknown }) | null)?.code;
        // Could not start at all (no such program): that is a rejection; a non-zero exit is a result.
        if (err !== null && typeof code === 'string') return reject(err);
        resolve({ code: err === null ? 0 : typeof code === 'number' ? code : null, stdout, stderr });
      });
    });
  }
}
