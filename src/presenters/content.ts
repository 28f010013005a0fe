import { z } from 'zod';
import type { ContentRow } from '../db/content.ts';
import { iso, Metadata } from './fields.ts';

const Common = {
  id: z.string(),
  title: z.string(),
  handle: z.string().describe('Unique per tenant and mode: lowercase letters, digits and inner hyphens'),
  body: z.string().describe('Markdown'),
  published: z.boolean(),
  metadata: Metadata,
  created_at: z.string(),
  updated_at: z.string(),
};

export const Page = z.object({ ...Common, object: z.literal('page') }).meta({ id: 'Page', description: 'A content page (Markdown)' });
export const Post = z.object({
  ...Common,
  object: z.literal('post'),
  tags: z.array(z.string()),
  published_at: z.string().nullable().describe('When the post is (or was) shown: set when first published unless given'),
}).meta({ id: 'Post', description: 'A blog post (Markdown)' });

/** What the storefront shows: no metadata, with the body rendered (raw HTML in the Markdown is not passed through). */
const PublicCommon = { id: z.string(), title: z.string(), handle: z.string(), body: z.string(), body_html: z.string(), updated_at: z.string() };
export const PublicPage = z.object({ ...PublicCommon, object: z.literal('page') }).meta({ id: 'PublicPage', description: 'A published page as the storefront shows it' });
export const PublicPost = z.object({ ...PublicCommon, object: z.literal('post'), tags: z.array(z.string()), published_at: z.string().nullable() }).meta({ id: 'PublicPost', description: 'A published blog post as the storefront shows it' });

const common = (row: ContentRow) => ({
  id: row.id, title: row.title, handle: row.handle, body: row.body, published: row.published, metadata: row.metadata,
  created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
});

export const presentPage = (row: ContentRow): z.infer<typeof Page> => ({ ...common(row), object: 'page' });
export const presentPost = (row: ContentRow): z.infer<typeof Post> => ({ ...common(row), object: 'post', tags: row.tags, published_at: iso(row.published_at) });

const publicCommon = (row: ContentRow, html: string) => ({
  id: row.id, title: row.title, handle: row.handle, body: row.body, body_html: html, updated_at: row.updated_at.toISOString(),
});

export const presentPublicPage = (row: ContentRow, html: string): z.infer<typeof PublicPage> => ({ ...publicCommon(row, html), object: 'page' });
export const presentPublicPost = (row: ContentRow, html: string): z.infer<typeof PublicPost> =>
  ({ ...publicCommon(row, html), object: 'post', tags: row.tags, published_at: iso(row.published_at) });
