// Factories that arrange tenants, organizations and credentials through the operator API.
import { randomBytes } from 'node:crypto';
import type { TestApi } from './api.ts';

export interface TestTenant {
  id: string;
  slug: string;
  orgId: string;
  /** A new API key for this tenant's organization. */
  key(options?: { mode?: 'live' | 'test'; role?: 'viewer' | 'developer' | 'admin' | 'owner'; kind?: 'secret' | 'publishable' }): Promise<{ id: string; key: string }>;
}

function expectStatus(res: { status: number; body: unknown }, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

export async function createTenant(api: TestApi, name = `Shop ${randomBytes(4).toString('hex')}`): Promise<TestTenant> {
  const tenant = await api.admin('POST', '/admin/v1/tenants', { name });
  expectStatus(tenant, 201, 'create tenant');
  const org = await api.admin('POST', `/admin/v1/tenants/${tenant.body.id}/organizations`, { name: 'Main' });
  expectStatus(org, 201, 'create organization');
  return {
    id: tenant.body.id,
    slug: tenant.body.slug,
    orgId: org.body.id,
    async key({ mode = 'live', role = 'owner', kind = 'secret' } = {}) {
      const res = await api.admin('POST', `/admin/v1/tenants/${tenant.body.id}/api-keys`, {
        org_id: org.body.id, mode, kind, ...(kind === 'secret' ? { role } : {}),
      });
      expectStatus(res, 201, 'create api key');
      return { id: res.body.id, key: res.body.key };
    },
  };
}

/** A tenant and one secret key: the common arrangement. */
export async function tenantWithKey(api: TestApi, options: Parameters<TestTenant['key']>[0] = {}) {
  const tenant = await createTenant(api);
  const { key, id: keyId } = await tenant.key(options);
  return { tenant, key, keyId };
}
