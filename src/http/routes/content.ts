// Pages and blog posts: the same five routes for each, over one service.
import type { z } from 'zod';
import { createContent, deleteContentById, getContent, listContent, updateContent, type ContentPatch, type NewContent } from '../../services/content.ts';
import { Page, Post, presentPage, presentPost } from '../../presenters/content.ts';
import type { ContentRow } from '../../db/content.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { NewPage, NewPost, PagePatch, PostPatch } from '../schemas/content.ts';
import { route } from '../route.ts';

const read = { role: 'viewer' } as const;
const write = { role: 'developer' } as const;

function contentRoutes<C extends NewContent, P extends ContentPatch>(kind: 'pages' | 'posts', noun: string, schema: z.ZodType, present: (row: ContentRow) => unknown, create: z.ZodType<C>, patch: z.ZodType<P>) {
  const tag = kind;
  return [
    route({
      method: 'get', path: `/v1/${kind}`, summary: `List ${kind}`, tag, access: read, query: ListQuery,
      response: { status: 200, schema: listOf(schema) },
      handle: async ({ query, auth, services }) => {
        const rows = await listContent(services, auth, kind, { limit: query.limit, startingAfter: query.starting_after });
        return { status: 200, body: toPage(rows, query.limit, present) };
      },
    }),
    route({
      method: 'post', path: `/v1/${kind}`, summary: `Create a ${noun} (Markdown body, unique handle)`, tag, access: write, body: create,
      response: { status: 201, schema }, errors: [409],
      handle: async ({ body, auth, services }) => ({ status: 201, body: present(await createContent(services, auth, kind, body)) }),
    }),
    route({
      method: 'get', path: `/v1/${kind}/:id`, summary: `Retrieve a ${noun}`, tag, access: read,
      response: { status: 200, schema },
      handle: async ({ params, auth, services }) => ({ status: 200, body: present(await getContent(services, auth, kind, params.id)) }),
    }),
    route({
      method: 'patch', path: `/v1/${kind}/:id`, summary: `Update a ${noun} (JSON merge patch)`, tag, access: write, body: patch,
      response: { status: 200, schema }, errors: [409],
      handle: async ({ params, body, auth, services }) => ({ status: 200, body: present(await updateContent(services, auth, kind, params.id, body)) }),
    }),
    route({
      method: 'delete', path: `/v1/${kind}/:id`, summary: `Delete a ${noun} (its handle is free again)`, tag, access: write,
      response: { status: 204 },
      handle: async ({ params, auth, services }) => {
        await deleteContentById(services, auth, kind, params.id);
        return { status: 204 };
      },
    }),
  ];
}

export const pageRoutes = contentRoutes('pages', 'page', Page, presentPage, NewPage, PagePatch);
export const postRoutes = contentRoutes('posts', 'post', Post, presentPost, NewPost, PostPatch);
