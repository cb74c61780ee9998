/** A module that hooks signals on import as when-exit does (test/unit/foreign-signal-hooks.test.ts). */
/** Calls to the hooks below. */
export const calls: string[] = [];
process.once('SIGTERM', () => calls.push('SIGTERM'));
process.once('SIGHUP', () => calls.push('SIGHUP'));
process.once('exit', () => calls.push('exit'));
