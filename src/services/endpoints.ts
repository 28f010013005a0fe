// Webhook endpoints: where a tenant's events go. URLs are checked against the address rules at
// registration; each endpoint gets a signing key in its scheme (a `whsec_` secret for v1, a
// `whsk_` ed25519 private key for v1a), encrypted at rest, rotated with an overlap (a rotation may
// switch scheme); at most 50 endpoints per tenant and mode; deleting one cancels its pending deliveries.
import type { ServiceContext } from '../context.ts';
import { decryptSecret, encryptSecret } from '../delivery/secrets.ts';
import { generateSigningKey, publicKeyOf, schemeOf } from '../delivery/sign.ts';
import { endpointAttemptStats, type EndpointStats } from '../db/attempts.ts';
import { cancelPendingDeliveries } from '../db/deliveries.ts';
import {
  countEndpoints, deleteExpiredSecrets, deleteSecrets, disableEndpoint, expireSecrets, findEndpoint, insertEndpoint, insertSecret,
  listEndpoints, lockEndpointCreation, markEndpointDeleted, nextSecretVersion, setSignatureScheme, signingSecrets, updateEndpoint,
  type EndpointRow, type SignatureScheme,
} from '../db/endpoints.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import { unprocessable, type FieldError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { TenantScope } from '../scope.ts';
import { recordAudit } from './audit.ts';
import type { Auth } from './credentials.ts';
import { recordEvent } from './events.ts';
import { ORDERINGS, type Ordering } from './flows.ts';
import { acceptableUrl, findOr404, mergeMetadata, type Metadata, type MetadataPatch } from './resources.ts';

export const MAX_ENDPOINTS = 50;
/** Secrets signing at once, the newest included: rotating faster than the overlap retires the oldest. */
export const MAX_SIGNING_SECRETS = 5;
export const DEFAULT_OVERLAP_SECONDS = 86_400;

/** `*` matches every type, `order.*` every type under `order.`, anything else itself. */
export function matchesEventType(filters: readonly string[], type: string): boolean {
  // webhook.test goes only to the endpoint it is sent to (POST …/:id/test), never through filters.
  if (type === 'webhook.test') return false;
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}

export interface EndpointInput {
  url: string;
  event_types: string[];
  description?: string | null;
  metadata?: Metadata;
  enabled?: boolean;
  ordering?: string;
  rate_limit?: number | null;
  signature_scheme?: SignatureScheme;
}

/**
 * A JSON merge patch: absent fields stay, null clears description, null metadata values remove
 * keys; another signature_scheme rotates to a key of that scheme with the default overlap.
 */
export interface EndpointPatch {
  url?: string;
  event_types?: string[];
  description?: string | null;
  metadata?: MetadataPatch;
  enabled?: boolean;
  ordering?: string;
  rate_limit?: number | null;
  signature_scheme?: SignatureScheme;
}

export const MAX_RATE_LIMIT = 10_000;

/** The delivery options, or a 422 naming the field whose value is outside its set. */
function deliveryOptions(input: { ordering?: string; rate_limit?: number | null }, current: { ordering: Ordering; rateLimit: number | null }) {
  const errors: FieldError[] = [];
  if (input.ordering !== undefined && !(ORDERINGS as readonly string[]).includes(input.ordering)) {
    errors.push({ pointer: '/ordering', detail: `must be one of ${ORDERINGS.join(', ')}` });
  }
  if (input.rate_limit !== undefined && input.rate_limit !== null && (input.rate_limit < 1 || input.rate_limit > MAX_RATE_LIMIT)) {
    errors.push({ pointer: '/rate_limit', detail: `must be from 1 to ${MAX_RATE_LIMIT} attempts per second, or null` });
  }
  if (errors.length) throw unprocessable(errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '), errors);
  return {
    ordering: (input.ordering as Ordering | undefined) ?? current.ordering,
    rateLimit: input.rate_limit === undefined ? current.rateLimit : input.rate_limit,
  };
}

const existing = (tx: Tx, scope: TenantScope, id: string, lock = false) => findOr404('endpoint', id, (id) => findEndpoint(tx, scope, id, lock));

export async function createEndpoint({ config, pool }: ServiceContext, scope: TenantScope, input: EndpointInput): Promise<EndpointRow> {
  const url = acceptableUrl(config, input.url);
  const options = deliveryOptions(input, { ordering: 'none', rateLimit: null });
  return withTenant(pool, scope, async (tx) => {
    await lockEndpointCreation(tx, scope.tenantId, scope.mode);
    if ((await countEndpoints(tx, scope)) >= MAX_ENDPOINTS) {
      throw unprocessable(`at most ${MAX_ENDPOINTS} webhook endpoints per tenant and mode; delete one first`);
    }
    const id = newId('endpoint');
    const signatureScheme = input.signature_scheme ?? 'v1';
    const row = await insertEndpoint(tx, {
      tenantId: scope.tenantId, id, mode: scope.mode, url, eventTypes: [...new Set(input.event_types)],
      description: input.description ?? null, metadata: input.metadata ?? {}, enabled: input.enabled ?? true, ...options, signatureScheme,
    });
    await addSecret(tx, config.encryptionKey, scope, id, 1, signatureScheme);
    return row;
  });
}

async function addSecret(tx: Tx, key: Buffer, scope: TenantScope, endpointId: string, version: number, scheme: SignatureScheme): Promise<void> {
  const ciphertext = encryptSecret(key, { tenantId: scope.tenantId, endpointId }, generateSigningKey(scheme));
  await insertSecret(tx, { tenantId: scope.tenantId, endpointId, mode: scope.mode, version, ciphertext });
}

export async function listEndpointsOf({ pool }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string }) {
  return withTenant(pool, scope, (tx) => listEndpoints(tx, scope, { limit: page.limit + 1, startingAfter: page.startingAfter }));
}

/** The endpoint with its delivery statistics over the last hour and day. */
export async function getEndpoint({ pool, clock }: ServiceContext, scope: TenantScope, id: string): Promise<{ endpoint: EndpointRow; stats: EndpointStats }> {
  return withTenant(pool, scope, async (tx) => {
    const endpoint = await existing(tx, scope, id);
    return { endpoint, stats: await endpointAttemptStats(tx, scope, id, clock.now()) };
  });
}

export async function patchEndpoint({ config, pool, clock }: ServiceContext, auth: Auth, id: string, patch: EndpointPatch): Promise<EndpointRow> {
  const scope: TenantScope = auth;
  const url = patch.url === undefined ? undefined : acceptableUrl(config, patch.url);
  return withTenant(pool, scope, async (tx) => {
    const row = await existing(tx, scope, id, true);
    if (patch.signature_scheme && patch.signature_scheme !== row.signature_scheme) {
      await rotateIn(tx, config.encryptionKey, auth, id, { overlapSeconds: DEFAULT_OVERLAP_SECONDS, scheme: patch.signature_scheme, now: clock.now() });
    }
    const enabled = patch.enabled ?? row.enabled;
    const options = deliveryOptions(patch, { ordering: row.ordering, rateLimit: row.rate_limit });
    return updateEndpoint(tx, scope, id, {
      ...options,
      url: url ?? row.url,
      eventTypes: patch.event_types ? [...new Set(patch.event_types)] : row.event_types,
      description: patch.description === undefined ? row.description : patch.description,
      metadata: mergeMetadata(row.metadata, patch.metadata),
      enabled,
      // The reason explains an automatic disable; it goes once the endpoint is enabled again.
      disabledReason: enabled ? null : row.disabled_reason,
    });
  });
}

export async function deleteEndpoint({ pool }: ServiceContext, scope: TenantScope, id: string): Promise<void> {
  await withTenant(pool, scope, async (tx) => {
    await existing(tx, scope, id, true);
    await markEndpointDeleted(tx, scope, id);
    await deleteSecrets(tx, scope, id);
    await cancelPendingDeliveries(tx, scope, id, 'endpoint deleted');
  });
}

/**
 * What verifies the current signing key's signatures: the `whsec_` secret itself (v1), or the
 * `whpk_` public key of a v1a key, whose private key never leaves Herald. The audit log records who asked.
 */
export async function revealSecret({ config, pool, clock }: ServiceContext, auth: Auth, id: string): Promise<{ secret: string } | { public_key: string }> {
  return withTenant(pool, auth, async (tx) => {
    await existing(tx, auth, id);
    const [current] = await secretsForSigning(tx, config.encryptionKey, auth, id, clock.now());
    await recordAudit(tx, auth, { action: 'endpoint.secret_revealed', target: { type: 'webhook_endpoint', id } });
    return schemeOf(current) === 'v1a' ? { public_key: publicKeyOf(current) } : { secret: current };
  });
}

/**
 * A new current signing key (in `scheme`, default the endpoint's); the ones signing now keep
 * signing beside it, each in its own scheme, for `overlapSeconds` (0: they stop at once and are
 * erased). Returns when the last previous key stops signing.
 */
export async function rotateSecret(
  { config, pool, clock }: ServiceContext, auth: Auth, id: string, overlapSeconds: number, scheme?: SignatureScheme,
): Promise<Date | null> {
  return withTenant(pool, auth, async (tx) => {
    const row = await existing(tx, auth, id, true);
    return rotateIn(tx, config.encryptionKey, auth, id, { overlapSeconds, scheme: scheme ?? row.signature_scheme, now: clock.now() });
  });
}

async function rotateIn(
  tx: Tx, key: Buffer, auth: Auth, id: string, rotation: { overlapSeconds: number; scheme: SignatureScheme; now: Date },
): Promise<Date | null> {
  const { overlapSeconds, scheme, now } = rotation;
  const scope: TenantScope = auth;
  const version = await nextSecretVersion(tx, scope, id);
  const until = await expireSecrets(tx, scope, id, overlapSeconds, MAX_SIGNING_SECRETS - 1, now);
  await deleteExpiredSecrets(tx, scope, id, now);
  await addSecret(tx, key, scope, id, version, scheme);
  await setSignatureScheme(tx, scope, id, scheme);
  await recordAudit(tx, auth, {
    action: 'endpoint.secret_rotated', target: { type: 'webhook_endpoint', id }, data: { overlap_seconds: overlapSeconds, signature_scheme: scheme },
  });
  return until;
}

/** Every signing key that signs at `now` (current first), in clear. */
export async function secretsForSigning(tx: Tx, key: Buffer, scope: TenantScope, endpointId: string, now: Date): Promise<string[]> {
  const sealed = await signingSecrets(tx, scope, endpointId, now);
  return sealed.map((s) => decryptSecret(key, { tenantId: scope.tenantId, endpointId }, s));
}

/**
 * An automatic disable (DESIGN §3): `enabled: false` with the reason, its deliveries still to
 * come cancelled, and `endpoint.disabled` to the tenant's endpoints that subscribe to it, in
 * the caller's transaction. Once per disable.
 */
export async function disableAutomatically(tx: Tx, scope: TenantScope, endpointId: string, reason: string): Promise<boolean> {
  const row = await disableEndpoint(tx, scope, endpointId, reason);
  if (!row) return false;
  await cancelPendingDeliveries(tx, scope, endpointId, 'endpoint disabled');
  await recordEvent(tx, scope, 'endpoint.disabled', { endpoint_id: endpointId, reason });
  return true;
}
