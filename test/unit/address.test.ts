import test from 'ava';
import { checkAddress, checkUrl, parseCidr } from '../../src/net/address.ts';

const refused = (address: string, reason: RegExp, allow: string[] = []) => (t: any) => {
  const decision = checkAddress(address, allow.map((c) => parseCidr(c)!));
  t.false(decision.allowed, address);
  if (!decision.allowed) t.regex(decision.reason, reason, address);
};

test('global unicast addresses are allowed', (t) => {
  for (const a of ['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:82f::200e']) t.true(checkAddress(a).allowed, a);
});

test('loopback, private, link-local (metadata), CGNAT, multicast and reserved IPv4 are refused', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['127.0.0.1', /loopback/], ['127.255.255.254', /loopback/], ['10.0.0.1', /private/], ['172.16.5.4', /private/],
    ['172.31.255.255', /private/], ['192.168.1.1', /private/], ['169.254.169.254', /link-local/], ['169.254.0.1', /link-local/],
    ['100.64.0.1', /CGNAT/], ['100.127.255.255', /CGNAT/], ['224.0.0.251', /multicast/], ['239.255.255.250', /multicast/],
    ['0.0.0.0', /unspecified/], ['240.0.0.1', /reserved/], ['255.255.255.255', /reserved/], ['192.0.2.1', /reserved/],
    ['198.18.0.1', /reserved/], ['203.0.113.9', /reserved/], ['192.0.0.170', /reserved/],
  ];
  for (const [address, reason] of cases) refused(address, reason)(t);
  for (const edge of ['172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '169.253.255.255', '11.0.0.0']) t.true(checkAddress(edge).allowed, edge);
});

test('IPv6 loopback, unique-local, link-local, multicast and IPv4-mapped/translated forms are refused', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['::1', /loopback/], ['::', /unspecified/], ['fd00::1', /private/], ['fc00::1', /private/], ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/], ['ff02::1', /multicast/], ['::ffff:127.0.0.1', /IPv4-mapped/], ['::ffff:7f00:1', /IPv4-mapped/],
    ['::ffff:169.254.169.254', /IPv4-mapped/], ['::ffff:8.8.8.8', /IPv4-mapped/], ['64:ff9b::a9fe:a9fe', /IPv4-translated/],
    ['::127.0.0.1', /IPv4-compatible/], ['2001:db8::1', /reserved/], ['2002:7f00:1::', /reserved/], ['2001::1', /reserved/],
    ['fd00:ec2::254', /private/],
  ];
  for (const [address, reason] of cases) refused(address, reason)(t);
});

test('the allow-list lets chosen networks through, including their IPv4-mapped forms', (t) => {
  const allow = ['10.0.0.0/8', '127.0.0.0/8', 'fd00::/8'].map((c) => parseCidr(c)!);
  for (const a of ['10.1.2.3', '127.0.0.1', '::ffff:127.0.0.1', 'fd12::1']) t.true(checkAddress(a, allow).allowed, a);
  for (const a of ['192.168.0.1', '169.254.169.254', '::1', 'fe80::1']) t.false(checkAddress(a, allow).allowed, a);
  t.false(checkAddress('not-an-ip').allowed);
});

test('CIDRs parse strictly', (t) => {
  t.like(parseCidr('10.0.0.0/8'), { family: 4, bits: 8 });
  t.like(parseCidr('::1'), { family: 6, bits: 128 });
  for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/8/1', 'fd00::/129', '10.0.0/8', 'example.com/8', '10.0.0.0/8x']) t.is(parseCidr(bad), undefined, bad);
});

test('URLs are checked after WHATWG normalisation: loopback spellings, localhost names, credentials, schemes', (t) => {
  const policy = { allow: [], production: false };
  for (const url of ['http://127.0.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://127.1/', 'http://0177.0.0.1/', 'http://[::1]/',
    'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/', 'http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/', 'http://169.254.169.254/',
    'http://[0:0:0:0:0:0:0:1]/', 'http://[::]/', 'http://0x7f.1/', 'http://127.000.000.001/', 'http://127.0.0.1./', 'http://%31%32%37.0.0.1/',
    'http://\uff11\uff12\uff17.0.0.1/', 'http://\u2460\u2461\u2466.0.0.1/', 'http://%6c%6f%63%61%6c%68%6f%73%74/', 'http://[64:ff9b::7f00:1]/']) {
    const d = checkUrl(url, policy);
    t.true(!d.allowed && d.problem === 'refused', url);
  }
  for (const url of ['ftp://example.com/', 'https://u:p@example.com/', 'https://example.com/#x', 'nonsense', 'file:///etc/passwd', 'javascript:alert(1)']) {
    const d = checkUrl(url, policy);
    t.true(!d.allowed && d.problem === 'invalid', url);
  }
  const ok = checkUrl('https://Example.com/a/../b', policy);
  t.true(ok.allowed && ok.url.href === 'https://example.com/b');
  t.true(checkUrl('http://localhost:8080/', { allow: ['127.0.0.0/8', '::1/128'].map((c) => parseCidr(c)!), production: false }).allowed);
});

test('in production http: is only for allow-listed networks', (t) => {
  const production = { allow: [parseCidr('10.0.0.0/8')!], production: true };
  t.false(checkUrl('http://93.184.215.14/', production).allowed);
  t.true(checkUrl('https://93.184.215.14/', production).allowed);
  t.true(checkUrl('http://10.1.1.1/', production).allowed);
  t.true(checkUrl('http://hooks.example.com/', production).allowed, 'a host name is checked when connecting');
});

test('a refused localhost URL says exactly which networks to allow; a refused literal names its network', (t) => {
  const allow = (list: string[]) => ({ allow: list.map((c) => parseCidr(c)!), production: false });
  const reasonOf = (url: string, policy: ReturnType<typeof allow>) => {
    const d = checkUrl(url, policy);
    return d.allowed ? '' : d.reason;
  };
  t.regex(reasonOf('http://localhost:4000/', allow([])), /add 127\.0\.0\.0\/8,::1\/128 to HERALD_ALLOW_PRIVATE_NETWORKS$/);
  t.regex(reasonOf('http://localhost:4000/', allow(['127.0.0.0/8'])), /^localhost is a loopback name; to allow it, add ::1\/128 to HERALD_ALLOW_PRIVATE_NETWORKS$/);
  t.true(checkUrl('http://localhost:4000/', allow(['127.0.0.0/8', '::1/128'])).allowed);
  t.regex(reasonOf('http://10.1.2.3/', allow([])), /private address \(10\.0\.0\.0\/8\); only public addresses are reachable: add 10\.0\.0\.0\/8 to HERALD_ALLOW_PRIVATE_NETWORKS/);
  t.regex(reasonOf('http://[::1]/', allow(['127.0.0.0/8'])), /add ::1\/128 to HERALD_ALLOW_PRIVATE_NETWORKS/);
});
