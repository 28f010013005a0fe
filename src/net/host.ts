// Host names as the storefront sees them: the request's Host (or a trusted proxy's
// X-Forwarded-Host) and registered custom domains, normalised alike so they compare as plain
// strings: lowercase, no port, no trailing dot. Anything malformed or ambiguous is refused with
// 400 rather than guessed at. Also the client address a storefront request is counted under.
// Pure: no I/O.
import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { badRequest } from '../errors.ts';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DECIMAL_OCTET = /^(?:0|[1-9]\d{0,2})$/;

/** `shop.example.com` from `Shop.Example.COM.`; undefined unless letters/digits/hyphens labels. */
export function normalizeHostname(name: string): string | undefined {
  const host = name.toLowerCase().replace(/\.$/, '');
  if (host.length === 0 || host.length > 253) return undefined;
  const labels = host.split('.');
  if (!labels.every((l) => LABEL.test(l))) return undefined;
  // A numeric last label makes it an IPv4 address; only the plain dotted quad is unambiguous
  // (`127.1` or `0x7f.0.0.1` mean different things to different parsers).
  if (/^\d+$/.test(labels[labels.length - 1]) && !isDottedQuad(labels)) return undefined;
  return host;
}

function isDottedQuad(labels: string[]): boolean {
  return labels.length === 4 && labels.every((l) => DECIMAL_OCTET.test(l) && Number(l) <= 255);
}

export const isIpAddress = (host: string): boolean => host.startsWith('[') || /^\d+$/.test(host.slice(host.lastIndexOf('.') + 1));

/** One Host header value (`name[:port]` or `[v6]:port`) → the normalised host; undefined if malformed. */
export function parseHostValue(value: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return undefined;
  if (m[1].startsWith('[')) return isIPv6(m[1].slice(1, -1)) ? m[1].toLowerCase() : undefined;
  return normalizeHostname(m[1]);
}

export interface HostSources {
  /** The request's headers as received (req.rawHeaders): repeated Host lines stay visible. */
  rawHeaders: string[];
  /** Whether a proxy is trusted: its X-Forwarded-Host then names the host instead of Host. */
  trustProxy: boolean;
  /** The request target: an absolute-form target names its own host, which must agree. */
  target: string;
}

const headerLines = (rawHeaders: string[], name: string): string[] =>
  rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1].toLowerCase() === name);

/** The one host a request is for, normalised; throws 400 when missing, malformed or ambiguous. */
export function requestHost({ rawHeaders, trustProxy, target }: HostSources): string {
  const forwardedHosts = trustProxy ? headerLines(rawHeaders, 'x-forwarded-host') : [];
  const forwarded = forwardedHosts.length > 0;
  const values = (forwarded ? forwardedHosts.flatMap((h) => h.split(',')) : headerLines(rawHeaders, 'host')).map((h) => h.trim());
  if (values.length === 0) throw badRequest('missing Host header');
  if (values.length > 1) throw badRequest(`ambiguous host: ${values.length} ${forwarded ? 'X-Forwarded-Host' : 'Host'} values`);
  const host = parseHostValue(values[0]);
  if (!host) throw badRequest('malformed Host header: expected a host name with an optional port');
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(target);
  if (absolute && !forwarded && parseHostValue(absolute[1]) !== host) {
    throw badRequest('ambiguous host: the request target and the Host header disagree');
  }
  return host;
}

/** A custom domain as registered: a host name of two or more labels, not an IP address.
 * Internationalised names are stored in their ASCII (punycode) form, as browsers send them. */
export function normalizeDomain(input: string): string | undefined {
  const ascii = /[^\x00-\x7f]/.test(input) ? domainToASCII(input) : input;
  const host = ascii ? normalizeHostname(ascii) : undefined;
  if (!host || !host.includes('.') || isIpAddress(host)) return undefined;
  return host;
}

/** How a storefront host names its shop: `<slug>.<storefront domain>` or a custom domain;
 * undefined when the host cannot name a shop: the storefront domain itself, a deeper subdomain
 * of it, or an IP address. */
export function shopHost(host: string, storefrontDomain: string): { slug: string } | { domain: string } | undefined {
  if (isIpAddress(host) || host === storefrontDomain) return undefined;
  if (!host.endsWith(`.${storefrontDomain}`)) return { domain: host };
  const slug = host.slice(0, -(storefrontDomain.length + 1));
  return slug.includes('.') ? undefined : { slug };
}

/** The key a client address is rate-limited under: an IPv4 address as itself (IPv4-mapped IPv6
 * included), an IPv6 address by its /64, since one subscriber usually holds a whole /64 and could
 * otherwise take a fresh allowance from each of its addresses. */
export function clientAddressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  const address = ip.replace(/%.*$/, ''); // a zone id names an interface, not a client
  if (!isIPv6(address)) return ip;
  const [head, tail] = address.toLowerCase().replace(/\d+\.\d+\.\d+\.\d+$/, '0:0').split('::');
  const groups = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  if (tail !== undefined) groups.push(...Array(8 - groups.length - after.length).fill('0'), ...after);
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
