/**
 * Ends the child processes a benchmark started: SIGINT (so each can stop its streams cleanly), SIGKILL after
 * 2 s for one that does not; resolves when every one has exited. Safe to call again on exited children.
 */
import type { ChildProcess } from 'node:child_process';

/** Stops every child in `children` and waits for all of them to exit. */
export function stopAll(children: readonly ChildProcess[]): Promise<void> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 2000);
          child.once('exit', () => (clearTimeout(force), resolve()));
          child.kill('SIGINT');
        }),
    ),
  ).then(() => undefined);
}
