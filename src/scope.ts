// The vocabulary of tenancy shared by every layer: modes, roles, and the scope a unit of work
// runs in. One definition each; schemas, services and SQL checks use these lists.

export const MODES = ['live', 'test'] as const;
export type Mode = (typeof MODES)[number];

/** Ordered: each role may do what the ones before it may. */
export const ROLES = ['viewer', 'developer', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const roleAtLeast = (role: Role | null, needed: Role): boolean =>
  role !== null && ROLES.indexOf(role) >= ROLES.indexOf(needed);

/** The tenant and mode a unit of work runs under (row-level security reads them back). */
export interface TenantScope {
  tenantId: string;
  mode: Mode;
}
