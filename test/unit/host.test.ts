import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { HttpError } from '../../src/errors.ts';
import { clientAddressKey, normalizeDomain, parseHostValue, requestHost, shopHost } from '../../src/net/host.ts';

test('a Host value is lowercased and loses its port and one trailing dot', (t) => {
  t.is(parseHostValue('Acme.Shops.LOCALHOST'), 'acme.shops.localhost');
  t.is(parseHostValue('acme.shops.localhost:8080'), 'acme.shops.localhost');
  t.is(parseHostValue('shop.example.com.'), 'shop.example.com');
  t.is(parseHostValue('Shop.Example.com.:443'), 'shop.example.com');
  t.is(parseHostValue('127.0.0.1:3000'), '127.0.0.1');
  t.is(parseHostValue('[::1]:3000'), '[::1]');
});

test('malformed Host values are refused', (t) => {
  for (const value of [
    '', ' ', 'shop..example.com', 'shop.example.com..', '.example.com', 'shop_1.example.com', '-shop.example.com',
    'shop-.example.com', 'user@shop.example.com', 'shop.example.com:', 'shop.example.com:99999', 'shop.example.com:8o',
    'shop.example.com:80:80', 'shop example.com', 'shop.example.com/x', 'shop%2eexample.com', `${'a'.repeat(64)}.com`,
    `${'abcdefghi.'.repeat(26)}com`, '[::1', '[not-v6]:80', '::1', 'shöp.example.com', 'a.com,b.com',
  ]) {
    t.is(parseHostValue(value), undefined, value);
  }
});

test('numeric hosts are accepted only as plain dotted quads', (t) => {
  t.is(parseHostValue('10.0.0.1'), '10.0.0.1');
  for (const value of ['127.1', '0x7f.0.0.1', '010.0.0.1', '256.0.0.1', '1.2.3.4.5', 'shop.123']) {
    t.is(parseHostValue(value), undefined, value);
  }
});

const status = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof HttpError ? `${err.status} ${err.message}` : String(err);
  }
};

const host = (rawHeaders: string[], target = '/', trustProxy = false) => requestHost({ rawHeaders, target, trustProxy });

test('a request names exactly one host', (t) => {
  t.is(host(['Host', 'Acme.shops.localhost:80', 'Accept', '*/*'], '/storefront/v1/products'), 'acme.shops.localhost');
  t.regex(status(() => host(['Accept', '*/*'])), /^400 missing Host/);
  t.regex(status(() => host(['Host', 'a.example.com', 'host', 'b.example.com'])), /^400 ambiguous host: 2 Host values/);
  t.regex(status(() => host(['Host', 'a..example.com'])), /^400 malformed Host/);
});

test('an absolute-form request target must agree with the Host header', (t) => {
  t.is(host(['Host', 'a.example.com'], 'http://A.example.com:80/storefront/v1/products'), 'a.example.com');
  t.regex(status(() => host(['Host', 'a.example.com'], 'http://b.example.com/storefront/v1/products')), /^400 ambiguous host/);
  t.regex(status(() => host(['Host', 'a.example.com'], 'http://x@a.example.com/')), /^400 ambiguous host/);
});

test('X-Forwarded-Host names the host only behind a trusted proxy, and only one may be given', (t) => {
  t.is(host(['Host', 'internal:8080', 'X-Forwarded-Host', 'Shop.Example.com'], '/', true), 'shop.example.com');
  t.is(host(['Host', 'internal:8080', 'X-Forwarded-Host', 'shop.example.com'], '/', false), 'internal');
  t.regex(status(() => host(['Host', 'internal', 'X-Forwarded-Host', 'a.example.com, b.example.com'], '/', true)), /^400 ambiguous host: 2 X-Forwarded-Host/);
  t.regex(status(() => host(['Host', 'internal', 'X-Forwarded-Host', 'a.example.com', 'X-Forwarded-Host', 'b.example.com'], '/', true)), /^400 ambiguous host/);
});

test('custom domains are host names of two or more labels, never IP addresses, stored in ASCII form', (t) => {
  t.is(normalizeDomain('Shop.Example.com.'), 'shop.example.com');
  t.is(normalizeDomain('myshop.localhost'), 'myshop.localhost');
  t.is(normalizeDomain('bücher.example'), 'xn--bcher-kva.example');
  for (const value of ['localhost', '10.0.0.1', '[::1]', 'shop.example.com:443', '*.example.com', 'shop..example.com', 'https://shop.example.com', '']) {
    t.is(normalizeDomain(value), undefined, value);
  }
});

test('a storefront host names a shop by slug under the storefront domain, otherwise by custom domain', (t) => {
  t.deepEqual(shopHost('acme.shops.localhost', 'shops.localhost'), { slug: 'acme' });
  t.deepEqual(shopHost('shop.example.com', 'shops.localhost'), { domain: 'shop.example.com' });
  t.deepEqual(shopHost('evilshops.localhost', 'shops.localhost'), { domain: 'evilshops.localhost' });
  t.is(shopHost('shops.localhost', 'shops.localhost'), undefined);
  t.is(shopHost('www.acme.shops.localhost', 'shops.localhost'), undefined);
  t.is(shopHost('127.0.0.1', 'shops.localhost'), undefined);
  t.is(shopHost('[::1]', 'shops.localhost'), undefined);
});

test('HERALD_STOREFRONT_DOMAIN is normalised like a host and refused when it is not one', (t) => {
  const load = (value: string) => loadConfig({ HERALD_DATA_DIR: mkdtempSync(join(tmpdir(), 'herald-host-')), HERALD_STOREFRONT_DOMAIN: value });
  t.is(load('Shops.Example.COM.').storefrontDomain, 'shops.example.com');
  for (const value of ['https://shops.example.com', 'shops.example.com:443', '*.example.com', 'shops..example.com', '10.0.0.1']) {
    const err = t.throws(() => load(value), { instanceOf: ConfigError }, value);
    t.regex(err!.message, /HERALD_STOREFRONT_DOMAIN/, value);
  }
});

test('clients are rate-limited by IPv4 address, or by the /64 their IPv6 address is in', (t) => {
  t.is(clientAddressKey('203.0.113.7'), '203.0.113.7');
  t.is(clientAddressKey('::ffff:203.0.113.7'), '203.0.113.7');
  const sameSubscriber = ['2001:db8:a:b::1', '2001:DB8:A:B:ffff:ffff:ffff:ffff', '2001:0db8:000a:000b:1:2:3:4', '2001:db8:a:b::1%eth0'];
  t.deepEqual(new Set(sameSubscriber.map(clientAddressKey)), new Set(['2001:db8:a:b::/64']));
  t.is(clientAddressKey('2001:db8::1:2:3:4:5'), '2001:db8:0:1::/64');
  t.is(clientAddressKey('2001:db8:a::'), '2001:db8:a:0::/64');
  t.not(clientAddressKey('2001:db8:a:c::1'), clientAddressKey('2001:db8:a:b::1'));
  t.is(clientAddressKey('::1'), '0:0:0:0::/64');
});
