// The outbound address rules of DESIGN §3 as pure functions: only global unicast addresses are
// reachable unless an operator allow-lists a network with HERALD_ALLOW_PRIVATE_NETWORKS.
import { isIP } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  base: bigint;
  bits: number;
  text: string;
}

interface Ip {
  family: 4 | 6;
  value: bigint;
}

function parseIp(text: string): Ip | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 4) {
    return { family: 4, value: bare.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  }
  if (family === 6) return { family: 6, value: parseIpv6(bare.split('%')[0]) };
  return undefined;
}

function parseIpv6(text: string): bigint {
  let s = text.toLowerCase();
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad) {
    const v4 = parseIp(quad[1])!.value;
    s = s.slice(0, quad.index) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, bitsText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > max || (bitsText !== undefined && !/^\d+$/.test(bitsText))) return undefined;
  const shift = BigInt(max - bits);
  return { family: ip.family, base: (ip.value >> shift) << shift, bits, text: text.trim() };
}

function contains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false;
  const shift = BigInt((ip.family === 4 ? 32 : 128) - cidr.bits);
  return ip.value >> shift === cidr.base >> shift;
}

const cidrs = (list: string[]) => list.map((c) => parseCidr(c)!);

/** Non-global IPv4 ranges (IANA special-purpose registry). */
const BLOCKED_V4 = cidrs([
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
]);

/** Global unicast IPv6 is 2000::/3 minus these (translation, tunnel, documentation, ...). */
const GLOBAL_V6 = parseCidr('2000::/3')!;
const BLOCKED_V6 = cidrs(['2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20']);
/** Named for the refusal reason; all lie outside 2000::/3 and are refused anyway. */
const V6_REASONS: Array<[Cidr, string]> = [
  [parseCidr('::1/128')!, 'loopback'],
  [parseCidr('::/128')!, 'unspecified'],
  [parseCidr('::ffff:0:0/96')!, 'IPv4-mapped'],
  [parseCidr('64:ff9b::/96')!, 'IPv4-translated'],
  [parseCidr('64:ff9b:1::/48')!, 'IPv4-translated'],
  [parseCidr('::/96')!, 'IPv4-compatible'],
  [parseCidr('fc00::/7')!, 'private'],
  [parseCidr('fe80::/10')!, 'link-local'],
  [parseCidr('ff00::/8')!, 'multicast'],
];

function v4Reason(ip: Ip): string {
  const v = ip.value;
  if (v >> 24n === 127n) return 'loopback';
  if (v >> 24n === 10n || v >> 20n === 0xac1n || v >> 16n === 0xc0a8n) return 'private';
  if (v >> 16n === 0xa9fen) return 'link-local';
  if (v >> 22n === (100n << 2n | 1n)) return 'CGNAT';
  if (v >> 28n === 0xen) return 'multicast';
  if (v >> 24n === 0n) return 'unspecified';
  return 'reserved';
}

const withArticle = (word: string) => `${/^[aeiouAEIOU]/.test(word) ? 'an' : 'a'} ${word}`;

/** A refusal names the reserved network the address lies in: the CIDR an operator would allow. */
export type AddressDecision = { allowed: true } | { allowed: false; reason: string; network?: string };

const IPV4_MAPPED = V6_REASONS.find(([, reason]) => reason === 'IPv4-mapped')![0];

/** Whether an operator allow-listed this address (an IPv4-mapped IPv6 form counts as its IPv4). */
function allowListed(ip: Ip, allow: Cidr[]): boolean {
  const forms = contains(IPV4_MAPPED, ip) ? [ip, { family: 4 as const, value: ip.value & 0xffffffffn }] : [ip];
  return forms.some((form) => allow.some((c) => contains(c, form)));
}

/**
 * Whether an outbound connection to this IP address is allowed. `allow` lists operator
 * networks (HERALD_ALLOW_PRIVATE_NETWORKS) that are reachable even though not global.
 */
export function checkAddress(address: string, allow: Cidr[] = []): AddressDecision {
  const ip = parseIp(address);
  if (!ip) return { allowed: false, reason: `"${address}" is not an IP address` };
  if (allowListed(ip, allow)) return { allowed: true };
  if (ip.family === 4) {
    const hit = BLOCKED_V4.find((c) => contains(c, ip));
    return hit ? { allowed: false, reason: `${address} is ${withArticle(v4Reason(ip))} address (${hit.text})`, network: hit.text } : { allowed: true };
  }
  const named = V6_REASONS.find(([c]) => contains(c, ip));
  if (named) return { allowed: false, reason: `${address} is ${withArticle(named[1])} address (${named[0].text})`, network: named[0].text };
  if (!contains(GLOBAL_V6, ip) || BLOCKED_V6.some((c) => contains(c, ip))) {
    return { allowed: false, reason: `${address} is a reserved address` };
  }
  return { allowed: true };
}

export function isAllowListed(address: string, allow: Cidr[]): boolean {
  const ip = parseIp(address);
  return !!ip && allowListed(ip, allow);
}

/** `localhost` and `*.localhost` always mean loopback (RFC 6761), whatever DNS says. */
export const isLocalhostName = (host: string): boolean => /(^|\.)localhost\.?$/i.test(host);

const LOOPBACK_NETWORKS = [['127.0.0.1', '127.0.0.0/8'], ['::1', '::1/128']] as const;

/**
 * The loopback networks a loopback name needs and `allow` lacks (empty when it may be reached): a
 * name may resolve to 127.0.0.1 or ::1, so both must be allowed.
 */
export function missingLoopbackNetworks(allow: Cidr[]): string[] {
  return LOOPBACK_NETWORKS.filter(([address]) => !checkAddress(address, allow).allowed).map(([, network]) => network);
}

/** The host of a WHATWG-normalised URL as an address, if it is an IP literal. */
function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

export interface UrlPolicy {
  allow: Cidr[];
  /** In production plain http: is only for allow-listed networks. */
  production: boolean;
}

/** `invalid`: not a URL Herald can post to at all; `refused`: its address is not reachable. */
export type UrlDecision = { allowed: true; url: URL } | { allowed: false; problem: 'invalid' | 'refused'; reason: string };

/**
 * The checks that need no DNS, after WHATWG URL normalisation (which turns `2130706433`,
 * `0x7f000001` and `127.1` into `127.0.0.1`): scheme, credentials, IP literals and localhost
 * names. Host names are checked again on every resolved address and on the connected socket.
 */
export function checkUrl(text: string, policy: UrlPolicy): UrlDecision {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { allowed: false, problem: 'invalid', reason: 'not a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { allowed: false, problem: 'invalid', reason: 'the scheme must be https: or http:' };
  if (url.username || url.password) return { allowed: false, problem: 'invalid', reason: 'credentials (user:password@) are not allowed in the URL' };
  if (url.hash) return { allowed: false, problem: 'invalid', reason: 'a fragment (#...) is never sent; remove it' };
  const literal = ipLiteral(url.hostname);
  if (literal) {
    const decision = checkAddress(literal, policy.allow);
    // A literal is the caller's own address: the refusal may name it, and says which network to allow.
    if (!decision.allowed) {
      const advice = decision.network ? `add ${decision.network} to HERALD_ALLOW_PRIVATE_NETWORKS to allow it` : 'it cannot be allowed';
      return { allowed: false, problem: 'refused', reason: `${decision.reason}; only public addresses are reachable: ${advice}` };
    }
  } else if (isLocalhostName(url.hostname)) {
    const missing = missingLoopbackNetworks(policy.allow);
    if (missing.length) {
      const reason = `${url.hostname} is a loopback name; to allow it, add ${missing.join(',')} to HERALD_ALLOW_PRIVATE_NETWORKS`;
      return { allowed: false, problem: 'refused', reason };
    }
  }
  if (url.protocol === 'http:' && policy.production && literal && !isAllowListed(literal, policy.allow)) {
    return { allowed: false, problem: 'refused', reason: 'http: URLs are only allowed to networks in HERALD_ALLOW_PRIVATE_NETWORKS in production; use https:' };
  }
  return { allowed: true, url };
}
