// Every query that runs before a tenant is known or across tenants: the one surface where
// isolation could fail, kept in one file to be read in one sitting. Each goes through a narrow
// SECURITY DEFINER function owned by the NOLOGIN role herald_lookup (sql/), which returns ids and
// scope only, never a tenant's data; the caller then works under withTenant for that scope.
//
// Elsewhere, by necessity (they read pg-boss's own table, which has no tenant column to scope):
// src/queue/index.ts — Queue.reclaimStalled, Queue.withoutLiveJob, Queue.backlog, Queue.analyze.
//
// The global tables (tenants, organizations, users, memberships, domain_routes, rate_limits) are
// out of herald_app's reach: it reads and writes them only through the functions called in the
// second half of this file (sql/021, 022), none of which returns a password hash.
import type { Pool, Tx } from './pool.ts';
import type { Mode, Role } from '../scope.ts';

/** A pool or an open transaction: the global functions join the caller's transaction when given one. */
type Db = Pool | Tx;

export interface ResolvedKey {
  key_id: string;
  tenant_id: string;
  org_id: string;
  mode: Mode;
  kind: 'secret' | 'publishable';
  role: string | null;
  revoked: boolean;
  tenant_status: string;
}

/** Why: a request's API key names its tenant; the tenant is unknown until the key is found. */
export async function resolveApiKey(pool: Pool, hash: string): Promise<ResolvedKey | undefined> {
  const { rows } = await pool.query('select * from resolve_api_key($1)', [hash]);
  return rows[0];
}

/** Why: a storefront request names its shop by a custom domain. The active tenant it is registered to. */
export async function resolveDomain(pool: Pool, domain: string): Promise<string | undefined> {
  const { rows } = await pool.query('select resolve_storefront_domain($1) as tenant_id', [domain]);
  return rows[0].tenant_id ?? undefined;
}

/** Why: a storefront request names its shop by `<slug>.<storefront domain>`. The active tenant with this slug. */
export async function resolveSlug(pool: Pool, slug: string): Promise<string | undefined> {
  const { rows } = await pool.query('select resolve_storefront_slug($1) as tenant_id', [slug]);
  return rows[0].tenant_id ?? undefined;
}

export interface ClaimedOutboxRow {
  tenant_id: string;
  mode: Mode;
  event_id: string;
  /** Commit order. */
  seq: number;
  /** Seconds from the event's commit to its claim. */
  waited: number;
}

/**
 * Why: the dispatcher serves every tenant's outbox. Claims (deletes, in the caller's transaction)
 * the oldest unclaimed outbox rows of any tenants, skipping rows another dispatcher holds, and
 * returns their ids and scope only.
 */
export async function claimOutbox(tx: Tx, limit: number): Promise<ClaimedOutboxRow[]> {
  const { rows } = await tx.query('select tenant_id, mode, event_id, seq, waited from claim_outbox($1)', [limit]);
  return rows;
}

export interface OverdueDelivery {
  tenant_id: string;
  mode: Mode;
  delivery_id: string;
  /** The attempt that is due. */
  attempt: number;
  next_attempt_at: Date;
}

/**
 * Why: the sweeper looks for every tenant's attempts whose job was lost. Deliveries whose next
 * attempt was due before `dueBefore`, oldest first, in pages after the previous page's last row.
 */
export async function overdueDeliveries(pool: Pool, dueBefore: Date, after: OverdueDelivery | undefined, limit: number): Promise<OverdueDelivery[]> {
  const { rows } = await pool.query(
    'select tenant_id, mode, delivery_id, attempt, next_attempt_at from overdue_deliveries($1, $2, $3, $4)',
    [dueBefore, after?.next_attempt_at ?? null, after?.delivery_id ?? null, limit],
  );
  return rows;
}

/**
 * Why: unordered flows are released without locks, so a rare race can leave one with parked
 * deliveries and room (sql/034); the sweeper finds them across tenants and releases each in its
 * own scope. Flows only, at most `limit`.
 */
export async function stalledFlows(pool: Pool, capacity: number, limit: number): Promise<Array<{ tenant_id: string; mode: Mode; endpoint_id: string; flow: string }>> {
  const { rows } = await pool.query('select tenant_id, mode, endpoint_id, flow from stalled_flows($1, $2)', [capacity, limit]);
  return rows;
}

/**
 * Why: the worker keeps every active scope's dashboard rollups up to date (sql/061), so no
 * overview pays for a long roll-up. Scopes only, stalest first, at most `limit`.
 */
export async function dashboardScopesDue(pool: Pool, reachFrom: Date, checkedBefore: Date, limit: number): Promise<Array<{ tenant_id: string; mode: Mode }>> {
  const { rows } = await pool.query('select tenant_id, mode from dashboard_scopes_due($1, $2, $3)', [reachFrom, checkedBefore, limit]);
  return rows;
}

/** Why: metrics report the whole system's backlog. Counts only: events waiting for dispatch, the oldest one's wait in seconds. */
export async function outboxBacklog(pool: Pool): Promise<{ depth: number; waited: number }> {
  const { rows } = await pool.query('select depth::int, coalesce(extract(epoch from now() - oldest), 0)::float8 as waited from outbox_backlog()');
  return rows[0];
}

export interface ScopedId {
  tenant_id: string;
  mode: Mode;
  id: string;
}

/**
 * Why: the worker expires every tenant's checkouts whose 24 hours have run out. Open checkouts
 * that expired at `now`, oldest first, at most `limit`; each is expired under its own tenant.
 */
export async function expiredCheckouts(pool: Pool, now: Date, limit: number): Promise<ScopedId[]> {
  const { rows } = await pool.query('select tenant_id, mode, checkout_id as id from expired_checkouts($1, $2)', [now, limit]);
  return rows;
}

/**
 * Why: the worker cancels every tenant's storefront orders left unpaid past
 * HERALD_UNPAID_ORDER_TTL. Pending storefront orders whose payment was due at `now`, oldest
 * first, at most `limit`; each is cancelled under its own tenant.
 */
export async function unpaidStorefrontOrders(pool: Pool, now: Date, limit: number): Promise<ScopedId[]> {
  const { rows } = await pool.query('select tenant_id, mode, order_id as id from unpaid_storefront_orders($1, $2)', [now, limit]);
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Retention (sql/040_retention.sql). Why: the worker removes what every tenant no longer keeps.
// Each call deletes one bounded batch, by the rule its function names, and returns counts only;
// a purge another worker is running meanwhile comes back empty.

export interface PrunedEvents {
  events: number;
  deliveries: number;
  attempts: number;
  /** The tenant to go on from in the next call; null once every tenant was seen. */
  next_tenant: string | null;
}

/**
 * Events created before `cutoff` whose deliveries have all ended, with those deliveries and
 * their attempts: at most `max` events, tenant by tenant from `after`. `floor` is the smallest
 * event id of the cutoff's millisecond (idFloor).
 */
export async function pruneExpiredEvents(pool: Pool, cutoff: Date, floor: string, after: string | null, max: number): Promise<PrunedEvents> {
  const { rows } = await pool.query('select events, deliveries, attempts, next_tenant from prune_expired_events($1, $2, $3::uuid, $4::int)', [cutoff, floor, after, max]);
  return rows[0];
}

/** Endpoints deleted before `cutoff` that no delivery or attempt refers to any more. */
export async function purgeDeletedEndpoints(pool: Pool, cutoff: Date, max: number): Promise<number> {
  const { rows } = await pool.query('select purge_deleted_endpoints($1, $2::int) as n', [cutoff, max]);
  return rows[0].n;
}

/** Idempotency records made before `before`. */
export async function purgeIdempotencyKeys(pool: Pool, before: Date, max: number): Promise<number> {
  const { rows } = await pool.query('select purge_idempotency_keys($1, $2::int) as n', [before, max]);
  return rows[0].n;
}

/** Rate-limit counters whose window ended over an hour ago. */
export async function purgeRateLimits(pool: Pool, max: number): Promise<number> {
  const { rows } = await pool.query('select purge_rate_limits($1::int) as n', [max]);
  return rows[0].n;
}

/** Carts never checked out and unchanged since `before` (id below `floor`), with their items and expired checkouts. */
export async function purgeAbandonedCarts(pool: Pool, before: Date, floor: string, max: number): Promise<{ carts: number; checkouts: number; items: number }> {
  const { rows } = await pool.query('select carts, checkouts, items from purge_abandoned_carts($1, $2, $3::int)', [before, floor, max]);
  return rows[0];
}

/** Dashboard sessions past their expiry at `now`, or idle longer than `idleSeconds`. */
export async function purgeExpiredSessions(pool: Pool, now: Date, idleSeconds: number, max: number): Promise<number> {
  const { rows } = await pool.query('select purge_expired_sessions($1, $2::int, $3::int) as n', [now, idleSeconds, max]);
  return rows[0].n;
}

/** Audit entries made before `before` (id below `floor`). */
export async function purgeAuditLog(pool: Pool, before: Date, floor: string, max: number): Promise<number> {
  const { rows } = await pool.query('select purge_audit_log($1, $2, $3::int) as n', [before, floor, max]);
  return rows[0].n;
}

// ---------------------------------------------------------------------------------------------
// Global tables, through narrow functions (sql/021_global_tables.sql). Why: tenants, organizations,
// users and memberships are not tenant-scoped; the operator manages them, owners manage their
// organization's members, a login names its tenant before any tenant is known, and a user's
// memberships span tenants.

export interface TenantRow {
  id: string;
  name: string;
  slug: string;
  status: 'active' | 'suspended';
  api_rate_limit: number;
  created_at: Date;
}

const TENANT = 'id, name, slug, status, api_rate_limit, created_at';

export async function tenantById(db: Db, id: string): Promise<TenantRow | undefined> {
  const { rows } = await db.query(`select ${TENANT} from tenant_by_id($1::uuid)`, [id]);
  return rows[0];
}

export async function listTenantRows(db: Db, page: { limit: number; startingAfter?: string }): Promise<TenantRow[]> {
  const { rows } = await db.query(`select ${TENANT} from list_tenants($1::int, $2::uuid)`, [page.limit, page.startingAfter ?? null]);
  return rows;
}

export async function insertTenant(db: Db, t: { id: string; name: string; slug: string }): Promise<TenantRow> {
  const { rows } = await db.query(`select ${TENANT} from create_tenant($1::uuid, $2, $3)`, [t.id, t.name, t.slug]);
  return rows[0];
}

/** Unset fields stay as they are. */
export async function updateTenant(db: Db, id: string, change: { status?: string; apiRateLimit?: number }): Promise<TenantRow | undefined> {
  const { rows } = await db.query(`select ${TENANT} from update_tenant($1::uuid, $2, $3::int)`, [id, change.status ?? null, change.apiRateLimit ?? null]);
  return rows[0];
}

export interface OrganizationRow {
  tenant_id: string;
  id: string;
  name: string;
  created_at: Date;
}

export async function insertOrganization(db: Db, o: { tenantId: string; id: string; name: string }): Promise<OrganizationRow> {
  const { rows } = await db.query('select tenant_id, id, name, created_at from create_organization($1::uuid, $2::uuid, $3)', [o.tenantId, o.id, o.name]);
  return rows[0];
}

export async function organizationById(db: Db, tenantId: string, id: string): Promise<OrganizationRow | undefined> {
  const { rows } = await db.query('select tenant_id, id, name, created_at from organization_by_id($1::uuid, $2::uuid)', [tenantId, id]);
  return rows[0];
}

/** A user account; the password hash never leaves the database. */
export interface UserRow {
  id: string;
  email: string;
  created_at: Date;
}

export async function insertUser(db: Db, u: { id: string; email: string; passwordHash: string }): Promise<UserRow> {
  const { rows } = await db.query('select id, email, created_at from create_user($1::uuid, $2, $3)', [u.id, u.email, u.passwordHash]);
  return rows[0];
}

export async function userById(db: Db, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query('select id, email, created_at from user_by_id($1::uuid)', [id]);
  return rows[0];
}

export async function userByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query('select id, email, created_at from user_by_email($1)', [email]);
  return rows[0];
}

/** The user's hash parameters and salt (`scrypt$N$r$p$salt`), by id or else by email. */
export async function passwordParams(db: Db, who: { userId?: string; email?: string }): Promise<{ user_id: string; params: string } | undefined> {
  const { rows } = await db.query('select user_id, params from password_params($1::uuid, $2)', [who.userId ?? null, who.email ?? null]);
  return rows[0];
}

/** Whether `candidate` (the params plus the hash derived from a password given) is the stored hash. */
export async function passwordMatches(db: Db, userId: string, candidate: string): Promise<boolean> {
  const { rows } = await db.query('select password_matches($1::uuid, $2) as ok', [userId, candidate]);
  return rows[0].ok;
}

/** Sets a new hash and moves the user's credentials version on; the token `keptToken` (a jti) keeps working. */
export async function changePassword(db: Db, userId: string, passwordHash: string, keptToken: string | null): Promise<number> {
  const { rows } = await db.query('select change_password($1::uuid, $2, $3) as version', [userId, passwordHash, keptToken]);
  return rows[0].version;
}

export interface MemberRow {
  user_id: string;
  email: string;
  role: Role;
  created_at: Date;
}

const MEMBER = 'user_id, email, role, created_at';

/** Newest first, after the member `startingAfter` (a user id). */
export async function listMembers(db: Db, org: { tenantId: string; orgId: string }, page: { limit: number; startingAfter?: string }): Promise<MemberRow[]> {
  const { rows } = await db.query(`select ${MEMBER} from list_members($1::uuid, $2::uuid, $3::int, $4::uuid)`, [org.tenantId, org.orgId, page.limit, page.startingAfter ?? null]);
  return rows;
}

export async function memberById(db: Db, org: { tenantId: string; orgId: string }, userId: string): Promise<MemberRow | undefined> {
  const { rows } = await db.query(`select ${MEMBER} from member_by_id($1::uuid, $2::uuid, $3::uuid)`, [org.tenantId, org.orgId, userId]);
  return rows[0];
}

export interface UserMembership {
  tenant_id: string;
  tenant_name: string;
  org_id: string;
  org_name: string;
  role: Role;
}

/** Every membership of the user, in every tenant. */
export async function userMemberships(db: Db, userId: string): Promise<UserMembership[]> {
  const { rows } = await db.query('select tenant_id, tenant_name, org_id, org_name, role from user_memberships($1::uuid)', [userId]);
  return rows;
}

export type MembershipOutcome = 'created' | 'updated' | 'exists' | 'missing' | 'above_role' | 'last_owner' | 'removed';

/**
 * Adds (`create`) and/or changes (`update`) a membership under the organization's lock; refuses a
 * member whose role is above `maxRole`, or a change that would leave the organization no owner.
 */
export async function putMembership(
  db: Db, m: { tenantId: string; orgId: string; userId: string; role: Role },
  rules: { create: boolean; update: boolean; maxRole: Role | null },
): Promise<{ outcome: MembershipOutcome; member?: MemberRow }> {
  const { rows } = await db.query(
    `select outcome, ${MEMBER} from put_membership($1::uuid, $2::uuid, $3::uuid, $4, $5::boolean, $6::boolean, $7)`,
    [m.tenantId, m.orgId, m.userId, m.role, rules.create, rules.update, rules.maxRole],
  );
  const { outcome, ...member } = rows[0];
  return { outcome, member: member.user_id ? member : undefined };
}

export async function removeMembership(db: Db, m: { tenantId: string; orgId: string; userId: string }, maxRole: Role | null): Promise<{ outcome: MembershipOutcome; role: Role | null }> {
  const { rows } = await db.query('select outcome, role from remove_membership($1::uuid, $2::uuid, $3::uuid, $4)', [m.tenantId, m.orgId, m.userId, maxRole]);
  return rows[0];
}

export interface TokenState {
  tenant_status: string;
  /** A user's token: the membership it was issued for (null when there is none). */
  member_role: Role | null;
  membership_id: string | null;
  credentials_version: number | null;
  kept_token: string | null;
  /** A key's token: whether the key is revoked, gone or not of the token's organization. */
  key_revoked: boolean | null;
}

/** Why: a JWT names its tenant. What its use must check, or undefined when the organization is not the tenant's. */
export async function resolveToken(pool: Pool, t: { tenantId: string; orgId: string; userId?: string; keyId?: string }): Promise<TokenState | undefined> {
  const { rows } = await pool.query(
    'select tenant_status, member_role, membership_id, credentials_version, kept_token, key_revoked from resolve_token($1::uuid, $2::uuid, $3::uuid, $4)',
    [t.tenantId, t.orgId, t.userId ?? null, t.keyId ?? null],
  );
  return rows[0];
}

export interface DomainRow {
  tenant_id: string;
  domain: string;
  created_at: Date;
}

/** Why: a host name is unique across tenants (a unique violation when another tenant holds it). */
export async function insertDomainRoute(db: Db, domain: string, tenantId: string): Promise<DomainRow> {
  const { rows } = await db.query('select domain, tenant_id, created_at from add_domain_route($1, $2::uuid)', [domain, tenantId]);
  return rows[0];
}

/** The tenant's own domain only; another tenant's is as missing as an unknown one. */
export async function deleteDomainRoute(db: Db, domain: string, tenantId: string): Promise<DomainRow | undefined> {
  const { rows } = await db.query('select domain, tenant_id, created_at from remove_domain_route($1, $2::uuid)', [domain, tenantId]);
  return rows[0];
}

// ---------------------------------------------------------------------------------------------
// Rate limits (sql/022_rate_limits.sql). Why: limits hold across every API process, so their
// counters live in one global table, keyed by what they limit (an address, an email, a tenant).

export interface Allowance {
  granted: number;
  /** What is left of the window after this take. */
  remaining: number;
  /** Milliseconds until the window ends. */
  reset_ms: number;
}

/** Takes up to `want` of `max` per window of `windowSeconds` for `key` (`want` 0 only looks). */
export async function takeRateLimit(pool: Pool, key: string, windowSeconds: number, max: number, want: number): Promise<Allowance> {
  const { rows } = await pool.query('select granted, remaining, reset_ms from take_rate_limit($1, $2::int, $3::int, $4::int)', [key, windowSeconds, max, want]);
  return rows[0];
}

/** The per-tenant API limit (requests per second, set by the operator); undefined for an unknown tenant. */
export async function takeTenantAllowance(pool: Pool, tenantId: string, want: number): Promise<(Allowance & { api_rate_limit: number }) | undefined> {
  const { rows } = await pool.query('select granted, remaining, reset_ms, api_rate_limit from take_tenant_allowance($1::uuid, $2::int)', [tenantId, want]);
  return rows[0];
}

// ---------------------------------------------------------------------------------------------
// Dashboard sessions (sql/050_dashboard_sessions.sql). Why: a session is a global row (a user may
// switch tenants), found by the hash of its cookie before any tenant is known. Each function
// checks the membership the session acts through; none returns anything but ids, scope and the
// session's CSRF token.

export interface SessionState {
  user_id: string;
  email: string;
  /** null for a user who belongs to no organization. */
  tenant_id: string | null;
  org_id: string | null;
  mode: Mode;
  /** The membership's role now. */
  role: Role | null;
  tenant_status: string | null;
  csrf_token: string;
  created_at: Date;
  expires_at: Date;
}

export interface SessionTimeouts {
  idleSeconds: number;
  maxAgeSeconds: number;
}

/** False when the user is not a member of (tenant, org). */
export async function insertSession(
  db: Db, s: { id: string; userId: string; tenantId: string | null; orgId: string | null; mode: Mode; csrf: string }, now: Date, timeouts: SessionTimeouts,
): Promise<boolean> {
  const { rows } = await db.query(
    'select create_session($1, $2::uuid, $3::uuid, $4::uuid, $5, $6, $7::timestamptz, $8::int, $9::int) as ok',
    [s.id, s.userId, s.tenantId, s.orgId, s.mode, s.csrf, now, timeouts.idleSeconds, timeouts.maxAgeSeconds],
  );
  return rows[0].ok;
}

/** The live session with this id (the hash of its token), or undefined: unknown, idle, expired, its membership ended or its password changed. */
export async function resolveSession(db: Db, id: string, now: Date, idleSeconds: number): Promise<SessionState | undefined> {
  const { rows } = await db.query(
    `select user_id, email, tenant_id, org_id, mode, role, tenant_status, csrf_token, created_at, expires_at
       from resolve_session($1, $2::timestamptz, $3::int)`,
    [id, now, idleSeconds],
  );
  return rows[0];
}

/** Replaces session `oldId` by `newId` acting through (tenant, org, mode); false when it is gone or the user is not a member there. */
export async function rotateSession(
  db: Db, oldId: string, s: { id: string; tenantId: string | null; orgId: string | null; mode: Mode; csrf: string }, now: Date,
): Promise<boolean> {
  const { rows } = await db.query(
    'select rotate_session($1, $2, $3::uuid, $4::uuid, $5, $6, $7::timestamptz) as ok',
    [oldId, s.id, s.tenantId, s.orgId, s.mode, s.csrf, now],
  );
  return rows[0].ok;
}

export async function endSession(db: Db, id: string): Promise<void> {
  await db.query('select end_session($1)', [id]);
}
