// Requests to the storefront as a browser would send them: through node:http, because fetch()
// always sends its own Host, and the storefront names its shop by the Host header.
import http from 'node:http';
import type { TestApi } from './api.ts';
import type { TestTenant } from './factories.ts';

export interface ShopReply<T = any> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
  /** The body as received. */
  bytes: Buffer;
}

export interface ShopRequest {
  host?: string;
  method?: string;
  /** A raw [name, value, ...] list sends a header twice. */
  headers?: Record<string, string> | string[];
  /** JSON, sent with content-type application/json. */
  body?: unknown;
  /** Bytes sent as they are (give the content-type in headers). */
  raw?: Buffer | string;
  /** The client's loopback address: each has its own rate-limit allowance. */
  localAddress?: string;
}

export function storefrontRequest(api: TestApi, path: string, options: ShopRequest = {}): Promise<ShopReply> {
  const { port } = new URL(api.url);
  const payload = options.body !== undefined ? Buffer.from(JSON.stringify(options.body)) : options.raw !== undefined ? Buffer.from(options.raw) : undefined;
  const headers = Array.isArray(options.headers)
    ? options.headers
    : {
        ...(options.host ? { host: options.host } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(payload ? { 'content-length': String(payload.length) } : {}),
        ...options.headers,
      };
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers,
      setHost: !options.host && !Array.isArray(options.headers), localAddress: options.localAddress,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const json = /json/.test(res.headers['content-type'] ?? '');
        resolve({ status: res.statusCode!, headers: res.headers, body: json && bytes.length ? JSON.parse(bytes.toString('utf8')) : bytes.length ? bytes : undefined, bytes });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const shopHostOf = (tenant: Pick<TestTenant, 'slug'>) => `${tenant.slug}.shops.localhost`;

/** A shopper at one shop: requests with its host, from one loopback address, holding one cart's token. */
export function shopper(api: TestApi, tenant: Pick<TestTenant, 'slug'>, localAddress = '127.0.0.1') {
  const host = shopHostOf(tenant);
  let cart: { id: string; token: string } | undefined;
  const send = (method: string, path: string, options: Omit<ShopRequest, 'host' | 'localAddress' | 'method'> = {}) =>
    storefrontRequest(api, path, {
      ...options, method, host, localAddress,
      headers: { ...(cart ? { 'cart-token': cart.token } : {}), ...(options.headers as Record<string, string> | undefined) },
    });
  return {
    host,
    send,
    get cart() {
      return cart;
    },
    /** Creates a cart and holds its token for the next requests. */
    async newCart(items?: { variant_id: string; quantity: number }[]) {
      const res = await send('POST', '/storefront/v1/carts', { body: items ? { items } : {} });
      if (res.status !== 201) throw new Error(`create cart: ${res.status} ${JSON.stringify(res.body)}`);
      cart = { id: res.body.id, token: res.body.token };
      return res.body;
    },
    /** Holds another cart (e.g. someone else's). */
    hold(other: { id: string; token: string } | undefined) {
      cart = other;
    },
    async add(variantId: string, quantity = 1) {
      return send('POST', `/storefront/v1/carts/${cart!.id}/items`, { body: { variant_id: variantId, quantity } });
    },
    async checkout(body: Record<string, unknown> = {}) {
      return send('POST', `/storefront/v1/carts/${cart!.id}/checkout`, {
        body: { email: 'shopper@example.com', shipping_address: { name: 'Ada Lovelace', line1: '1 Main St', city: 'London', country: 'GB' }, ...body },
      });
    },
    async complete(checkoutId: string) {
      return send('POST', `/storefront/v1/checkouts/${checkoutId}/complete`);
    },
  };
}
