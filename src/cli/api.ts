// `herald` commands of a tenant: keys, endpoints, events, deliveries. They go through the HTTP API
// with a key (HERALD_URL, HERALD_API_KEY), as any integrator's script would: the same
// authentication, roles, rate limits and audit as every other client, against any Herald, with no
// database access. (The operator commands, src/cli/operator.ts, work on the database instead.)
import type { ClientConfig } from '../config.ts';
import { HttpError } from '../errors.ts';
import { flag, type Command, type Flag, type Parsed } from './command.ts';
import { UsageError } from './command.ts';
import { bodyOf } from './operator.ts';

export interface ApiClient {
  request(method: string, path: string, body?: unknown): Promise<any>;
}

/** Calls Herald with the key; a non-2xx answer becomes an HttpError carrying the problem's detail and field errors. */
export function apiClient(config: ClientConfig): ApiClient {
  return {
    async request(method, path, body) {
      if (!config.apiKey) throw new UsageError('set HERALD_API_KEY to a secret key of your tenant (hk_test_… or hk_live_…)');
      let res: Response;
      try {
        res = await fetch(config.url + path, {
          method, body: body === undefined ? undefined : JSON.stringify(body),
          headers: { authorization: `Bearer ${config.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        });
      } catch (err) {
        throw new HttpError(503, 'Unreachable', `cannot reach Herald at ${config.url} (${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message}); set HERALD_URL`);
      }
      const text = await res.text();
      const answer = text ? JSON.parse(text) : undefined;
      if (!res.ok) throw new HttpError(res.status, answer?.title ?? res.statusText, answer?.detail ?? res.statusText, { errors: answer?.errors });
      return answer;
    },
  };
}

const LIST: Record<string, Flag> = {
  limit: { value: 'N', description: '1 to 100 (default 20)', integer: true },
  'starting-after': flag('ID', 'The next_cursor of the previous page'),
};
const ID = (what: string) => [`${what.toUpperCase()}_ID`];

/** A query string of the set flags (kebab-case → snake_case), renamed where the API's name differs. */
function query(flags: Parsed['flags'], rename: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(flags)) {
    if (value !== undefined && name !== 'help') params.set(rename[name] ?? name.replace(/-/g, '_'), String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

const list = (value: unknown) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const bool = (name: string, value: unknown) => {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`--${name} must be true or false`);
};
const json = (name: string, value: unknown) => {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(String(value));
  } catch {
    throw new UsageError(`--${name} must be JSON, e.g. '{"invoice":"INV-1"}'`);
  }
};

const rateLimit = (value: unknown) => {
  if (value === undefined || value === 'none') return value === 'none' ? null : undefined;
  if (!/^\d{1,6}$/.test(String(value))) throw new UsageError('--rate-limit must be a whole number of attempts per second, or none');
  return Number(value);
};

/** The endpoint fields common to create and update, from their flags. */
const endpointBody = (flags: Parsed['flags']) => Object.fromEntries(Object.entries({
  url: flags.url, event_types: list(flags.events), description: flags.description, enabled: bool('enabled', flags.enabled), signature_scheme: flags.scheme,
  ordering: flags.ordering, rate_limit: rateLimit(flags['rate-limit']),
}).filter(([, v]) => v !== undefined));

const ENDPOINT_FLAGS: Record<string, Flag> = {
  url: flag('URL', 'Where the webhooks go (https:, or http: outside production)'),
  events: flag('TYPES', 'Comma-separated event types or wildcards: order.paid,product.* or *'),
  description: flag('TEXT', 'A note for yourself'),
  scheme: flag('v1|v1a', 'Signatures: v1 (HMAC, default) or v1a (ed25519)'),
  ordering: flag('none|key|fifo', 'Deliveries in parallel (none, default), one at a time per ordering key, or one at a time'),
  'rate-limit': flag('PER_SECOND', 'Attempts per second across all workers, 1–10000, or none'),
};

export const API_COMMANDS: Command<ApiClient>[] = [
  { name: 'tenant:show', summary: 'Show the key\'s tenant, organization, mode and role', run: (api) => api.request('GET', '/v1/tenant') },
  { name: 'keys:list', summary: 'List the API keys of your organization (needs an admin key)', flags: LIST, run: (api, { flags }) => api.request('GET', `/v1/api-keys${query(flags)}`) },
  {
    name: 'keys:create', summary: 'Create an API key in your organization (the key is shown once)',
    flags: { mode: flag('live|test', 'Its mode (your key\'s)', true), kind: flag('secret|publishable', 'The kind of key', true), role: flag('viewer|developer|admin|owner', 'At most your own role'), name: flag('NAME', 'A label') },
    run: (api, { flags }) => api.request('POST', '/v1/api-keys', bodyOf(flags)),
  },
  {
    name: 'keys:revoke', summary: 'Revoke an API key of your organization', args: ID('key'),
    run: async (api, { args }) => {
      await api.request('DELETE', `/v1/api-keys/${encodeURIComponent(args[0])}`);
      return { id: args[0], revoked: true };
    },
  },
  { name: 'endpoints:list', summary: 'List your webhook endpoints', flags: LIST, run: (api, { flags }) => api.request('GET', `/v1/webhook-endpoints${query(flags)}`) },
  {
    name: 'endpoints:create', summary: 'Register a webhook endpoint',
    flags: { ...ENDPOINT_FLAGS, url: { ...ENDPOINT_FLAGS.url, required: true }, events: { ...ENDPOINT_FLAGS.events, required: true } },
    run: (api, { flags }) => api.request('POST', '/v1/webhook-endpoints', endpointBody(flags)),
  },
  { name: 'endpoints:get', summary: 'Show a webhook endpoint with its delivery statistics', args: ID('endpoint'), run: (api, { args }) => api.request('GET', `/v1/webhook-endpoints/${encodeURIComponent(args[0])}`) },
  {
    name: 'endpoints:update', summary: 'Change a webhook endpoint (another --scheme rotates its key)', args: ID('endpoint'),
    flags: { ...ENDPOINT_FLAGS, enabled: flag('true|false', 'Enable (clears the disabled reason) or disable it') },
    run: (api, { args, flags }) => api.request('PATCH', `/v1/webhook-endpoints/${encodeURIComponent(args[0])}`, endpointBody(flags)),
  },
  {
    name: 'endpoints:delete', summary: 'Delete a webhook endpoint (its pending deliveries are cancelled)', args: ID('endpoint'),
    run: async (api, { args }) => {
      await api.request('DELETE', `/v1/webhook-endpoints/${encodeURIComponent(args[0])}`);
      return { id: args[0], deleted: true };
    },
  },
  {
    name: 'endpoints:secret', summary: 'Show what verifies the endpoint\'s webhooks: its whsec_ secret (v1) or whpk_ public key (v1a)', args: ID('endpoint'),
    run: (api, { args }) => api.request('GET', `/v1/webhook-endpoints/${encodeURIComponent(args[0])}/secret`),
  },
  {
    name: 'endpoints:rotate', summary: 'Rotate the endpoint\'s signing key; the previous ones keep signing for the overlap', args: ID('endpoint'),
    flags: { 'overlap-seconds': { value: 'SECONDS', description: '0 to 604800 (default 86400; 0 revokes the previous keys now)', integer: true }, scheme: ENDPOINT_FLAGS.scheme },
    run: (api, { args, flags }) => api.request('POST', `/v1/webhook-endpoints/${encodeURIComponent(args[0])}/rotate-secret`, {
      ...(flags['overlap-seconds'] === undefined ? {} : { overlap_seconds: Number(flags['overlap-seconds']) }), ...(flags.scheme ? { signature_scheme: flags.scheme } : {}),
    }),
  },
  { name: 'endpoints:test', summary: 'Send a webhook.test event to this endpoint alone', args: ID('endpoint'), run: (api, { args }) => api.request('POST', `/v1/webhook-endpoints/${encodeURIComponent(args[0])}/test`) },
  {
    name: 'endpoints:replay', summary: 'Re-deliver the endpoint\'s events of a window, with their original webhook-id', args: ID('endpoint'),
    flags: { since: flag('TIME', 'ISO 8601 start (inclusive)', true), until: flag('TIME', 'ISO 8601 end (exclusive; default now)'), 'dry-run': { description: 'Only count them' } },
    run: (api, { args, flags }) => api.request('POST', `/v1/webhook-endpoints/${encodeURIComponent(args[0])}/replay`, bodyOf(flags)),
  },
  {
    name: 'events:list', summary: 'List events, newest first',
    flags: { ...LIST, type: flag('TYPE', 'An event type, or a namespace wildcard such as order.*'), since: flag('TIME', 'Created at or after (ISO 8601)'), before: flag('TIME', 'Created before (ISO 8601)') },
    run: (api, { flags }) => api.request('GET', `/v1/events${query(flags, { since: 'created_gte', before: 'created_lt' })}`),
  },
  { name: 'events:get', summary: 'Show an event (the body its webhooks carry)', args: ID('event'), run: (api, { args }) => api.request('GET', `/v1/events/${encodeURIComponent(args[0])}`) },
  {
    name: 'events:send', summary: 'Record a custom event, delivered like any other',
    flags: {
      type: flag('TYPE', 'Dotted lowercase, outside the built-in namespaces (invoice.sent)', true), data: flag('JSON', 'The event\'s data, a JSON object (default {})'),
      'ordering-key': flag('KEY', 'Endpoints with ordering key get the events sharing it one at a time'),
    },
    run: (api, { flags }) => api.request('POST', '/v1/events', {
      type: flags.type, data: json('data', flags.data) ?? {}, ...(flags['ordering-key'] === undefined ? {} : { ordering_key: flags['ordering-key'] }),
    }),
  },
  { name: 'event-types:list', summary: 'List the built-in event types with the JSON Schema of their data', run: (api) => api.request('GET', '/v1/event-types') },
  {
    name: 'deliveries:list', summary: 'List deliveries, newest first',
    flags: { ...LIST, endpoint: flag('ENDPOINT_ID', 'Of this endpoint'), event: flag('EVENT_ID', 'Of this event'), status: flag('STATUS', 'pending, retrying, delivered, failed or cancelled') },
    run: (api, { flags }) => api.request('GET', `/v1/deliveries${query(flags, { endpoint: 'endpoint_id', event: 'event_id' })}`),
  },
  { name: 'deliveries:show', summary: 'Show a delivery with every attempt', args: ID('delivery'), run: (api, { args }) => api.request('GET', `/v1/deliveries/${encodeURIComponent(args[0])}`) },
  { name: 'deliveries:retry', summary: 'Make a new attempt now (same webhook-id)', args: ID('delivery'), run: (api, { args }) => api.request('POST', `/v1/deliveries/${encodeURIComponent(args[0])}/retry`) },
];
