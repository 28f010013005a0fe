// Operator routes for custom storefront domains (DESIGN §4 operator row). DELETE takes the domain
// in the body as DESIGN lists it, or in the path for clients that cannot send a DELETE body:
// DELETE /admin/v1/tenants/:id/domains/shop.example.com.
import { z } from 'zod';
import type { DomainRow } from '../../db/domains.ts';
import { addDomain, removeDomain } from '../../services/domains.ts';
import { normalizeDomain } from '../host.ts';
import { parseWith, route } from '../route.ts';

/** A host name of two or more labels (not an IP, no port, no wildcard); case and one trailing dot
 * are ignored, internationalised names are kept in their ASCII (xn--) form. */
export const DomainName = z.string().max(300)
  .refine((name) => normalizeDomain(name) !== undefined, 'expected a host name such as shop.example.com (no scheme, port, path, wildcard or IP address)')
  .transform((name) => normalizeDomain(name)!);

export const NewDomain = z.strictObject({ domain: DomainName });

export const Domain = z.object({ object: z.literal('domain'), domain: z.string(), tenant_id: z.string(), created_at: z.string() });

export const presentDomain = (d: DomainRow): z.infer<typeof Domain> =>
  ({ object: 'domain', domain: d.domain, tenant_id: d.tenant_id, created_at: d.created_at.toISOString() });

const tag = 'operator';

export const domainRoutes = [
  route({
    method: 'post', path: '/admin/v1/tenants/:id/domains', summary: 'Register a custom storefront domain', tag, access: 'admin', body: NewDomain,
    response: { status: 201, schema: Domain }, errors: [409, 422],
    handle: async ({ params, body, deps }) =>
      ({ status: 201, body: presentDomain(await addDomain(deps.pool, params.id, body.domain, deps.config.storefrontDomain)) }),
  }),
  route({
    method: 'delete', path: '/admin/v1/tenants/:id/domains', summary: 'Remove a custom storefront domain named in the body', tag, access: 'admin', body: NewDomain,
    response: { status: 204 },
    handle: async ({ params, body, deps }) => {
      await removeDomain(deps.pool, params.id, body.domain);
      return { status: 204 };
    },
  }),
  route({
    method: 'delete', path: '/admin/v1/tenants/:id/domains/:domain', summary: 'Remove a custom storefront domain named in the path', tag, access: 'admin',
    response: { status: 204 }, errors: [400],
    handle: async ({ params, deps }) => {
      await removeDomain(deps.pool, params.id, parseWith(DomainName, params.domain, '/domain'));
      return { status: 204 };
    },
  }),
];
