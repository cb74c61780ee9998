/** What pacat and parec, PulseAudio's command-line clients (pulseaudio-utils), have in common as child processes. */
import type { ChildProcess } from 'node:child_process';
import { AuraError } from '../../core/errors.js';

/** The one-line error for `command` failing to start (`err` from its 'error' event): missing, or another reason. */
export function toolStartError(command: string, err: NodeJS.ErrnoException): AuraError {
  return err.code === 'ENOENT'
    ? new AuraError('ERR_AUDIO_BACKEND', `${command} is not installed (Debian: apt-get install pulseaudio-utils)`)
    : new AuraError('ERR_AUDIO_BACKEND', `cannot start ${command}: ${err.message}`);
}

/** Resolves once `child` (already told to end) has exited; kills it outright if it has not within 1 s. */
export function whenExited(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
  });
}
