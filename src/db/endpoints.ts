// webhook_endpoints and their secrets: tenant-scoped; every function runs inside withTenant and
// names its tenant and mode itself too.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';

/** `v1`: HMAC-SHA256 with a shared secret; `v1a`: ed25519 (Standard Webhooks). */
export const SIGNATURE_SCHEMES = ['v1', 'v1a'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export interface EndpointRow {
  tenant_id: string;
  id: string;
  mode: Mode;
  url: string;
  event_types: string[];
  description: string | null;
  metadata: Record<string, string>;
  enabled: boolean;
  disabled_reason: string | null;
  /** The scheme of the current signing key (new keys are made in it). */
  signature_scheme: SignatureScheme;
  /** Start of the current run of failed attempts; null while healthy. */
  failing_since: Date | null;
  ordering: 'none' | 'key' | 'fifo';
  /** Attempts per second across all workers; null: no limit. */
  rate_limit: number | null;
  /** No attempt starts before this (a 429 or 503 with Retry-After); null: not paused. */
  paused_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `tenant_id, id, mode, url, event_types, description, metadata, enabled, disabled_reason, signature_scheme, failing_since, ordering,
  rate_limit, paused_until, created_at, updated_at`;

export interface EndpointFields {
  url: string;
  eventTypes: string[];
  description: string | null;
  metadata: Record<string, string>;
  enabled: boolean;
  ordering: EndpointRow['ordering'];
  rateLimit: number | null;
}

export async function insertEndpoint(
  tx: Tx, e: EndpointFields & { tenantId: string; id: string; mode: Mode; signatureScheme: SignatureScheme },
): Promise<EndpointRow> {
  const { rows } = await tx.query(
    `insert into webhook_endpoints (tenant_id, id, mode, url, event_types, description, metadata, enabled, ordering, rate_limit, signature_scheme)
     values ($1::uuid, $2, $3, $4, $5::text[], $6, $7::jsonb, $8, $9, $10, $11) returning ${COLUMNS}`,
    [e.tenantId, e.id, e.mode, e.url, e.eventTypes, e.description, JSON.stringify(e.metadata), e.enabled, e.ordering, e.rateLimit, e.signatureScheme],
  );
  return rows[0];
}

/** The scheme new signing keys are made in (a rotation to another scheme). */
export async function setSignatureScheme(tx: Tx, scope: TenantScope, id: string, scheme: SignatureScheme): Promise<EndpointRow> {
  const { rows } = await tx.query(
    `update webhook_endpoints set signature_scheme = $2, updated_at = clock_timestamp()
      where tenant_id = $3::uuid and mode = $4 and id = $1 and deleted_at is null returning ${COLUMNS}`,
    [id, scheme, scope.tenantId, scope.mode],
  );
  return rows[0];
}

/** Serialises endpoint creation per tenant and mode, so the limit holds under concurrency. */
export async function lockEndpointCreation(tx: Tx, tenantId: string, mode: Mode): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtextextended('webhook_endpoints/' || $1::text || '/' || $2::text, 0))`, [tenantId, mode]);
}

export async function countEndpoints(tx: Tx, scope: TenantScope): Promise<number> {
  const { rows } = await tx.query('select count(*)::int as n from webhook_endpoints where tenant_id = $1::uuid and mode = $2 and deleted_at is null', [scope.tenantId, scope.mode]);
  return rows[0].n;
}

export async function listEndpoints(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string }): Promise<EndpointRow[]> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from webhook_endpoints
      where tenant_id = $1::uuid and mode = $2 and deleted_at is null
        and ($4::text is null or (created_at, id) < (select created_at, id from webhook_endpoints where tenant_id = $1::uuid and id = $4))
      order by created_at desc, id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

/** `lock` holds the row for the rest of the transaction (updates, deletes, retries). */
export async function findEndpoint(tx: Tx, scope: TenantScope, id: string, lock = false): Promise<EndpointRow | undefined> {
  const { rows } = await tx.query(
    `select ${COLUMNS} from webhook_endpoints where tenant_id = $1::uuid and mode = $2 and id = $3 and deleted_at is null${lock ? ' for update' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

/** Re-enabling starts a fresh failure streak (the old one led to the disable). */
export async function updateEndpoint(tx: Tx, scope: TenantScope, id: string, e: EndpointFields & { disabledReason: string | null }): Promise<EndpointRow> {
  const { rows } = await tx.query(
    `update webhook_endpoints
        set url = $2, event_types = $3::text[], description = $4, metadata = $5::jsonb, enabled = $6,
            disabled_reason = $7, failing_since = case when enabled then failing_since end, ordering = $10, rate_limit = $11,
            updated_at = clock_timestamp()
      where tenant_id = $8::uuid and mode = $9 and id = $1 and deleted_at is null returning ${COLUMNS}`,
    [id, e.url, e.eventTypes, e.description, JSON.stringify(e.metadata), e.enabled, e.disabledReason, scope.tenantId, scope.mode, e.ordering, e.rateLimit],
  );
  return rows[0];
}

/** An automatic disable: returns the row only if it was enabled (so the event is emitted once). */
export async function disableEndpoint(tx: Tx, scope: TenantScope, id: string, reason: string): Promise<EndpointRow | undefined> {
  const { rows } = await tx.query(
    `update webhook_endpoints set enabled = false, disabled_reason = $2, updated_at = clock_timestamp()
      where tenant_id = $3::uuid and mode = $4 and id = $1 and enabled and deleted_at is null returning ${COLUMNS}`,
    [id, reason, scope.tenantId, scope.mode],
  );
  return rows[0];
}

/**
 * Failure streaks after a batch of attempts, one entry per endpoint: `failedAt` null means its
 * latest attempt was delivered (the streak ends), a date means its latest was a failure: a streak
 * starts then unless one is running — or, with `restart` (a delivered attempt came earlier in the
 * batch), starts then anyway. Returns each failing endpoint's streak start. Only rows that
 * may change are locked, in id order, so healthy endpoints cost no lock and concurrent recorders
 * cannot deadlock on them; the lock is FOR NO KEY UPDATE (failing_since is no key), which the
 * foreign-key checks of deliveries being inserted for the endpoint (FOR KEY SHARE) do not wait
 * for: a dispatcher inserting deliveries of several scopes and a recorder noting outcomes of
 * several scopes deadlocked on FOR UPDATE (found by the soak).
 */
export async function noteEndpointOutcomes(
  tx: Tx, scope: TenantScope, outcomes: Array<{ id: string; failedAt: Date | null; restart: boolean }>,
): Promise<Map<string, Date>> {
  const { rows } = await tx.query({
    name: 'endpoints.note_outcomes',
    text: `with s as (select * from unnest($3::text[], $4::timestamptz[], $5::boolean[]) as s (id, failed_at, restart)),
          locked as (
            select ep.id, ep.failing_since from webhook_endpoints ep join s on s.id = ep.id
             where ep.tenant_id = $1::uuid and ep.mode = $2 and (s.failed_at is not null or ep.failing_since is not null)
             order by ep.id for no key update of ep
          ),
          changed as (
            update webhook_endpoints ep set failing_since = s.failed_at from s, locked l
             where ep.tenant_id = $1::uuid and ep.mode = $2 and ep.id = s.id and l.id = s.id
               and (s.failed_at is null or s.restart or l.failing_since is null)
            returning ep.id, ep.failing_since
          )
     select l.id, coalesce(c.failing_since, l.failing_since) as since
       from locked l join s on s.id = l.id left join changed c on c.id = l.id
      where s.failed_at is not null`,
    values: [scope.tenantId, scope.mode, outcomes.map((o) => o.id), outcomes.map((o) => o.failedAt), outcomes.map((o) => o.restart)],
  });
  return new Map(rows.map((r) => [r.id, r.since]));
}

export async function markEndpointDeleted(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    `update webhook_endpoints set deleted_at = clock_timestamp(), enabled = false, updated_at = clock_timestamp()
      where tenant_id = $2::uuid and mode = $3 and id = $1 and deleted_at is null`,
    [id, scope.tenantId, scope.mode],
  );
}

export async function insertSecret(tx: Tx, s: { tenantId: string; endpointId: string; mode: Mode; version: number; ciphertext: Buffer }): Promise<void> {
  await tx.query(
    `insert into webhook_endpoint_secrets (tenant_id, endpoint_id, mode, version, ciphertext)
     values ($1::uuid, $2, $3, $4, $5::bytea)`,
    [s.tenantId, s.endpointId, s.mode, s.version, s.ciphertext],
  );
}

/** Ciphertexts of the secrets that sign at `now`, current (newest) first. */
export async function signingSecrets(tx: Tx, scope: TenantScope, endpointId: string, now: Date): Promise<Buffer[]> {
  const { rows } = await tx.query(
    `select ciphertext from webhook_endpoint_secrets
      where tenant_id = $3::uuid and mode = $4 and endpoint_id = $1 and (expires_at is null or expires_at > $2::timestamptz)
      order by version desc`,
    [endpointId, now, scope.tenantId, scope.mode],
  );
  return rows.map((r) => r.ciphertext);
}

export async function nextSecretVersion(tx: Tx, scope: TenantScope, endpointId: string): Promise<number> {
  const { rows } = await tx.query(
    'select coalesce(max(version), 0) + 1 as v from webhook_endpoint_secrets where tenant_id = $2::uuid and mode = $3 and endpoint_id = $1',
    [endpointId, scope.tenantId, scope.mode],
  );
  return rows[0].v;
}

/**
 * A rotation at `now`: every secret that signs now keeps signing for `overlapSeconds` at most (an
 * earlier expiry stays), except beyond the newest `keep`, which stop at once. Returns the latest expiry.
 */
export async function expireSecrets(tx: Tx, scope: TenantScope, endpointId: string, overlapSeconds: number, keep: number, now: Date): Promise<Date | null> {
  const { rows } = await tx.query(
    `with signing as (
       select version, row_number() over (order by version desc) as rank from webhook_endpoint_secrets
        where tenant_id = $5::uuid and mode = $6 and endpoint_id = $1 and (expires_at is null or expires_at > $4::timestamptz)
     ), until as (
       select $4::timestamptz + make_interval(secs => $2::int) as at
     ), expired as (
       update webhook_endpoint_secrets s
          set expires_at = case when signing.rank <= $3::int then least(coalesce(s.expires_at, until.at), until.at) else $4::timestamptz end
         from signing, until where s.tenant_id = $5::uuid and s.mode = $6 and s.endpoint_id = $1 and s.version = signing.version
       returning s.expires_at
     )
     select max(expires_at) as until from expired`,
    [endpointId, overlapSeconds, keep, now, scope.tenantId, scope.mode],
  );
  return rows[0].until;
}

/** Erases secrets that no longer sign at `now`. */
export async function deleteExpiredSecrets(tx: Tx, scope: TenantScope, endpointId: string, now: Date): Promise<void> {
  await tx.query(
    'delete from webhook_endpoint_secrets where tenant_id = $3::uuid and mode = $4 and endpoint_id = $1 and expires_at <= $2::timestamptz',
    [endpointId, now, scope.tenantId, scope.mode],
  );
}

export async function deleteSecrets(tx: Tx, scope: TenantScope, endpointId: string): Promise<void> {
  await tx.query('delete from webhook_endpoint_secrets where tenant_id = $2::uuid and mode = $3 and endpoint_id = $1', [endpointId, scope.tenantId, scope.mode]);
}

/** A 429 or 503 with Retry-After: no attempt to these endpoints starts before their instant (a later pause stays). */
export async function pauseEndpoints(tx: Tx, scope: TenantScope, pauses: Array<{ id: string; until: Date }>): Promise<void> {
  if (!pauses.length) return;
  await tx.query(
    `update webhook_endpoints ep set paused_until = greatest(coalesce(ep.paused_until, p.until), p.until)
       from unnest($3::text[], $4::timestamptz[]) as p (id, until)
      where ep.tenant_id = $1::uuid and ep.mode = $2 and ep.id = p.id`,
    [scope.tenantId, scope.mode, pauses.map((p) => p.id), pauses.map((p) => p.until)],
  );
}

/** Ends an endpoint's pause (a manual retry: the user says try now). */
export async function resumeEndpoint(tx: Tx, scope: TenantScope, id: string): Promise<void> {
  await tx.query(
    'update webhook_endpoints set paused_until = null where tenant_id = $2::uuid and mode = $3 and id = $1 and paused_until is not null',
    [id, scope.tenantId, scope.mode],
  );
}

/**
 * Rate limits across all worker processes: takes `count` send slots of each endpoint, one every
 * 1/rate seconds from its next free slot (or `now`, if that passed), and moves the next free slot
 * on. Returns each endpoint's first slot taken; the others follow every 1/rate seconds.
 */
export async function takeSendSlots(
  tx: Tx, scope: TenantScope, takes: Array<{ endpointId: string; count: number; rate: number }>, now: Date,
): Promise<Map<string, Date>> {
  if (!takes.length) return new Map();
  const { rows } = await tx.query(
    `with t as (select * from unnest($3::text[], $4::int[], $5::int[]) as t (endpoint_id, n, rate))
     insert into endpoint_pacing as p (tenant_id, mode, endpoint_id, next_slot)
     select $1::uuid, $2, t.endpoint_id, $6::timestamptz + make_interval(secs => t.n::float8 / t.rate) from t
     on conflict (tenant_id, mode, endpoint_id) do update
       set next_slot = greatest(p.next_slot, $6::timestamptz)
                       + make_interval(secs => (select t.n::float8 / t.rate from t where t.endpoint_id = excluded.endpoint_id))
     returning p.endpoint_id,
               p.next_slot - make_interval(secs => (select t.n::float8 / t.rate from t where t.endpoint_id = p.endpoint_id)) as first`,
    [scope.tenantId, scope.mode, takes.map((t) => t.endpointId), takes.map((t) => t.count), takes.map((t) => t.rate), now],
  );
  return new Map(rows.map((r) => [r.endpoint_id, r.first]));
}
