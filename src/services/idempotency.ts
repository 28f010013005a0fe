// Idempotency-Key on POST (DESIGN §4): scoped to (tenant, mode, key), fingerprinted by method,
// path and body, kept 24 h. The key's record is claimed and completed in the same transaction as
// the work, so it holds an answer if and only if the work committed. A request that fails (any
// thrown error) rolls back its claim too: nothing happened, so the key may be retried.
import { createHash } from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import {
  claimIdempotencyKey, completeIdempotencyKey, findIdempotencyKey, purgeExpiredIdempotencyKeys,
} from '../db/idempotency.ts';
import { joiningTransaction, withTenant } from '../db/tenant.ts';
import { type TenantScope } from '../scope.ts';
import { badRequest, conflict, unprocessable } from '../errors.ts';

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface KeyedRequest {
  key: string;
  /**
   * The caller's organization: two organizations of a tenant never replay each other's answers.
   * Null on the storefront, whose keys are scoped to the cart token instead.
   */
  orgId: string | null;
  method: string;
  path: string;
  body: unknown;
}

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const invalidKey = () => badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters');
/** How long a request waits for another in-flight request with its key before a 409. */
const WAIT_FOR_IN_FLIGHT = '10s';
/** Expired records are purged by the requests themselves, a few at a time, now and then. */
const PURGE_CHANCE = 0.01;

export async function idempotently({ pool }: ServiceContext, scope: TenantScope, request: KeyedRequest, work: () => Promise<Answer>): Promise<Answer> {
  if (!KEY_SHAPE.test(request.key)) throw invalidKey();
  const fingerprint = fingerprintOf(request);
  return withTenant(pool, scope, async (tx) => {
    await tx.query(`select set_config('lock_timeout', '${WAIT_FOR_IN_FLIGHT}', true)`);
    const claimed = await claimIdempotencyKey(tx, scope, request.key, fingerprint).catch((err) => {
      if ((err as { code?: string }).code === '55P03') throw conflict('a request with this Idempotency-Key is still in progress');
      throw err;
    });
    await tx.query(`select set_config('lock_timeout', '0', true)`);
    if (!claimed) return replay(await findIdempotencyKey(tx, scope, request.key), fingerprint);
    if (Math.random() < PURGE_CHANCE) await purgeExpiredIdempotencyKeys(tx, scope);
    const answer = await joiningTransaction(scope, tx, work);
    await completeIdempotencyKey(tx, scope, request.key, answer.status, answer.body);
    return answer;
  });
}

/**
 * A storefront key, scoped to the cart token it came with: stored as a digest of both, so one
 * shopper's key never replays another's answer and the token itself is never stored.
 */
export function cartScopedKey(cartToken: string, key: string): string {
  if (!KEY_SHAPE.test(key)) throw invalidKey();
  return `cart_${createHash('sha256').update(`${cartToken}\n${key}`).digest('hex')}`;
}

function replay(record: Awaited<ReturnType<typeof findIdempotencyKey>>, fingerprint: string): Answer {
  // The claim waited for any other transaction holding the key, so a record seen here is committed.
  if (!record || record.status === null) throw conflict('a request with this Idempotency-Key is still in progress');
  if (record.fingerprint !== fingerprint) {
    throw unprocessable('this Idempotency-Key was used with a different request (method, path or body)');
  }
  return { status: record.status, body: record.body ?? undefined, headers: { 'idempotent-replayed': 'true' } };
}

/**
 * Organization, method, path and body; the body canonically (keys sorted), so key order does not
 * matter. The key is scoped to (tenant, mode) as DESIGN says; the organization in the fingerprint
 * makes another organization's reuse of a key a 422 rather than a replay of an answer it may not see.
 */
export function fingerprintOf(request: KeyedRequest): string {
  return createHash('sha256').update(`${request.orgId ?? ''} ${request.method.toUpperCase()} ${request.path}\n${canonicalJson(request.body ?? null)}`).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
