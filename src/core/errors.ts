/** Errors with stable codes and a message a person can act on (one line, no stack shown to users). */

/** Every error code AuraLync reports. */
export type AuraErrorCode =
  | 'ERR_USAGE'
  | 'ERR_BAD_PORT'
  | 'ERR_PORT_IN_USE'
  | 'ERR_HOST_UNREACHABLE'
  | 'ERR_DEVICE_UNAVAILABLE'
  | 'ERR_AUDIO_BACKEND'
  | 'ERR_FILE'
  | 'ERR_BAD_AUDIO_FILE'
  | 'ERR_PROTOCOL'
  | 'ERR_REJECTED'
  | 'ERR_CLOSED'
  | 'ERR_NO_TRAY';

/** An expected failure: `code` is stable for scripts, `message` is one line for people. */
export class AuraError extends Error {
  /** Stable machine-readable code. */
  readonly code: AuraErrorCode;

  constructor(code: AuraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuraError';
    this.code = code;
  }
}

/** True when `err` is an AuraError (optionally with the given code). */
export function isAuraError(err: unknown, code?: AuraErrorCode): err is AuraError {
  return err instanceof AuraError && (code === undefined || err.code === code);
}

/** One line for a person: the message of an AuraError, or a short description of anything else. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err).split('\n')[0] ?? 'unknown error';
}
