// Webhook endpoints: where a tenant's events go. URLs are checked against the address rules at
// registration; each endpoint gets a signing secret, encrypted at rest; at most 50 endpoints per
// tenant and mode; deleting one cancels its pending deliveries.
import type { Config } from '../config.ts';
import { checkUrl } from '../delivery/address.ts';
import { decryptSecret, encryptSecret } from '../delivery/secrets.ts';
import { generateSecret } from '../delivery/sign.ts';
import { cancelPendingDeliveries } from '../db/deliveries.ts';
import {
  countEndpoints, deleteSecrets, disableEndpoint, findEndpoint, insertEndpoint, insertSecret, listEndpoints,
  lockEndpointCreation, markEndpointDeleted, signingSecrets, updateEndpoint, type EndpointRow,
} from '../db/endpoints.ts';
import type { Pool, Tx } from '../db/pool.ts';
import { withTenant, type TenantScope } from '../db/tenant.ts';
import { notFound, unprocessable, validationFailed } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { recordEvent } from './events.ts';

export const MAX_ENDPOINTS = 50;
export const MAX_METADATA_KEYS = 50;

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
  metadata?: Record<string, string>;
  enabled?: boolean;
}

/** A JSON merge patch: absent fields stay, null clears description, null metadata values remove keys. */
export interface EndpointPatch {
  url?: string;
  event_types?: string[];
  description?: string | null;
  metadata?: Record<string, string | null> | null;
  enabled?: boolean;
}

type Services = { config: Config; pool: Pool };

/** The URL as it will be stored (WHATWG-normalised), or a 400/422 naming /url. */
function acceptableUrl(config: Config, text: string): string {
  const decision = checkUrl(text, { allow: config.allowPrivateNetworks, production: config.production });
  if (decision.allowed) return decision.url.href;
  const errors = [{ pointer: '/url', detail: decision.reason }];
  throw decision.problem === 'invalid' ? validationFailed(errors) : unprocessable(`url is not allowed: ${decision.reason}`, errors);
}

export async function createEndpoint({ config, pool }: Services, scope: TenantScope, input: EndpointInput): Promise<EndpointRow> {
  const url = acceptableUrl(config, input.url);
  return withTenant(pool, scope, async (tx) => {
    await lockEndpointCreation(tx, scope.tenantId, scope.mode);
    if ((await countEndpoints(tx)) >= MAX_ENDPOINTS) {
      throw unprocessable(`at most ${MAX_ENDPOINTS} webhook endpoints per tenant and mode; delete one first`);
    }
    const id = newId('endpoint');
    const row = await insertEndpoint(tx, {
      tenantId: scope.tenantId, id, mode: scope.mode, url, eventTypes: [...new Set(input.event_types)],
      description: input.description ?? null, metadata: input.metadata ?? {}, enabled: input.enabled ?? true,
    });
    const ciphertext = encryptSecret(config.encryptionKey, { tenantId: scope.tenantId, endpointId: id }, generateSecret());
    await insertSecret(tx, { tenantId: scope.tenantId, endpointId: id, mode: scope.mode, version: 1, ciphertext });
    return row;
  });
}

export async function listEndpointsOf(pool: Pool, scope: TenantScope, page: { limit: number; startingAfter?: string }) {
  return withTenant(pool, scope, (tx) => listEndpoints(tx, { limit: page.limit + 1, startingAfter: page.startingAfter }));
}

async function existing(tx: Tx, id: string, lock = false): Promise<EndpointRow> {
  const row = isId('endpoint', id) ? await findEndpoint(tx, id, lock) : undefined;
  if (!row) throw notFound('No such webhook endpoint');
  return row;
}

export async function getEndpoint(pool: Pool, scope: TenantScope, id: string): Promise<EndpointRow> {
  return withTenant(pool, scope, (tx) => existing(tx, id));
}

export async function patchEndpoint({ config, pool }: Services, scope: TenantScope, id: string, patch: EndpointPatch): Promise<EndpointRow> {
  const url = patch.url === undefined ? undefined : acceptableUrl(config, patch.url);
  return withTenant(pool, scope, async (tx) => {
    const row = await existing(tx, id, true);
    const metadata = patch.metadata === null ? {} : { ...row.metadata, ...patch.metadata };
    for (const [key, value] of Object.entries(metadata)) if (value === null) delete metadata[key];
    if (Object.keys(metadata).length > MAX_METADATA_KEYS) throw validationFailed([{ pointer: '/metadata', detail: `at most ${MAX_METADATA_KEYS} keys` }]);
    const enabled = patch.enabled ?? row.enabled;
    return updateEndpoint(tx, id, {
      url: url ?? row.url,
      eventTypes: patch.event_types ? [...new Set(patch.event_types)] : row.event_types,
      description: patch.description === undefined ? row.description : patch.description,
      metadata: metadata as Record<string, string>,
      enabled,
      // The reason explains an automatic disable; it goes once the endpoint is enabled again.
      disabledReason: enabled ? null : row.disabled_reason,
    });
  });
}

export async function deleteEndpoint(pool: Pool, scope: TenantScope, id: string): Promise<void> {
  await withTenant(pool, scope, async (tx) => {
    await existing(tx, id, true);
    await markEndpointDeleted(tx, id);
    await deleteSecrets(tx, id);
    await cancelPendingDeliveries(tx, id, 'endpoint deleted');
  });
}

/** The current signing secret, in clear. */
export async function revealSecret({ config, pool }: Services, scope: TenantScope, id: string): Promise<string> {
  return withTenant(pool, scope, async (tx) => {
    await existing(tx, id);
    const [current] = await secretsForSigning(tx, config.encryptionKey, scope, id);
    return current;
  });
}

/** Every secret that signs now (current first), in clear, for the deliver worker. */
export async function secretsForSigning(tx: Tx, key: Buffer, scope: TenantScope, endpointId: string): Promise<string[]> {
  const sealed = await signingSecrets(tx, endpointId);
  return sealed.map((s) => decryptSecret(key, { tenantId: scope.tenantId, endpointId }, s));
}

/**
 * An automatic disable (DESIGN §3): `enabled: false` with the reason, and `endpoint.disabled` to
 * the tenant's endpoints that subscribe to it, in the caller's transaction. Once per disable.
 */
export async function disableAutomatically(tx: Tx, scope: TenantScope, endpointId: string, reason: string): Promise<boolean> {
  const row = await disableEndpoint(tx, endpointId, reason);
  if (row) await recordEvent(tx, scope, 'endpoint.disabled', { endpoint_id: endpointId, reason });
  return !!row;
}
