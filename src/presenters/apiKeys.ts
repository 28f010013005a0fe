import { z } from 'zod';
import { MODES } from '../scope.ts';
import type { ApiKeyRow } from '../db/apiKeys.ts';

export const ApiKey = z.object({
  id: z.string(),
  object: z.literal('api_key'),
  org_id: z.string(),
  mode: z.enum(MODES),
  kind: z.enum(['secret', 'publishable']),
  role: z.string().nullable(),
  name: z.string().nullable(),
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
}).meta({ id: 'ApiKey', description: 'An API key of an organization (the key itself is shown once, on create)' });
export const ApiKeyWithSecret = ApiKey.extend({ key: z.string().describe('Shown once, on create only') }).meta({ id: 'ApiKeyWithSecret', description: 'A new API key, with the key itself: store it now, it is never shown again' });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentApiKey(row: ApiKeyRow): z.infer<typeof ApiKey> {
  return {
    id: row.id, object: 'api_key', org_id: row.org_id, mode: row.mode, kind: row.kind, role: row.role, name: row.name,
    prefix: row.prefix, created_at: row.created_at.toISOString(), last_used_at: iso(row.last_used_at), revoked_at: iso(row.revoked_at),
  };
}
