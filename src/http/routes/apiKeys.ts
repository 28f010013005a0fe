import { createKeyAs, listKeys, revokeKey } from '../../services/apiKeys.ts';
import { ApiKey, ApiKeyWithSecret, presentApiKey } from '../../presenters/apiKeys.ts';
import { listOf, ListQuery, toPage } from '../schemas/common.ts';
import { NewApiKey } from '../schemas/tenants.ts';
import { route } from '../route.ts';

const tag = 'api-keys';
const access = { role: 'admin' } as const;

export const apiKeyRoutes = [
  route({
    method: 'get', path: '/v1/api-keys', summary: 'List API keys', tag, access, query: ListQuery,
    response: { status: 200, schema: listOf(ApiKey) },
    handle: async ({ query, auth, services }) => {
      const rows = await listKeys(services, auth, { limit: query.limit, startingAfter: query.starting_after });
      return { status: 200, body: toPage(rows, query.limit, presentApiKey) };
    },
  }),
  route({
    method: 'post', path: '/v1/api-keys', summary: 'Create an API key (shown once)', tag, access, body: NewApiKey,
    response: { status: 201, schema: ApiKeyWithSecret }, showsSecret: true,
    handle: async ({ body, auth, services }) => {
      const { row, key } = await createKeyAs(services, auth, body);
      return { status: 201, body: { ...presentApiKey(row), key } };
    },
  }),
  route({
    method: 'delete', path: '/v1/api-keys/:id', summary: 'Revoke an API key', tag, access,
    response: { status: 204 },
    handle: async ({ params, auth, services }) => {
      await revokeKey(services, auth, params.id);
      return { status: 204 };
    },
  }),
];
