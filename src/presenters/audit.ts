import { z } from 'zod';
import type { AuditRow } from '../db/audit.ts';

export const AuditEntry = z.object({
  id: z.string(),
  object: z.literal('audit_entry'),
  action: z.string().describe('`<noun>.<verb>`: api_key.created|revoked, member.added|role_changed|removed, user.password_changed, endpoint.secret_revealed|secret_rotated|replayed, settings.updated'),
  actor: z.object({ type: z.enum(['api_key', 'user', 'operator']), id: z.string().nullable() }),
  target: z.object({ type: z.string(), id: z.string().nullable() }),
  data: z.record(z.string(), z.unknown()).describe('What changed; never a secret'),
  ip_address: z.string().nullable().describe('The client address the action came from'),
  created_at: z.string(),
}).meta({ id: 'AuditEntry', description: 'One audited action: who did what to what, when, from which address' });

export const presentAuditEntry = (row: AuditRow): z.infer<typeof AuditEntry> => ({
  id: row.id, object: 'audit_entry', action: row.action, actor: { type: row.actor_type, id: row.actor_id },
  target: { type: row.target_type, id: row.target_id }, data: row.data, ip_address: row.ip, created_at: row.created_at.toISOString(),
});
