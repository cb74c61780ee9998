/** The command line, parsed into one typed command. Bad input throws AuraError('ERR_USAGE') with one line. */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../core/audio-format.js';
import { generateCode, normalizeCode } from '../core/access-code.js';
import { AuraError } from '../core/errors.js';
import type { CodecName } from '../core/handshake.js';

/** Starting jitter-buffer target of a listener [ms]: what the real-audio runs played cleanly at under load. */
export const DEFAULT_LATENCY_MS = 60;
/** Lowest adaptive target [ms]: one Opus packet (20 ms when this was set, 10 ms since 2026-12-02) plus the device's 10 ms pulls; not lowered with the packets (unmeasured). */
export const MIN_ADAPTIVE_LATENCY_MS = 30;
/** Default highest adaptive target [ms]: past ~125 ms lip-sync suffers anyway (ITU-R BT.1359), 300 rides out Wi-Fi stalls. */
export const DEFAULT_MAX_LATENCY_MS = 300;
/** A fixed --latency at or below this [ms] also trims the output path (the 'lean' profile of the playback sink). */
export const LEAN_OUTPUT_MAX_LATENCY_MS = 20;

/** --latency auto|MS and --max-latency MS → a fixed target, or an adaptive one with bounds. */
function parseLatency(latency: string | undefined, maxLatency: string | undefined): Pick<ListenCommand, 'latencyMs' | 'adaptiveLatency' | 'leanOutput'> {
  if (latency !== undefined && latency !== 'auto') {
    if (maxLatency !== undefined) throw usage('--max-latency goes with --latency auto, not a fixed --latency');
    const latencyMs = parseNumber(latency, 'latency', 5, 2000, DEFAULT_LATENCY_MS);
    return { latencyMs, adaptiveLatency: undefined, leanOutput: latencyMs <= LEAN_OUTPUT_MAX_LATENCY_MS };
  }
  const maxMs = parseNumber(maxLatency, 'max-latency', MIN_ADAPTIVE_LATENCY_MS, 2000, DEFAULT_MAX_LATENCY_MS);
  return { latencyMs: Math.min(DEFAULT_LATENCY_MS, maxMs), adaptiveLatency: { minMs: MIN_ADAPTIVE_LATENCY_MS, maxMs }, leanOutput: false };
}

/** Default time to look for hosts on the network [s] (mDNS answers come within milliseconds; this allows for loss). */
export const DEFAULT_LOOK_SECONDS = 3;
/** How often `host` and `listen` print their status off a terminal (a log, a service) [s]. */
export const DEFAULT_STATUS_EVERY_SECONDS = 60;

/** `auralync host` */
export interface HostCommand {
  readonly kind: 'host';
  readonly port: number;
  readonly name: string | undefined;
  readonly device: string | undefined;
  readonly input: string | undefined;
  readonly codec: CodecName;
  /** Most listeners at once. */
  readonly maxListeners: number;
  /** Access code listeners must know (as given or generated), or undefined for an open host. */
  readonly accessCode: string | undefined;
  /** Off a terminal, how often the status is printed as lines [ms]; 0 never. */
  readonly statusEveryMs: number;
}

/** `auralync listen` */
export interface ListenCommand {
  readonly kind: 'listen';
  readonly host: string;
  readonly port: number;
  readonly device: string | undefined;
  readonly output: string | undefined;
  readonly boost: number;
  /** Jitter-buffer target [ms]: the starting point when adaptive, else fixed. */
  readonly latencyMs: number;
  /** Adaptive target bounds [ms], or undefined when --latency fixed the target. */
  readonly adaptiveLatency: { readonly minMs: number; readonly maxMs: number } | undefined;
  /** True when a small fixed --latency asks for the least delay: the output path is trimmed too. */
  readonly leanOutput: boolean;
  readonly v1: boolean;
  readonly name: string | undefined;
  /** How long to look for a host given by display name [ms]. */
  readonly lookMs: number;
  /** Access code for a host that requires one. */
  readonly accessCode: string | undefined;
  /** false with --no-twin: no twin connections; undefined: the listener's default (two for Opus). */
  readonly twin: false | undefined;
  /** Off a terminal, how often the status is printed as lines [ms]; 0 never. */
  readonly statusEveryMs: number;
}

/** `auralync hosts` */
export interface HostsCommand {
  readonly kind: 'hosts';
  /** Keep a live list until Ctrl-C. */
  readonly watch: boolean;
  /** How long to look (--watch: before saying nothing was found) [ms]. */
  readonly lookMs: number;
  readonly json: boolean;
}

/** Any command the CLI runs. */
export type Command =
  | HostCommand
  | ListenCommand
  | HostsCommand
  | { readonly kind: 'devices'; readonly json: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  /** No command: the tray app; `hidden` when started at login (--hidden). */
  | { readonly kind: 'tray'; readonly hidden: boolean };

/** Text of `auralync --help`. */
export const USAGE = `AuraLync: watch together, listen apart. Share this computer's sound with listeners on the network.

Usage:
  auralync [--hidden]
      Start in the system tray: host, listen, devices, boost and notifications from its menu.
      --hidden starts quietly (as start at login does).
  auralync host [--port 50007] [--name NAME] [--device ID | --input FILE|-] [--codec opus|pcm] [--code CODE|auto] [--max-listeners N] [--status-every S]
      Capture system audio (default: what the default output device plays) and stream it.
      --input FILE plays a WAV file in real time; --input - reads WAV or raw s16le 48 kHz stereo from stdin.
      --code lets in only listeners who know CODE (auto: make one up and show it); their audio is encrypted
      and original v1 clients are refused. --max-listeners N (default 64) caps listeners at once.
      On a terminal a live status shows each listener's health; in a log (not a terminal) it is printed every
      --status-every S seconds while anyone listens (default ${DEFAULT_STATUS_EVERY_SECONDS}; 0 never), for listen too.
  auralync listen HOST[:PORT]|NAME [--device ID | --output FILE|-] [--boost 1..10] [--latency auto|MS] [--max-latency MS] [--v1] [--timeout S] [--code CODE] [--no-twin] [--status-every S]
      Play a host's stream. HOST is an address; NAME is a host's display name as 'auralync hosts' lists it
      (looked up for --timeout S, default ${DEFAULT_LOOK_SECONDS}, and followed if it comes back at another address).
      --output FILE writes a 16-bit WAV; --output - writes raw s16le to stdout.
      --latency fixes the jitter buffer target; by default (auto) it follows the network's jitter between
      ${MIN_ADAPTIVE_LATENCY_MS} ms and --max-latency (default ${DEFAULT_MAX_LATENCY_MS} ms). A fixed --latency of ${LEAN_OUTPUT_MAX_LATENCY_MS} or less also
      trims the output's own queue on Linux (~10 ms less delay, less slack for a busy computer). --v1 plays an original AuraLync v1 server.
      --code CODE answers a host that requires an access code (or set AURALYNC_CODE, kept out of the process list).
      An Opus stream comes over three connections at once (two from hosts before 2026-12-05), so one
      stalled by a lost packet (Wi-Fi) is bridged by the others; --no-twin keeps to one (~140 kb/s in all).
  auralync hosts [--watch] [--timeout S] [--json]
      List hosts on the local network (mDNS): name, address, port, codec, listeners. Looks for --timeout S
      (default ${DEFAULT_LOOK_SECONDS}); --watch keeps the list live until Ctrl-C.
  auralync devices [--json]
      List capture (system-audio loopback) and output devices with their ids.
  auralync --help | --version
`;

function usage(message: string): AuraError {
  return new AuraError('ERR_USAGE', `${message} (see 'auralync --help')`);
}

/** Parses a TCP port given as text; 1..65535 only. */
export function parsePort(text: string, what = 'port'): number {
  if (!/^\d+$/.test(text)) throw new AuraError('ERR_BAD_PORT', `${what} '${text}' is not a number; use 1-65535`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new AuraError('ERR_BAD_PORT', `${what} ${port} is out of range; use 1-65535`);
  return port;
}

function parseNumber(text: string | undefined, name: string, min: number, max: number, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw usage(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not '${text}'`);
  }
  return value;
}

/** --status-every S: 0 (never) or 1..86400 s, default DEFAULT_STATUS_EVERY_SECONDS; in ms. */
function parseStatusEvery(text: string | undefined): number {
  const seconds = parseNumber(text, 'status-every', 0, 86_400, DEFAULT_STATUS_EVERY_SECONDS);
  if (seconds > 0 && seconds < 1) throw usage(`--status-every must be 0 (never) or from 1 to 86400 seconds, not '${text}'`);
  return seconds * 1000;
}

/** --code CODE (checked: 4-128 letters or digits), or `auto` on a host for a generated one. */
function parseCode(text: string | undefined, mayGenerate: boolean): string | undefined {
  if (text === undefined || (text === '' && !mayGenerate)) return undefined;
  if (mayGenerate && text === 'auto') return generateCode();
  try {
    normalizeCode(text);
  } catch (err) {
    throw usage(`--code: ${(err as Error).message}`);
  }
  return text;
}

/** Splits HOST[:PORT] (IPv6 as [addr]:port or bare addr). */
export function parseHostAndPort(text: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] === undefined ? DEFAULT_PORT : parsePort(bracketed[2]) };
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = text.split(':') as [string, string];
    if (host === '') throw usage(`'${text}' has no host name`);
    return { host, port: parsePort(port) };
  }
  if (text === '') throw usage('listen needs a HOST');
  return { host: text, port: DEFAULT_PORT };
}

/** Parses argv (without node and script) into a Command. */
export function parseCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Command {
  const [verb, ...rest] = argv;
  if (verb === undefined || (verb === '--hidden' && rest.length === 0)) return { kind: 'tray', hidden: verb === '--hidden' };
  if (verb === '--help' || verb === '-h' || verb === 'help') return { kind: 'help' };
  if (verb === '--version' || verb === '-v' || verb === 'version') return { kind: 'version' };
  let parsed: ReturnType<typeof parseArgs>;
  const options = {
    port: { type: 'string' },
    name: { type: 'string' },
    device: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    codec: { type: 'string' },
    boost: { type: 'string' },
    latency: { type: 'string' },
    'max-latency': { type: 'string' },
    v1: { type: 'boolean' },
    json: { type: 'boolean' },
    watch: { type: 'boolean' },
    timeout: { type: 'string' },
    code: { type: 'string' },
    'max-listeners': { type: 'string' },
    'no-twin': { type: 'boolean' },
    'status-every': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const text = (key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  if (values.help) return { kind: 'help' };
  const allowOnly = (allowed: string[]) => {
    for (const key of Object.keys(values)) if (!allowed.includes(key)) throw usage(`'${verb}' does not take --${key}`);
  };
  switch (verb) {
    case 'host': {
      allowOnly(['port', 'name', 'device', 'input', 'codec', 'code', 'max-listeners', 'status-every']);
      if (parsed.positionals.length > 0) throw usage(`unexpected '${parsed.positionals[0]}'`);
      if (text('device') !== undefined && text('input') !== undefined) throw usage('use either --device or --input, not both');
      const codec = text('codec') ?? 'opus';
      if (codec !== 'opus' && codec !== 'pcm') throw usage(`--codec must be opus or pcm, not '${codec}'`);
      return {
        kind: 'host',
        port: text('port') === undefined ? DEFAULT_PORT : parsePort(text('port') as string),
        name: text('name'),
        device: text('device'),
        input: text('input'),
        codec,
        maxListeners: parseNumber(text('max-listeners'), 'max-listeners', 1, 1000, 64, true),
        accessCode: parseCode(text('code'), true),
        statusEveryMs: parseStatusEvery(text('status-every')),
      };
    }
    case 'listen': {
      allowOnly(['port', 'device', 'output', 'boost', 'latency', 'max-latency', 'v1', 'name', 'timeout', 'code', 'no-twin', 'status-every']);
      if (values.v1 === true && text('code') !== undefined) throw usage('an original v1 server has no access code: use either --v1 or --code');
      if (parsed.positionals.length !== 1) throw usage('listen needs exactly one HOST[:PORT]');
      if (text('device') !== undefined && text('output') !== undefined) throw usage('use either --device or --output, not both');
      const target = parseHostAndPort(parsed.positionals[0] as string);
      return {
        kind: 'listen',
        host: target.host,
        port: text('port') === undefined ? target.port : parsePort(text('port') as string),
        device: text('device'),
        output: text('output'),
        boost: parseNumber(text('boost'), 'boost', 1, 10, 1),
        ...parseLatency(text('latency'), text('max-latency')),
        v1: values.v1 === true,
        name: text('name'),
        lookMs: parseNumber(text('timeout'), 'timeout', 0.2, 600, DEFAULT_LOOK_SECONDS) * 1000,
        accessCode: parseCode(text('code') ?? env.AURALYNC_CODE, false),
        twin: values['no-twin'] === true ? false : undefined,
        statusEveryMs: parseStatusEvery(text('status-every')),
      };
    }
    case 'hosts': {
      allowOnly(['watch', 'timeout', 'json']);
      if (parsed.positionals.length > 0) throw usage(`unexpected '${parsed.positionals[0]}'`);
      if (values.watch === true && values.json === true) throw usage('use either --watch or --json, not both');
      return {
        kind: 'hosts',
        watch: values.watch === true,
        lookMs: parseNumber(text('timeout'), 'timeout', 0.2, 600, DEFAULT_LOOK_SECONDS) * 1000,
        json: values.json === true,
      };
    }
    case 'devices':
      allowOnly(['json']);
      return { kind: 'devices', json: values.json === true };
    default:
      throw usage(`unknown command '${verb}'`);
  }
}
