/**
 * SSRF guard for push endpoint URLs, checked when an endpoint is registered and again before
 * every delivery (policy or code may have changed since registration).
 *
 * Rules (default policy): https only; no credentials in the URL; port 443, 80 or an unprivileged
 * port (1024-65535) that the Fetch standard does not list as a "bad port" (never 0, SSH, SMTP,
 * ...); the host must be a multi-label DNS name that is not `localhost`/`*.localhost`, not under
 * a local-only suffix (`.local`, `.internal`, `.localdomain`, `.lan`, `.home`, `.corp`,
 * `.intranet`, `.arpa`) and not a metadata name (`metadata.google.internal`, `metadata.goog`,
 * `metadata`, `instance-data`, ...). Single-label hosts (`metadata`, `redis`) are refused: they
 * only resolve through a local search domain. EVERY IP literal is refused: special-purpose ones
 * (loopback, private, link-local incl. 169.254.169.254, CGNAT, unspecified, multicast, reserved,
 * documentation, IPv4-mapped/compatible/translated IPv6, NAT64 and 6to4 embedding such an
 * address) with code `private`, public ones with code `ip_literal` - a Worker cannot resolve
 * DNS, and numeric hosts are the classic way around hostname rules. `allowPrivate` (local dev
 * and tests only) lifts the host and IP rules; `allowHttp` admits http; `allowlist` only ever
 * narrows: a host must also match an entry (`api.example.com` exactly, `*.example.com` any
 * subdomain, not the apex) and every other rule still applies.
 *
 * Host forms are judged after WHATWG URL parsing, the same parser `fetch` uses, so what is
 * checked is what is fetched: decimal (`2130706433`), hex (`0x7f000001`), octal (`0177.0.0.1`),
 * short (`127.1`), percent-encoded and full-width forms all arrive here as dotted quads, IDNs
 * as punycode, uppercase as lowercase; a trailing dot (`localhost.`) is ignored for matching.
 * Anything numeric the parser did not normalise is refused rather than interpreted.
 *
 * What it CANNOT see: where a hostname resolves. A public name whose DNS points at a private
 * address (`127.0.0.1.nip.io`, DNS rebinding) passes. In a Worker that is mostly moot (outbound
 * fetch leaves from Cloudflare's network, not a private one); on Node a caller that resolves the
 * name itself should classify every resolved address with `checkResolved` and connect to the
 * checked address only.
 */

export interface UrlPolicy {
  /** Default false: https only. */
  allowHttp?: boolean;
  /** Hostnames or `*.suffix` patterns: when set, ONLY these hosts pass (other rules still apply). */
  allowlist?: string[];
  /** Local dev/tests only: admit localhost, local names and every IP literal. */
  allowPrivate?: boolean;
}

export type UrlDenyCode =
  | 'scheme'
  | 'credentials'
  | 'host'
  | 'ip_literal'
  | 'private'
  | 'allowlist'
  | 'invalid'
  | 'port';

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string; code: UrlDenyCode };
export type IpVerdict = { ok: true } | { ok: false; reason: string; code: 'private' | 'invalid' };

const MAX_URL_LENGTH = 2048;
/** Multi-label metadata names; single-label ones (`metadata`, `instance-data`) are refused anyway. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog']);
const BLOCKED_SUFFIXES = new Set([
  ...['localhost', 'local', 'internal', 'localdomain', 'lan', 'home', 'corp', 'intranet'],
  ...['arpa', 'home.arpa'],
]);
/** Fetch standard "bad ports" at or above 1024 (below 1024 only 80 and 443 are allowed). */
const BAD_PORTS = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
  6679, 6697, 10080,
]);

const V4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'link-local / cloud metadata (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'private (172.16.0.0/12)'],
  ['192.0.0.0', 24, 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.0', 24, 'documentation (192.0.2.0/24)'],
  ['192.88.99.0', 24, '6to4 relay anycast (192.88.99.0/24)'],
  ['192.168.0.0', 16, 'private (192.168.0.0/16)'],
  ['198.18.0.0', 15, 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.0', 24, 'documentation (198.51.100.0/24)'],
  ['203.0.113.0', 24, 'documentation (203.0.113.0/24)'],
  ['224.0.0.0', 4, 'multicast (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'reserved / broadcast (240.0.0.0/4)'],
];
const V4_TABLE = V4_RANGES.map(([base, bits, why]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: parseIPv4(base)!, mask, why };
});

export function checkPushUrl(raw: string, policy: UrlPolicy = {}): UrlVerdict {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) {
    return deny('invalid', `URL must be a string of 1-${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return deny('invalid', 'not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return deny(
      'scheme',
      `scheme ${url.protocol} not allowed (${policy.allowHttp ? 'http or ' : ''}https only)`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    return deny('credentials', 'URL must not carry credentials (user:password@)');
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!(port === 80 || port === 443 || (port >= 1024 && port <= 65535 && !BAD_PORTS.has(port)))) {
    return deny('port', `port ${port} not allowed (80, 443 or 1024-65535 except Fetch bad ports)`);
  }
  const hostname = url.hostname;
  if (hostname.startsWith('[')) {
    const words = parseIPv6(hostname.slice(1, -1));
    if (!words) return deny('invalid', 'malformed IPv6 literal');
    return literal(url, hostname, classifyV6(words), policy);
  }
  const host = hostname.replace(/\.+$/, '');
  if (host === '') return deny('host', 'URL has no host');
  const v4 = parseIPv4(host);
  if (v4 !== null) return literal(url, host, classifyV4(v4), policy);
  const labels = host.split('.');
  const last = labels[labels.length - 1]!;
  if (/^(\d+|0x[0-9a-f]*)$/i.test(last)) {
    return deny('ip_literal', 'numeric host in a non-canonical form');
  }
  if (labels.some((l) => l === '')) return deny('host', 'hostname has an empty label');
  if (!policy.allowPrivate) {
    const why = hostReason(host, labels);
    if (why) return deny('host', why);
  }
  return allowlisted(url, host, policy);
}

/** Classify an address a hostname resolved to (Node callers), by the same IP rules. */
export function checkResolved(ip: string): IpVerdict {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const v4 = parseIPv4(bare);
  const v6 = v4 === null ? parseIPv6(bare.replace(/%.*$/, '')) : null;
  if (v4 === null && !v6) return { ok: false, code: 'invalid', reason: 'not an IP address' };
  const why = v4 !== null ? classifyV4(v4) : classifyV6(v6!);
  return why ? { ok: false, code: 'private', reason: `${ip} is ${why}` } : { ok: true };
}

function deny(code: UrlDenyCode, reason: string): UrlVerdict {
  return { ok: false, code, reason };
}

function literal(url: URL, host: string, why: string | null, policy: UrlPolicy): UrlVerdict {
  if (!policy.allowPrivate) {
    if (why) return deny('private', `${host} is ${why}`);
    return deny('ip_literal', `IP literal host ${host} not allowed: use a DNS name`);
  }
  return allowlisted(url, host, policy);
}

function hostReason(host: string, labels: string[]): string | null {
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is loopback`;
  if (METADATA_HOSTS.has(host)) return `${host} is a cloud metadata host`;
  if (labels.length === 1) return `single-label host "${host}" resolves only on a local network`;
  const suffix = BLOCKED_SUFFIXES.has(labels.slice(-2).join('.'))
    ? labels.slice(-2).join('.')
    : labels[labels.length - 1]!;
  return BLOCKED_SUFFIXES.has(suffix) ? `*.${suffix} hosts are local-only` : null;
}

function allowlisted(url: URL, host: string, policy: UrlPolicy): UrlVerdict {
  if (!policy.allowlist) return { ok: true, url };
  for (const entry of policy.allowlist) {
    const wildcard = entry.startsWith('*.');
    const pattern = normalizeEntry(wildcard ? entry.slice(2) : entry);
    if (pattern && (wildcard ? host.endsWith(`.${pattern}`) : host === pattern)) {
      return { ok: true, url };
    }
  }
  return deny('allowlist', `host ${host} is not on the allowlist`);
}

/** Allowlist entries are normalised like URL hosts (case, IDN, trailing dot); junk matches nothing. */
function normalizeEntry(entry: string): string | null {
  if (!/^(\[[0-9a-fA-F:.]+\]|[^/@:?#\s\\[\]%]+)$/.test(entry)) return null;
  try {
    return new URL(`https://${entry}/`).hostname.replace(/\.+$/, '') || null;
  } catch {
    return null;
  }
}

/** Canonical dotted quad only (no leading zeros): anything else is not interpreted. */
function parseIPv4(s: string): number | null {
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(s);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

function parseIPv6(s: string): number[] | null {
  const halves = s.split('::');
  if (halves.length > 2 || (halves.length === 2 && halves[0]!.includes('.'))) return null;
  const words = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (const [i, g] of groups.entries()) {
      const v4 = i === groups.length - 1 && g.includes('.') ? parseIPv4(g) : null;
      if (v4 !== null) out.push(v4 >>> 16, v4 & 0xffff);
      else if (/^[0-9a-f]{1,4}$/i.test(g)) out.push(Number.parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const gap = 8 - head.length - tail.length;
  return gap >= 1 ? [...head, ...new Array<number>(gap).fill(0), ...tail] : null;
}

function classifyV4(ip: number): string | null {
  for (const { base, mask, why } of V4_TABLE) if ((ip & mask) >>> 0 === base) return why;
  return null;
}

function classifyV6(w: number[]): string | null {
  const zero = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  const v4 = (hi: number, lo: number) => ((w[hi]! << 16) >>> 0) + w[lo]!;
  const embedded = (kind: string, ip: number) => {
    const why = classifyV4(ip);
    return why
      ? `${kind} of ${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}, ${why}`
      : null;
  };
  if (zero(0, 8)) return 'unspecified (::)';
  if (zero(0, 7) && w[7] === 1) return 'loopback (::1)';
  if (zero(0, 5) && w[5] === 0xffff) return embedded('IPv4-mapped', v4(6, 7));
  if (zero(0, 6)) return 'IPv4-compatible, deprecated (::/96)';
  if (zero(0, 4) && w[4] === 0xffff && w[5] === 0) return embedded('IPv4-translated', v4(6, 7));
  if (w[0] === 0x64 && w[1] === 0xff9b && zero(2, 6)) return embedded('NAT64', v4(6, 7));
  if (w[0] === 0x64 && w[1] === 0xff9b && w[2] === 1) return 'local-use NAT64 (64:ff9b:1::/48)';
  if (w[0] === 0x100 && zero(1, 4)) return 'discard-only (100::/64)';
  if (w[0] === 0x2001 && w[1] === 0xdb8) return 'documentation (2001:db8::/32)';
  if (w[0] === 0x2001 && w[1]! < 0x200) return 'IETF protocol assignments incl. Teredo (2001::/23)';
  if (w[0] === 0x2002) return embedded('6to4', v4(1, 2));
  if (w[0] === 0x3fff && w[1]! < 0x1000) return 'documentation (3fff::/20)';
  if ((w[0]! & 0xfe00) === 0xfc00) return 'unique local / private (fc00::/7)';
  if ((w[0]! & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  if ((w[0]! & 0xffc0) === 0xfec0) return 'site-local, deprecated (fec0::/10)';
  if ((w[0]! & 0xff00) === 0xff00) return 'multicast (ff00::/8)';
  if ((w[0]! & 0xe000) !== 0x2000) return 'not global unicast (outside 2000::/3)';
  return null;
}
