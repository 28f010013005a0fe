// pages and posts: tenant-scoped; every function runs inside withTenant. The two tables share
// their shape (posts add tags and published_at), so each statement names its table from `kind`.
import type { Tx } from './pool.ts';
import type { Mode, TenantScope } from '../scope.ts';

export type ContentKind = 'pages' | 'posts';

export interface ContentFields {
  title: string;
  handle: string;
  body: string;
  published: boolean;
  metadata: Record<string, string>;
  /** Posts only (pages: always [] and null). */
  tags: string[];
  published_at: Date | null;
}

export interface ContentRow extends ContentFields {
  tenant_id: string;
  id: string;
  mode: Mode;
  created_at: Date;
  updated_at: Date;
}

const columns = (kind: ContentKind) => `tenant_id, id, mode, title, handle, body, published, metadata, created_at, updated_at,
  ${kind === 'posts' ? 'tags, published_at' : `'{}'::text[] as tags, null::timestamptz as published_at`}`;

export async function insertContent(tx: Tx, kind: ContentKind, scope: TenantScope, id: string, c: ContentFields): Promise<ContentRow> {
  const { rows } = await tx.query(
    kind === 'posts'
      ? `insert into posts (tenant_id, id, mode, title, handle, body, published, metadata, tags, published_at)
         values ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::text[], $10::timestamptz) returning ${columns(kind)}`
      : `insert into pages (tenant_id, id, mode, title, handle, body, published, metadata)
         values ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb) returning ${columns(kind)}`,
    [scope.tenantId, id, scope.mode, c.title, c.handle, c.body, c.published, JSON.stringify(c.metadata), ...(kind === 'posts' ? [c.tags, c.published_at] : [])],
  );
  return rows[0];
}

export async function findContent(tx: Tx, kind: ContentKind, id: string, options: { forUpdate?: boolean } = {}): Promise<ContentRow | undefined> {
  const { rows } = await tx.query(`select ${columns(kind)} from ${kind} where id = $1${options.forUpdate ? ' for update' : ''}`, [id]);
  return rows[0];
}

/** Published at `now` (a post also once its published_at has passed), by handle. */
export async function findPublished(tx: Tx, kind: ContentKind, handle: string, now: Date): Promise<ContentRow | undefined> {
  const { rows } = await tx.query(
    `select ${columns(kind)} from ${kind} where handle = $1 and published${kind === 'posts' ? ' and published_at <= $2' : ''}`,
    kind === 'posts' ? [handle, now] : [handle],
  );
  return rows[0];
}

export async function listContent(tx: Tx, kind: ContentKind, page: { limit: number; startingAfter?: string }): Promise<ContentRow[]> {
  const { rows } = await tx.query(
    `select ${columns(kind)} from ${kind}
      where ($2::text is null or (created_at, id) < (select created_at, id from ${kind} where id = $2))
      order by created_at desc, id desc limit $1`,
    [page.limit, page.startingAfter ?? null],
  );
  return rows;
}

/** Published posts at `now`, most recently published first, optionally with a tag; up to `limit` rows. */
export async function listPublishedPosts(tx: Tx, page: { limit: number; startingAfter?: string; tag?: string; now: Date }): Promise<ContentRow[]> {
  const { rows } = await tx.query(
    `select ${columns('posts')} from posts
      where published and published_at <= $4 and ($3::text is null or $3 = any(tags))
        and ($2::text is null or (published_at, id) < (select published_at, id from posts where id = $2))
      order by published_at desc, id desc limit $1`,
    [page.limit, page.startingAfter ?? null, page.tag ?? null, page.now],
  );
  return rows;
}

export async function updateContent(tx: Tx, kind: ContentKind, id: string, c: ContentFields): Promise<ContentRow | undefined> {
  const { rows } = await tx.query(
    kind === 'posts'
      ? `update posts set title = $2, handle = $3, body = $4, published = $5, metadata = $6::jsonb, tags = $7::text[], published_at = $8::timestamptz,
                updated_at = clock_timestamp() where id = $1 returning ${columns(kind)}`
      : `update pages set title = $2, handle = $3, body = $4, published = $5, metadata = $6::jsonb, updated_at = clock_timestamp()
          where id = $1 returning ${columns(kind)}`,
    [id, c.title, c.handle, c.body, c.published, JSON.stringify(c.metadata), ...(kind === 'posts' ? [c.tags, c.published_at] : [])],
  );
  return rows[0];
}

export async function deleteContent(tx: Tx, kind: ContentKind, id: string): Promise<void> {
  await tx.query(`delete from ${kind} where id = $1`, [id]);
}
