// The audit log (DESIGN §4): who did what to keys, members, endpoint secrets, replays and
// settings, when, and from which address. Any service records an entry with recordAudit inside
// the transaction of its action, so the entry exists if and only if the action committed:
//
//   await withTenant(pool, auth, async (tx) => {
//     ...the change...
//     await recordAudit(tx, auth, { action: 'settings.updated', target: { type: 'settings' }, data: { changed: [...] } });
//   });
//
// An entry belongs to the organization and mode of the credential that acted; the operator's
// entries to the organization acted on (`operatorActor`). `data` says what changed, never a secret.
import type { ServiceContext } from '../context.ts';
import { insertAuditEntry, listAuditEntries, type AuditRow } from '../db/audit.ts';
import type { Tx } from '../db/pool.ts';
import { withTenant } from '../db/tenant.ts';
import { newId } from '../ids.ts';
import type { Mode } from '../scope.ts';
import type { Auth } from './credentials.ts';

/** Who acted: a tenant credential (an API key, or a user's token), or the operator. */
export type Actor = Auth | OperatorActor;

export interface OperatorActor {
  via: 'operator';
  tenantId: string;
  mode: Mode;
  /** The organization acted on. */
  orgId: string | null;
  address?: string;
}

export const operatorActor = (tenantId: string, mode: Mode, orgId: string | null, address?: string): OperatorActor =>
  ({ via: 'operator', tenantId, mode, orgId, address });

export interface AuditEntry {
  /** `<noun>.<verb>`, e.g. `api_key.revoked`, `member.role_changed`. */
  action: string;
  target: { type: string; id?: string | null };
  data?: Record<string, unknown>;
}

export async function recordAudit(tx: Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  const operator = actor.via === 'operator';
  await insertAuditEntry(tx, {
    tenant_id: actor.tenantId,
    id: newId('audit'),
    mode: actor.mode,
    org_id: actor.orgId,
    actor_type: operator ? 'operator' : actor.userId ? 'user' : 'api_key',
    actor_id: operator ? null : (actor.userId ?? actor.keyId ?? null),
    action: entry.action,
    target_type: entry.target.type,
    target_id: entry.target.id ?? null,
    data: entry.data ?? {},
    ip: actor.address ?? null,
  });
}

/** The caller's organization's entries in the caller's mode, newest first; up to limit + 1 rows. */
export async function listAudit({ pool }: ServiceContext, auth: Auth, page: { limit: number; startingAfter?: string }): Promise<AuditRow[]> {
  return withTenant(pool, auth, (tx) => listAuditEntries(tx, auth, { limit: page.limit + 1, startingAfter: page.startingAfter }));
}
