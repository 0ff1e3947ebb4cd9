import { describe, expect, it } from 'vitest';
import { checkPushUrl, checkResolved, type UrlPolicy } from '../../src/push/ssrf.js';

type Expect = 'ok' | Exclude<ReturnType<typeof checkPushUrl>, { ok: true }>['code'];

const dev: UrlPolicy = { allowHttp: true, allowPrivate: true };

// [url, expected verdict, policy?, note]
const table: [string, Expect, UrlPolicy?][] = [
  // Public https hosts pass.
  ['https://hooks.example.com/edgeq', 'ok'],
  ['https://api.example.com:8443/push?x=1#frag', 'ok'],
  ['HTTPS://API.EXAMPLE.COM/Path', 'ok'], // uppercase scheme/host
  ['https://example.com./hook', 'ok'], // trailing dot FQDN
  ['https://bücher.de/hook', 'ok'], // IDN -> xn--bcher-kva.de
  ['https://xn--bcher-kva.de/', 'ok'],
  ['https://a.b.c.example.co.uk/', 'ok'],
  // Scheme.
  ['http://hooks.example.com/', 'scheme'],
  ['http://hooks.example.com/', 'ok', { allowHttp: true }],
  ['ftp://hooks.example.com/', 'scheme', { allowHttp: true }],
  ['file:///etc/passwd', 'scheme'],
  ['javascript:alert(1)', 'scheme'],
  ['gopher://127.0.0.1:6379/_FLUSHALL', 'scheme'],
  ['ws://hooks.example.com/', 'scheme'],
  // Credentials.
  ['https://user:pass@hooks.example.com/', 'credentials'],
  ['https://user@hooks.example.com/', 'credentials'],
  ['https://:pass@hooks.example.com/', 'credentials'],
  ['https://user:pass@hooks.example.com/', 'credentials', dev],
  ['https://hooks.example.com\\@127.0.0.1/', 'ok'], // WHATWG: host is hooks.example.com
  // Invalid.
  ['', 'invalid'],
  ['not a url', 'invalid'],
  ['/relative/path', 'invalid'],
  ['https://', 'invalid'],
  ['https://exa mple.com/', 'invalid'],
  ['https://256.0.0.1/', 'invalid'],
  ['https://[fe80::1%25eth0]/', 'invalid'], // zone ids are not URL syntax
  ['https://a.com:65536/', 'invalid'],
  [`https://example.com/${'a'.repeat(2100)}`, 'invalid'],
  // Ports.
  ['https://hooks.example.com:443/', 'ok'],
  ['https://hooks.example.com:80/', 'ok'],
  ['https://hooks.example.com:3000/', 'ok'],
  ['https://hooks.example.com:0/', 'port'],
  ['https://hooks.example.com:22/', 'port'],
  ['https://hooks.example.com:25/', 'port'],
  ['https://hooks.example.com:6667/', 'port'],
  ['https://hooks.example.com:1023/', 'port', dev],
  // Local names.
  ['https://localhost/', 'host'],
  ['https://LOCALHOST/', 'host'],
  ['https://localhost./', 'host'],
  ['https://localhost../', 'host'],
  ['https://ｌｏｃａｌｈｏｓｔ/', 'host'], // full-width, IDNA-mapped to localhost
  ['https://app.localhost/', 'host'],
  ['https://printer.local/', 'host'],
  ['https://db.svc.cluster.local/', 'host'],
  ['https://api.internal/', 'host'],
  ['https://router.lan/', 'host'],
  ['https://nas.home.arpa/', 'host'],
  ['https://1.0.0.127.in-addr.arpa/', 'host'],
  ['https://metadata.google.internal/computeMetadata/v1/', 'host'],
  ['https://METADATA.GOOGLE.INTERNAL./', 'host'],
  ['https://metadata.goog/', 'host'],
  ['https://metadata/', 'host'],
  ['https://instance-data/latest/meta-data/', 'host'],
  ['https://redis/', 'host'],
  ['https://1e2/', 'host'],
  ['https://a..example.com/', 'host'],
  ['http://localhost:3000/', 'ok', dev],
  // IPv4 literals in every spelling the URL parser accepts.
  ['https://127.0.0.1/', 'private'],
  ['https://127.0.0.1./', 'private'],
  ['https://127.1/', 'private'],
  ['https://2130706433/', 'private'], // decimal
  ['https://0x7f000001/', 'private'], // hex
  ['https://0x7f.0.0.1/', 'private'], // hex octet
  ['https://0177.0.0.1/', 'private'], // octal
  ['https://0177.0.0.01/', 'private'],
  ['https://%31%32%37.0.0.1/', 'private'], // percent-encoded
  ['https://127。0。0。1/', 'private'], // ideographic full stops
  ['https://①②⑦.⓪.⓪.①/', 'private'], // enclosed digits
  ['https://0/', 'private'], // 0.0.0.0
  ['https://0.0.0.0/', 'private'],
  ['https://10.1.2.3/', 'private'],
  ['https://172.16.0.1/', 'private'],
  ['https://172.31.255.255/', 'private'],
  ['https://192.168.1.1/', 'private'],
  ['https://169.254.169.254/latest/meta-data/', 'private'],
  ['https://2852039166/', 'private'], // 169.254.169.254 as decimal
  ['https://100.64.0.1/', 'private'],
  ['https://100.100.100.200/', 'private'], // Alibaba metadata, CGNAT range
  ['https://192.0.0.192/', 'private'], // Oracle metadata
  ['https://224.0.0.1/', 'private'],
  ['https://255.255.255.255/', 'private'],
  ['https://240.0.0.1/', 'private'],
  ['https://198.18.0.1/', 'private'],
  ['https://172.32.0.1/', 'ip_literal'], // just outside 172.16/12: public
  ['https://100.128.0.1/', 'ip_literal'], // just outside 100.64/10
  ['https://8.8.8.8/', 'ip_literal'],
  ['https://134744072/', 'ip_literal'], // 8.8.8.8 as decimal
  ['https://8.8.8.8/', 'ok', dev],
  ['http://127.0.0.1:8080/', 'ok', dev],
  // IPv6 literals.
  ['https://[::1]/', 'private'],
  ['https://[0:0:0:0:0:0:0:1]/', 'private'],
  ['https://[::]/', 'private'],
  ['https://[::ffff:127.0.0.1]/', 'private'], // IPv4-mapped
  ['https://[::ffff:7f00:1]/', 'private'],
  ['https://[::ffff:169.254.169.254]/', 'private'],
  ['https://[::ffff:a9fe:a9fe]/', 'private'],
  ['https://[::127.0.0.1]/', 'private'], // IPv4-compatible
  ['https://[::8.8.8.8]/', 'private'], // IPv4-compatible is deprecated outright
  ['https://[::ffff:0:127.0.0.1]/', 'private'], // IPv4-translated
  ['https://[64:ff9b::10.0.0.1]/', 'private'], // NAT64 with private v4
  ['https://[64:ff9b::8.8.8.8]/', 'ip_literal'], // NAT64 with public v4
  ['https://[2002:7f00:1::]/', 'private'], // 6to4 of 127.0.0.1
  ['https://[2002:a9fe:a9fe::1]/', 'private'], // 6to4 of 169.254.169.254
  ['https://[fc00::1]/', 'private'],
  ['https://[fd12:3456:789a::1]/', 'private'],
  ['https://[fe80::1]/', 'private'],
  ['https://[FE80::ABCD]/', 'private'],
  ['https://[ff02::1]/', 'private'],
  ['https://[2001:db8::1]/', 'private'],
  ['https://[2001:0::1]/', 'private'], // Teredo
  ['https://[::ffff:8.8.8.8]/', 'ip_literal'],
  ['https://[2606:4700:4700::1111]/', 'ip_literal'],
  ['https://[2606:4700:4700::1111]/', 'ok', dev],
  // Allowlist: narrows only.
  ['https://hooks.example.com/', 'ok', { allowlist: ['hooks.example.com'] }],
  ['https://HOOKS.example.com./', 'ok', { allowlist: ['hooks.example.com'] }],
  ['https://evil.com/', 'allowlist', { allowlist: ['hooks.example.com'] }],
  ['https://a.hooks.example.com/', 'allowlist', { allowlist: ['hooks.example.com'] }],
  ['https://a.b.example.com/', 'ok', { allowlist: ['*.example.com'] }],
  ['https://example.com/', 'allowlist', { allowlist: ['*.example.com'] }],
  ['https://badexample.com/', 'allowlist', { allowlist: ['*.example.com'] }],
  ['https://example.com.evil.com/', 'allowlist', { allowlist: ['example.com'] }],
  ['https://xn--bcher-kva.de/', 'ok', { allowlist: ['BÜCHER.de'] }],
  ['https://hooks.example.com/', 'allowlist', { allowlist: ['x@hooks.example.com'] }],
  ['https://hooks.example.com/', 'allowlist', { allowlist: [] }],
  ['http://hooks.example.com/', 'scheme', { allowlist: ['hooks.example.com'] }],
  ['https://u:p@hooks.example.com/', 'credentials', { allowlist: ['hooks.example.com'] }],
  ['https://api.internal/', 'host', { allowlist: ['api.internal'] }],
  ['https://127.0.0.1/', 'private', { allowlist: ['127.0.0.1'] }],
  ['https://127.0.0.1/', 'ok', { allowlist: ['127.0.0.1'], allowPrivate: true }],
  ['https://10.0.0.1/', 'allowlist', { allowlist: ['hooks.example.com'], allowPrivate: true }],
  // Known limitation, documented: DNS that points at private space is not visible here.
  ['https://127.0.0.1.nip.io/', 'ok'],
];

describe('checkPushUrl', () => {
  it(`has a table of ${table.length} URLs`, () => {
    expect(table.length).toBeGreaterThanOrEqual(40);
  });

  it.each(table)('%s -> %s %j', (url, expected, policy) => {
    const v = checkPushUrl(url, policy);
    if (expected === 'ok') {
      expect(v).toMatchObject({ ok: true });
    } else {
      expect(v).toMatchObject({ ok: false, code: expected });
      if (!v.ok) expect(v.reason.length).toBeGreaterThan(5);
    }
  });

  it('returns the normalised URL that fetch will use', () => {
    const v = checkPushUrl('HTTPS://Hooks.Example.COM:443/a/../b?q#f');
    expect(v.ok && v.url.href).toBe('https://hooks.example.com/b?q#f');
    const idn = checkPushUrl('https://bücher.de/');
    expect(idn.ok && idn.url.hostname).toBe('xn--bcher-kva.de');
  });

  it('reasons name the range', () => {
    expect(checkPushUrl('https://0x7f000001/')).toMatchObject({
      reason: '127.0.0.1 is loopback (127.0.0.0/8)',
    });
    expect(checkPushUrl('https://[::ffff:169.254.169.254]/')).toMatchObject({
      reason: expect.stringMatching(/IPv4-mapped of 169\.254\.169\.254, link-local/),
    });
    expect(checkPushUrl('http://hooks.example.com/')).toMatchObject({
      reason: 'scheme http: not allowed (https only)',
    });
  });

  it('never throws on hostile input', () => {
    for (const raw of [undefined, null, 42, {}, 'https://[', 'https://[::1', 'https://%00/']) {
      expect(checkPushUrl(raw as unknown as string).ok).toBe(false);
    }
  });
});

describe('checkResolved (for callers that resolve DNS themselves)', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.0.0.8', false],
    ['169.254.169.254', false],
    ['100.64.1.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['::', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['fe80::1%eth0', false],
    ['fd00::1', false],
    ['[::1]', false],
    ['64:ff9b::192.168.0.1', false],
    ['8.8.8.8', true],
    ['93.184.216.34', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
  ])('%s -> ok=%s', (ip, ok) => {
    const v = checkResolved(ip);
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.code).toBe('private');
  });

  it.each(['localhost', '0177.0.0.1', '127.1', '1.2.3.4.5', '1::2::3', '12345::', 'gggg::1', ''])(
    'refuses %j as not an IP address',
    (ip) => {
      expect(checkResolved(ip)).toMatchObject({ ok: false, code: 'invalid' });
    },
  );
});
