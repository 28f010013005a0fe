import { z } from 'zod';
import { Metadata, MetadataPatch } from './commerce.ts';
import { ListQuery, Timestamp } from './common.ts';
import { HANDLE } from '../../services/content.ts';

const Title = z.string().trim().min(1).max(200);
const Handle = z.string().max(100).regex(HANDLE, 'lowercase letters, digits and inner hyphens, e.g. about-us')
  .describe('Unique per tenant and mode; the storefront serves it at …/:handle');
const Body = z.string().max(100_000).describe('Markdown; raw HTML in it is shown as text on the storefront, never passed through');
const Published = z.boolean().describe('Shown on the storefront; defaults to false');
const Tags = z.array(z.string().trim().min(1).max(50)).max(20);
const PublishedAt = Timestamp.nullable().describe('When the post shows on the storefront; defaults to the moment it is first published');

export const NewPage = z.strictObject({ title: Title, handle: Handle, body: Body.optional(), published: Published.optional(), metadata: Metadata.optional() }).meta({ id: 'NewPage' });
export const PagePatch = z.strictObject({
  title: Title.optional(), handle: Handle.optional(), body: Body.optional(), published: Published.optional(), metadata: MetadataPatch.optional(),
}).meta({ id: 'PagePatch' });

export const NewPost = NewPage.extend({ tags: Tags.optional(), published_at: PublishedAt.optional() }).meta({ id: 'NewPost' });
export const PostPatch = PagePatch.extend({ tags: Tags.optional(), published_at: PublishedAt.optional() }).meta({ id: 'PostPatch' });

export const PublishedPostQuery = ListQuery.extend({ tag: z.string().max(50).optional() });
