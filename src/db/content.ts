// pages and posts: tenant-scoped; every function runs inside withTenant and names its tenant and
// mode itself too. The two tables share their shape (posts add tags and published_at), so each
// statement names its table from `kind`.
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

export async function insertContent(tx: Tx, scope: TenantScope, kind: ContentKind, id: string, c: ContentFields): Promise<ContentRow> {
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

export async function findContent(tx: Tx, scope: TenantScope, kind: ContentKind, id: string, options: { forUpdate?: boolean } = {}): Promise<ContentRow | undefined> {
  const { rows } = await tx.query(
    `select ${columns(kind)} from ${kind} where tenant_id = $1::uuid and mode = $2 and id = $3${options.forUpdate ? ' for update' : ''}`,
    [scope.tenantId, scope.mode, id],
  );
  return rows[0];
}

/** Published at `now` (a post also once its published_at has passed), by handle. */
export async function findPublished(tx: Tx, scope: TenantScope, kind: ContentKind, handle: string, now: Date): Promise<ContentRow | undefined> {
  const { rows } = await tx.query(
    `select ${columns(kind)} from ${kind}
      where tenant_id = $1::uuid and mode = $2 and handle = $3 and published${kind === 'posts' ? ' and published_at <= $4' : ''}`,
    [scope.tenantId, scope.mode, handle, ...(kind === 'posts' ? [now] : [])],
  );
  return rows[0];
}

export async function listContent(tx: Tx, scope: TenantScope, kind: ContentKind, page: { limit: number; startingAfter?: string }): Promise<ContentRow[]> {
  const { rows } = await tx.query(
    `select ${columns(kind)} from ${kind}
      where tenant_id = $1::uuid and mode = $2
        and ($4::text is null or (created_at, id) < (select created_at, id from ${kind} where tenant_id = $1::uuid and id = $4))
      order by created_at desc, id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null],
  );
  return rows;
}

/** Published posts at `now`, most recently published first, optionally with a tag; up to `limit` rows. */
export async function listPublishedPosts(tx: Tx, scope: TenantScope, page: { limit: number; startingAfter?: string; tag?: string; now: Date }): Promise<ContentRow[]> {
  const { rows } = await tx.query(
    `select ${columns('posts')} from posts
      where tenant_id = $1::uuid and mode = $2 and published and published_at <= $6 and ($5::text is null or $5 = any(tags))
        and ($4::text is null or (published_at, id) < (select published_at, id from posts where tenant_id = $1::uuid and id = $4))
      order by published_at desc, id desc limit $3`,
    [scope.tenantId, scope.mode, page.limit, page.startingAfter ?? null, page.tag ?? null, page.now],
  );
  return rows;
}

export async function updateContent(tx: Tx, scope: TenantScope, kind: ContentKind, id: string, c: ContentFields): Promise<ContentRow | undefined> {
  const { rows } = await tx.query(
    kind === 'posts'
      ? `update posts set title = $4, handle = $5, body = $6, published = $7, metadata = $8::jsonb, tags = $9::text[], published_at = $10::timestamptz,
                updated_at = clock_timestamp() where tenant_id = $1::uuid and mode = $2 and id = $3 returning ${columns(kind)}`
      : `update pages set title = $4, handle = $5, body = $6, published = $7, metadata = $8::jsonb, updated_at = clock_timestamp()
          where tenant_id = $1::uuid and mode = $2 and id = $3 returning ${columns(kind)}`,
    [scope.tenantId, scope.mode, id, c.title, c.handle, c.body, c.published, JSON.stringify(c.metadata), ...(kind === 'posts' ? [c.tags, c.published_at] : [])],
  );
  return rows[0];
}

export async function deleteContent(tx: Tx, scope: TenantScope, kind: ContentKind, id: string): Promise<void> {
  await tx.query(`delete from ${kind} where tenant_id = $1::uuid and mode = $2 and id = $3`, [scope.tenantId, scope.mode, id]);
}
