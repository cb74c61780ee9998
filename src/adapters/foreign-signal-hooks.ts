/**
 * Loading a module without the process-signal hooks its dependencies install. conf's atomically hooks
 * every signal through when-exit, which runs its clean-ups and then sends the signal to this process
 * again. Our commands stop cleanly on SIGINT/SIGTERM themselves and take a second signal as "exit now":
 * that echo, 1-2 ms after the first, cut every clean stop short (seen: `listen --output` died before it
 * wrote the WAV header's sizes). when-exit's 'exit' hook stays, so its clean-ups still run at exit.
 */
import { constants } from 'node:os';

const SIGNALS = Object.keys(constants.signals) as NodeJS.Signals[];

/** Runs `load` (e.g. a dynamic import) and removes the signal listeners added meanwhile; resolves to what `load` did. */
export async function importWithoutSignalHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await load();
  } finally {
    for (const signal of SIGNALS) {
      const had = before.get(signal) as Set<NodeJS.SignalsListener>;
      for (const listener of process.listeners(signal)) if (!had.has(listener)) process.removeListener(signal, listener);
    }
  }
}
