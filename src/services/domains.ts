// Custom storefront domains, managed by the operator. A domain belongs to at most one tenant (the
// global table domain_routes, DESIGN §7); names under the storefront domain are refused because
// those hosts resolve by slug.
import type { ServiceContext } from '../context.ts';
import { deleteDomainRoute, insertDomainRoute, type DomainRow } from '../db/crossTenant.ts';
import { conflict, isUniqueViolation, notFound, unprocessable } from '../errors.ts';
import { getTenant } from './tenants.ts';

// Domains arrive normalised (lowercase, no trailing dot) by the DomainName schema.

export async function addDomain(services: ServiceContext, tenantId: string, domain: string): Promise<DomainRow> {
  const { pool, config: { storefrontDomain } } = services;
  const tenant = await getTenant(services, tenantId);
  if (domain === storefrontDomain || domain.endsWith(`.${storefrontDomain}`)) {
    const detail = `names under ${storefrontDomain} are storefront subdomains (<slug>.${storefrontDomain}), not custom domains`;
    throw unprocessable(detail, [{ pointer: '/domain', detail }]);
  }
  try {
    return await insertDomainRoute(pool, domain, tenant.id);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`domain "${domain}" is already registered`);
    throw err;
  }
}

/** 404 unless this tenant has the domain (another tenant's domain is not this tenant's). */
export async function removeDomain(services: ServiceContext, tenantId: string, domain: string): Promise<DomainRow> {
  const tenant = await getTenant(services, tenantId);
  const removed = await deleteDomainRoute(services.pool, domain, tenant.id);
  if (!removed) throw notFound('this tenant has no such domain');
  return removed;
}
