// Operator routes for custom storefront domains (DESIGN §4 operator row). DELETE takes the domain
// in the body as DESIGN lists it, or in the path for clients that cannot send a DELETE body:
// DELETE /admin/v1/tenants/:id/domains/shop.example.com.
import { Domain, presentDomain } from '../../presenters/tenants.ts';
import { addDomain, removeDomain } from '../../services/domains.ts';
import { DomainName, NewDomain } from '../schemas/tenants.ts';
import { parseWith } from '../schemas/validate.ts';
import { route } from '../route.ts';

const tag = 'operator';

export const domainRoutes = [
  route({
    method: 'post', path: '/admin/v1/tenants/:id/domains', summary: 'Register a custom storefront domain', tag, access: 'admin', body: NewDomain,
    response: { status: 201, schema: Domain }, errors: [409, 422],
    handle: async ({ params, body, services }) =>
      ({ status: 201, body: presentDomain(await addDomain(services, params.id, body.domain)) }),
  }),
  route({
    method: 'delete', path: '/admin/v1/tenants/:id/domains', summary: 'Remove a custom storefront domain named in the body', tag, access: 'admin', body: NewDomain,
    response: { status: 204 },
    handle: async ({ params, body, services }) => {
      await removeDomain(services, params.id, body.domain);
      return { status: 204 };
    },
  }),
  route({
    method: 'delete', path: '/admin/v1/tenants/:id/domains/:domain', summary: 'Remove a custom storefront domain named in the path', tag, access: 'admin',
    response: { status: 204 }, errors: [400],
    handle: async ({ params, services }) => {
      await removeDomain(services, params.id, parseWith(DomainName, params.domain, '/domain'));
      return { status: 204 };
    },
  }),
];
