// Conditional GETs: a strong ETag on the answer, and 304 without a body when the client already
// holds it (If-None-Match, RFC 9110 §13.1.2).
import { createHash } from 'node:crypto';
import type { Reply } from './route.ts';

/** The ETag of a JSON body: SHA-256 of its serialisation. */
export const etagOf = (body: unknown): string => `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}"`;

/** 200 with the body, its ETag and `headers`, or 304 with the same headers when `ifNoneMatch` names that ETag. */
export function conditional(ifNoneMatch: string, body: unknown, headers: Record<string, string>, etag = etagOf(body)): Reply {
  const all = { etag, ...headers };
  return matchesIfNoneMatch(ifNoneMatch, etag) ? { status: 304, headers: all } : { status: 200, body, headers: all };
}

/** `*` or a list of tags, compared weakly (a W/ prefix is ignored). */
function matchesIfNoneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
