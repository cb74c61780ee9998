/**
 * What a host says about itself over mDNS (DNS-SD, RFC 6763): the service type, the TXT keys, the
 * instance name, and the strict parsing of what browsers receive. Pure: strings in, values out.
 */
import { ALL_CODECS, type CodecName } from './handshake.js';

/** DNS-SD service type without the leading underscore and protocol: `_auralync._tcp`. */
export const SERVICE_TYPE = 'auralync';

/** Longest display name kept [characters]; longer names are cut. */
export const MAX_DISPLAY_NAME = 48;

/** Longest mDNS instance name label [bytes of UTF-8] (RFC 6763 §4.1.1). */
export const MAX_INSTANCE_BYTES = 63;

/** What a host advertises. */
export interface HostAdvert {
  /** Stable random id of this host (lowercase hex, 8..64 digits); survives restarts. */
  readonly hostId: string;
  /** Name people see, e.g. "Living room". */
  readonly displayName: string;
  /** TCP port of the stream [1..65535]. */
  readonly port: number;
  /** Codecs the host streams, preferred first. */
  readonly codecs: readonly CodecName[];
  /** Protocol version the host speaks (2). */
  readonly protocolVersion: number;
  /** Listeners connected now [≥ 0]. */
  readonly listeners: number;
  /** True when listeners need an access code (always false until that feature exists). */
  readonly codeRequired: boolean;
}

/** A host as a browser knows it, after validation. */
export interface HostRecord {
  /** Stable id (lowercase hex): the key that follows a host across restarts and address changes. */
  readonly hostId: string;
  /** Display name, control characters removed. */
  readonly displayName: string;
  /** mDNS instance name, e.g. "Living room (3fa2)". */
  readonly instanceName: string;
  /** Address to connect to: IPv4 preferred, never a scope-less link-local IPv6. */
  readonly address: string;
  /** Every usable address the host answered with (includes `address`). */
  readonly addresses: readonly string[];
  /** TCP port of the stream [1..65535]. */
  readonly port: number;
  /** Codecs the host streams, preferred first (unknown names dropped; may be empty). */
  readonly codecs: readonly CodecName[];
  /** Protocol version the host speaks. */
  readonly protocolVersion: number;
  /** Listeners connected, as last advertised [≥ 0]. */
  readonly listeners: number;
  /** True when an access code is needed. */
  readonly codeRequired: boolean;
}

/** The raw shape a browser hands over (see ports/discovery ServiceSighting). */
export interface RawSighting {
  readonly instanceName: string;
  readonly port: unknown;
  readonly txt: unknown;
  readonly addresses: readonly string[];
  readonly senderAddress: string | undefined;
}

/** The TXT record of `advert` (RFC 6763 §6: short key=value strings). */
export function encodeHostTxt(advert: HostAdvert): Record<string, string> {
  return {
    protocol: String(advert.protocolVersion),
    codecs: advert.codecs.join(','),
    name: cleanDisplayName(advert.displayName),
    id: advert.hostId,
    listeners: String(Math.max(0, Math.floor(advert.listeners))),
    code: advert.codeRequired ? '1' : '0',
  };
}

/** The short id shown to people and used in instance names: the first 4 hex digits of the host id. */
export function shortHostId(hostId: string): string {
  return hostId.slice(0, 4);
}

/**
 * The mDNS instance name: "<display name> (<short id>)", unique per host even when two share a display
 * name; dots become '-' (bonjour-service splits names at dots) and it fits one 63-byte DNS label.
 */
export function instanceNameFor(displayName: string, hostId: string): string {
  const suffix = ` (${shortHostId(hostId)})`;
  let name = cleanDisplayName(displayName).replace(/\./g, '-');
  while (utf8Length(name + suffix) > MAX_INSTANCE_BYTES) name = [...name].slice(0, -1).join('');
  return name.trimEnd() + suffix;
}

/** A display name safe to print: no control characters (no terminal escapes), trimmed, at most MAX_DISPLAY_NAME characters. */
export function cleanDisplayName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim();
  return [...clean].slice(0, MAX_DISPLAY_NAME).join('').trim();
}

/** True for a valid host id: 8..64 hex digits. */
export function isValidHostId(id: unknown): id is string {
  return typeof id === 'string' && /^[0-9a-f]{8,64}$/i.test(id);
}

/** Parses one sighting; a bad record gives a reason (one line) instead of throwing. */
export function parseSighting(raw: RawSighting): { ok: true; record: HostRecord } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  if (typeof raw.instanceName !== 'string' || raw.instanceName === '') return bad('no instance name');
  const port = raw.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return bad(`bad port ${String(port)}`);
  const txt = raw.txt;
  if (typeof txt !== 'object' || txt === null || Array.isArray(txt)) return bad('no TXT record');
  const field = (key: string): string | undefined => {
    const value = (txt as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  };
  const id = field('id');
  if (id === undefined) return bad('TXT has no id');
  if (!isValidHostId(id)) return bad('TXT id is not 8-64 hex digits');
  const protocolText = field('protocol');
  if (protocolText === undefined || !/^\d{1,3}$/.test(protocolText)) return bad('TXT has no valid protocol version');
  const displayName = cleanDisplayName(field('name') ?? '');
  if (displayName === '') return bad('TXT has no name');
  const address = pickAddress(raw.addresses, raw.senderAddress);
  if (address === undefined) return bad('no usable address');
  const usable = raw.addresses.filter((a) => typeof a === 'string' && (isIpv4(a) || isUsableIpv6(a)));
  const listenersText = field('listeners');
  const listeners = listenersText !== undefined && /^\d{1,6}$/.test(listenersText) ? Number(listenersText) : 0;
  const codecs = (field('codecs') ?? '')
    .split(',')
    .filter((codec): codec is CodecName => (ALL_CODECS as readonly string[]).includes(codec));
  return {
    ok: true,
    record: {
      hostId: id.toLowerCase(),
      displayName,
      instanceName: raw.instanceName,
      address,
      addresses: usable.length > 0 ? usable : [address],
      port,
      codecs: [...new Set(codecs)],
      protocolVersion: Number(protocolText),
      listeners,
      codeRequired: field('code') === '1',
    },
  };
}

/**
 * The address to connect to. The packet's sender when it is one of the advertised addresses (it is on
 * the link facing us), else the first IPv4, else a routable IPv6 (link-local only with a %scope);
 * with no advertised address at all (a host on loopback), the sender.
 */
export function pickAddress(addresses: readonly string[], sender: string | undefined): string | undefined {
  const usable = addresses.filter((a) => typeof a === 'string' && (isIpv4(a) || isUsableIpv6(a)));
  if (usable.length === 0) return sender !== undefined && (isIpv4(sender) || isUsableIpv6(sender)) ? sender : undefined;
  if (sender !== undefined && usable.includes(sender)) return sender;
  return usable.find(isIpv4) ?? usable[0];
}

/** True for a dotted-quad IPv4 literal. */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** True for an IPv6 literal (optionally with a %scope). */
export function isIpv6(text: string): boolean {
  const [address, scope, ...rest] = text.split('%');
  if (rest.length > 0 || address === undefined || (scope !== undefined && !/^[\w.-]+$/.test(scope))) return false;
  return address.includes(':') && /^[0-9a-f:.]+$/i.test(address) && (address.match(/::/g) ?? []).length <= 1;
}

/** True when `text` is an IP address literal rather than a name. */
export function isIpLiteral(text: string): boolean {
  return isIpv4(text) || isIpv6(text);
}

function isUsableIpv6(text: string): boolean {
  if (!isIpv6(text)) return false;
  // fe80::/10 needs an interface scope to be reachable; mDNS answers carry none.
  return !/^fe[89ab]/i.test(text) || text.includes('%');
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
