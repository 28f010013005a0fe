// Pages and blog posts: Markdown bodies under a handle unique per tenant and mode, published or
// not. The storefront shows published ones (a post once its published_at has passed) with the
// body rendered to HTML. Each write records page.* / post.* in the same transaction; deleting
// removes the row (nothing refers to it) and frees the handle.
import type { ServiceContext } from '../context.ts';
import {
  deleteContent, findContent, findPublished, insertContent, listContent as listContentRows, listPublishedPosts, updateContent as updateContentRow,
  type ContentKind, type ContentRow,
} from '../db/content.ts';
import { withTenant } from '../db/tenant.ts';
import { notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { presentPage, presentPost } from '../presenters/content.ts';
import type { TenantScope } from '../scope.ts';
import { recordEvent, recordUpdate } from './events.ts';
import { duplicateAs, findOr404, mergeMetadata, patched, type Metadata, type MetadataPatch } from './resources.ts';

export interface NewContent {
  title: string;
  handle: string;
  body?: string;
  published?: boolean;
  metadata?: Metadata;
  tags?: string[];
  published_at?: string | null;
}

export interface ContentPatch {
  title?: string;
  handle?: string;
  body?: string;
  published?: boolean;
  metadata?: MetadataPatch;
  tags?: string[];
  published_at?: string | null;
}

const KINDS = {
  pages: { id: 'page', event: 'page', present: presentPage, duplicate: duplicateAs({ pages_handle: 'a page with this handle already exists' }) },
  posts: { id: 'post', event: 'post', present: presentPost, duplicate: duplicateAs({ posts_handle: 'a post with this handle already exists' }) },
} as const;

/** A post published without a date is dated now; an unpublished one keeps what it was given. */
function publishedAt(kind: ContentKind, published: boolean, given: string | null | undefined, current: Date | null, now: Date): Date | null {
  if (kind === 'pages') return null;
  const value = given === undefined ? current : given === null ? null : new Date(given);
  return published && value === null ? now : value;
}

export async function createContent({ pool, clock }: ServiceContext, scope: TenantScope, kind: ContentKind, input: NewContent): Promise<ContentRow> {
  const k = KINDS[kind];
  return withTenant(pool, scope, async (tx) => {
    const published = input.published ?? false;
    const row = await insertContent(tx, scope, kind, newId(k.id), {
      title: input.title, handle: input.handle, body: input.body ?? '', published, metadata: input.metadata ?? {},
      tags: [...new Set(input.tags ?? [])], published_at: publishedAt(kind, published, input.published_at, null, clock.now()),
    });
    await recordEvent(tx, scope, `${k.event}.created`, k.present(row));
    return row;
  }).catch(k.duplicate);
}

/** Newest first; returns up to limit + 1 rows. */
export async function listContent({ pool }: ServiceContext, scope: TenantScope, kind: ContentKind, page: { limit: number; startingAfter?: string }): Promise<ContentRow[]> {
  return withTenant(pool, scope, (tx) => listContentRows(tx, scope, kind, { ...page, limit: page.limit + 1 }));
}

export async function getContent({ pool }: ServiceContext, scope: TenantScope, kind: ContentKind, id: string): Promise<ContentRow> {
  return withTenant(pool, scope, (tx) => findOr404(KINDS[kind].id, id, (id) => findContent(tx, scope, kind, id)));
}

export async function updateContent({ pool, clock }: ServiceContext, scope: TenantScope, kind: ContentKind, id: string, patch: ContentPatch): Promise<ContentRow> {
  const k = KINDS[kind];
  return withTenant(pool, scope, async (tx) => {
    const before = await findOr404(k.id, id, (id) => findContent(tx, scope, kind, id, { forUpdate: true }));
    const published = patched(patch.published, before.published);
    const after = (await updateContentRow(tx, scope, kind, id, {
      title: patched(patch.title, before.title), handle: patched(patch.handle, before.handle), body: patched(patch.body, before.body), published,
      metadata: mergeMetadata(before.metadata, patch.metadata), tags: patch.tags ? [...new Set(patch.tags)] : before.tags,
      published_at: publishedAt(kind, published, patch.published_at, before.published_at, clock.now()),
    }))!;
    await recordUpdate(tx, scope, `${k.event}.updated`, k.present(before), k.present(after));
    return after;
  }).catch(k.duplicate);
}

export async function deleteContentById({ pool }: ServiceContext, scope: TenantScope, kind: ContentKind, id: string): Promise<void> {
  const k = KINDS[kind];
  await withTenant(pool, scope, async (tx) => {
    const row = await findOr404(k.id, id, (id) => findContent(tx, scope, kind, id, { forUpdate: true }));
    await deleteContent(tx, scope, kind, id);
    await recordEvent(tx, scope, `${k.event}.deleted`, k.present(row));
  });
}

export const HANDLE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A published page or post by handle, as the storefront shows it now (a malformed handle is not looked up). */
export async function publishedContent({ pool, clock }: ServiceContext, scope: TenantScope, kind: ContentKind, handle: string): Promise<ContentRow> {
  const row = HANDLE.test(handle) && handle.length <= 100 ? await withTenant(pool, scope, (tx) => findPublished(tx, scope, kind, handle, clock.now())) : undefined;
  if (!row) throw notFound(`no such ${KINDS[kind].id}`);
  return row;
}

/** Published posts, most recently published first; returns up to limit + 1 rows. */
export async function publishedPosts({ pool, clock }: ServiceContext, scope: TenantScope, page: { limit: number; startingAfter?: string; tag?: string }): Promise<ContentRow[]> {
  return withTenant(pool, scope, (tx) => listPublishedPosts(tx, scope, { ...page, limit: page.limit + 1, now: clock.now() }));
}
