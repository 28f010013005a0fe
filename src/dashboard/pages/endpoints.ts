// Webhook endpoints: the list (status, disabled reason, 24-hour failure rate), the form (the
// API's own schemas: a URL refused by the address rules is shown beside the field), and an
// endpoint's page: statistics, its deliveries, a test event, the secret (shown after the password
// is entered again) and its rotation, and replays (counted first, then confirmed).
import { EndpointPatch, NewEndpoint, Replay, SecretRotation } from '../../http/schemas/endpoints.ts';
import { PasswordForm } from '../../http/schemas/dashboard.ts';
import { presentEndpoint } from '../../presenters/endpoints.ts';
import { endpointsWithHealth } from '../../services/dashboard.ts';
import { listDeliveriesOf } from '../../services/deliveries.ts';
import {
  createEndpoint, DEFAULT_OVERLAP_SECONDS, deleteEndpoint, getEndpoint, patchEndpoint, revealSecret, rotateSecret,
} from '../../services/endpoints.ts';
import { RESERVED_NAMESPACES } from '../../services/events.ts';
import { ORDERINGS } from '../../services/flows.ts';
import { replayEvents, sendTestEvent } from '../../services/replay.ts';
import { confirmPassword } from '../../services/sessions.ts';
import type { EndpointRow } from '../../db/endpoints.ts';
import { badge, empty, field, formError, paged, select } from '../components.ts';
import { formatCount, formatMs, formatRate, formatTime, inputTime } from '../format.ts';
import { html, type Html } from '../html.ts';
import { BASE, fieldsOf, page, parseForm, serviceFieldErrors, type FieldErrors, type PageRequest } from '../kit.ts';
import { csrfField, render } from '../layout.ts';
import { deliveryRows } from './deliveries.ts';

const PAGE_SIZE = 25;
const ORDERING_LABELS: Record<(typeof ORDERINGS)[number], string> = {
  none: 'none: in parallel', key: 'key: one at a time per ordering key', fifo: 'fifo: one at a time, in commit order',
};
const WILDCARDS = ['*', ...RESERVED_NAMESPACES.filter((ns) => ns !== 'webhook').map((ns) => `${ns}.*`)];
const OVERLAPS = [['0', 'none: the old secret stops now'], ['3600', '1 hour'], ['86400', '24 hours (default)'], ['604800', '7 days']] as const;


/** The form's fields as the API's body: checked wildcards plus typed types, optional fields when the schema has them. */
function endpointBody(form: URLSearchParams, editing: boolean): Record<string, unknown> {
  const types = [...form.getAll('event_types'), ...(form.get('more_types') ?? '').split(/[\s,]+/)].map((t) => t.trim()).filter(Boolean);
  const description = form.get('description')?.trim() ?? '';
  const body: Record<string, unknown> = { url: form.get('url')?.trim() ?? '', event_types: types };
  if (description || editing) body.description = description || null;
  if (editing) body.enabled = form.get('enabled') === 'on';
  if (form.get('ordering')) body.ordering = form.get('ordering');
  const limit = form.get('rate_limit')?.trim() ?? '';
  if (limit) body.rate_limit = /^\d{1,9}$/.test(limit) ? Number(limit) : limit;
  else if (editing) body.rate_limit = null;
  return body;
}

interface FormValues {
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  ordering?: string;
  rate_limit?: number | string | null;
}

const valuesOf = (row: EndpointRow): FormValues => ({ ...(presentEndpoint(row) as FormValues) });

function endpointForm(req: PageRequest, action: string, values: FormValues, errors?: FieldErrors, editing = false): Html {
  const exact = values.event_types.filter((t) => !WILDCARDS.includes(t));
  return html`<form class="card" method="post" action="${action}">
  ${csrfField(req.session.csrf_token)}
  ${formError(errors)}
  ${field({ label: 'URL', name: 'url', type: 'url', value: values.url, errors, required: true, hint: 'https:// (http:// outside production); public addresses only unless HERALD_ALLOW_PRIVATE_NETWORKS allows them.' })}
  <fieldset class="field${errors?.event_types ? ' invalid' : ''}">
    <legend>Event types</legend>
    <div class="checks">
      ${WILDCARDS.map((w) => html`<label><input type="checkbox" name="event_types" value="${w}"${values.event_types.includes(w) ? html` checked` : ''}> ${w === '*' ? 'every event (*)' : w}</label>`)}
    </div>
    ${field({ label: 'Other event types', name: 'more_types', value: exact.join(', '), hint: 'Exact types or your own custom types, separated by commas (e.g. order.paid, invoice.sent).' })}
    ${errors?.event_types ? html`<p class="error" id="f-event_types-error">${errors.event_types}</p>` : ''}
  </fieldset>
  ${field({ label: 'Description', name: 'description', value: values.description, errors })}
  ${select({ label: 'Ordering', name: 'ordering', options: ORDERINGS.map((o) => [o, ORDERING_LABELS[o]] as const), value: String(values.ordering ?? 'none'), errors })}
  ${field({ label: 'Rate limit (attempts per second)', name: 'rate_limit', type: 'number', value: values.rate_limit ?? '', errors, hint: 'Empty: no limit.' })}
  ${editing ? html`<div class="field"><label><input type="checkbox" name="enabled"${values.enabled ? html` checked` : ''}> Enabled</label></div>` : ''}
  <button type="submit">${editing ? 'Save' : 'Create endpoint'}</button>
</form>`;
}

function statusOf(row: EndpointRow): Html {
  return row.enabled ? badge('enabled') : html`${badge('disabled')} <span class="reason">${row.disabled_reason ?? 'disabled by a user'}</span>`;
}

interface DetailExtras {
  secret?: string;
  revealErrors?: FieldErrors;
  rotateErrors?: FieldErrors;
  replay?: { count: number; since: string; until?: string };
  replayErrors?: FieldErrors;
  replayValues?: { since: string; until: string };
  status?: number;
}

async function detail(req: PageRequest, id: string, extras: DetailExtras = {}) {
  const { services, auth, session } = req;
  const { endpoint, stats } = await getEndpoint(services, auth, id);
  const deliveries = await listDeliveriesOf(services, auth, { limit: 10, endpointId: id });
  const now = services.clock.now();
  const replayValues = extras.replayValues ?? { since: inputTime(new Date(now.getTime() - 3_600_000)), until: '' };
  const action = `${BASE}/endpoints/${endpoint.id}`;
  const body = html`
<p><a href="${BASE}/endpoints">← Endpoints</a> · <a href="${action}/edit">Edit</a></p>
<dl class="props">
  <dt>ID</dt><dd><code>${endpoint.id}</code></dd>
  <dt>URL</dt><dd class="url">${endpoint.url}</dd>
  <dt>Status</dt><dd>${statusOf(endpoint)}</dd>
  <dt>Event types</dt><dd>${endpoint.event_types.join(', ')}</dd>
  <dt>Description</dt><dd>${endpoint.description ?? '—'}</dd>
  <dt>Ordering</dt><dd>${ORDERING_LABELS[endpoint.ordering]}</dd>
  <dt>Rate limit</dt><dd>${endpoint.rate_limit === null ? 'none' : `${endpoint.rate_limit} per second`}</dd>
  ${endpoint.paused_until && endpoint.paused_until > now ? html`<dt>Paused until</dt><dd>${formatTime(endpoint.paused_until)} (it answered 429 or 503 with Retry-After)</dd>` : ''}
  <dt>Created</dt><dd>${formatTime(endpoint.created_at)}</dd>
</dl>
<section aria-labelledby="stats-title">
  <h2 id="stats-title">Attempts</h2>
  <table class="data" id="endpoint-stats">
    <thead><tr><th scope="col">Window</th><th scope="col">Attempts</th><th scope="col">Succeeded</th><th scope="col">Success rate</th><th scope="col">p50</th><th scope="col">p95</th></tr></thead>
    <tbody>
      ${([['Last hour', stats.hour], ['Last 24 hours', stats.day]] as const).map(([label, s]) => html`<tr><th scope="row">${label}</th><td>${formatCount(s.attempts)}</td><td>${formatCount(s.succeeded)}</td><td>${formatRate(s.attempts ? s.succeeded / s.attempts : null)}</td><td>${formatMs(s.p50_ms)}</td><td>${formatMs(s.p95_ms)}</td></tr>`)}
    </tbody>
  </table>
</section>
<section class="card" aria-labelledby="test-title">
  <h2 id="test-title">Send a test event</h2>
  <form method="post" action="${action}/test">${csrfField(session.csrf_token)}<button type="submit">Send webhook.test</button></form>
</section>
<section class="card" aria-labelledby="secret-title">
  <h2 id="secret-title">Signing secret</h2>
  ${extras.secret
    ? html`<p>Current secret (shown once for this request; it is not kept in the page's history):</p><p><code class="secret" id="secret-value">${extras.secret}</code></p>`
    : html`<p><code class="secret" id="secret-masked">whsec_••••••••••••••••</code></p>`}
  <form method="post" action="${action}/secret">
    ${csrfField(session.csrf_token)}
    ${formError(extras.revealErrors)}
    ${field({ label: 'Your password', name: 'password', type: 'password', errors: extras.revealErrors, required: true, hint: 'Enter your password again to reveal the secret.', attrs: html` autocomplete="current-password"` })}
    <button type="submit">Reveal secret</button>
  </form>
  <form method="post" action="${action}/rotate">
    ${csrfField(session.csrf_token)}
    ${formError(extras.rotateErrors)}
    ${select({ label: 'Previous secrets keep signing for', name: 'overlap_seconds', options: OVERLAPS, value: String(DEFAULT_OVERLAP_SECONDS), errors: extras.rotateErrors })}
    <button type="submit">Rotate secret</button>
  </form>
</section>
<section class="card" aria-labelledby="replay-title">
  <h2 id="replay-title">Replay events</h2>
  ${extras.replay
    ? html`<p role="status" id="replay-count"><strong>${formatCount(extras.replay.count)}</strong> event${extras.replay.count === 1 ? '' : 's'} since ${extras.replay.since} would be delivered again to this endpoint.</p>
      ${extras.replay.count > 0 ? html`<form method="post" action="${action}/replay">
        ${csrfField(session.csrf_token)}
        <input type="hidden" name="since" value="${extras.replay.since}">
        ${extras.replay.until ? html`<input type="hidden" name="until" value="${extras.replay.until}">` : ''}
        <input type="hidden" name="confirm" value="1">
        <button type="submit">Replay ${formatCount(extras.replay.count)} event${extras.replay.count === 1 ? '' : 's'}</button>
      </form>` : ''}`
    : ''}
  <form method="post" action="${action}/replay">
    ${csrfField(session.csrf_token)}
    ${formError(extras.replayErrors)}
    ${field({ label: 'Since (UTC)', name: 'since', type: 'datetime-local', value: replayValues.since, errors: extras.replayErrors, required: true })}
    ${field({ label: 'Until (UTC, optional)', name: 'until', type: 'datetime-local', value: replayValues.until, errors: extras.replayErrors, hint: 'Empty: until now.' })}
    <button type="submit">Count events to replay</button>
  </form>
</section>
<section aria-labelledby="deliveries-title">
  <h2 id="deliveries-title">Recent deliveries</h2>
  ${deliveries.length ? deliveryRows(deliveries.slice(0, 10)) : empty('No deliveries yet.')}
  <p><a href="${BASE}/deliveries?endpoint_id=${endpoint.id}">All deliveries to this endpoint →</a></p>
</section>`;
  return render(req, '/endpoints', `Endpoint ${endpoint.id}`, body, { status: extras.status });
}

/** A datetime-local value (UTC, to the minute or second) as the API's timestamp; anything else as given (the schema then names it). */
function utcTimestamp(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(value)) return `${value}:00Z`;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/.test(value)) return `${value}Z`;
  return value;
}

export const endpointPages = [
  page({
    method: 'get', path: '/endpoints', role: 'viewer',
    handle: async (req) => {
      const after = req.query.get('starting_after') ?? undefined;
      const rows = await endpointsWithHealth(req.services, req.auth, { limit: PAGE_SIZE, startingAfter: after });
      const { rows: kept, next } = paged(rows, PAGE_SIZE, `${BASE}/endpoints`, req.query, (r) => r.endpoint.id);
      const body = html`<p><a class="button" href="${BASE}/endpoints/new">New endpoint</a></p>
${kept.length ? html`<table class="data" id="endpoints">
  <thead><tr><th scope="col">Endpoint</th><th scope="col">URL</th><th scope="col">Status</th><th scope="col">Event types</th><th scope="col">Attempts (24 h)</th><th scope="col">Failure rate (24 h)</th></tr></thead>
  <tbody>${kept.map(({ endpoint, attempts, failed }) => html`<tr>
    <td><a href="${BASE}/endpoints/${endpoint.id}">${endpoint.id}</a></td><td class="url">${endpoint.url}</td><td>${statusOf(endpoint)}</td>
    <td>${endpoint.event_types.join(', ')}</td><td>${formatCount(attempts)}</td><td>${formatRate(attempts ? failed / attempts : null)}</td></tr>`)}</tbody>
</table>` : empty('No endpoints yet: create one to receive webhooks.')}
${next}`;
      return render(req, '/endpoints', 'Endpoints', body);
    },
  }),
  page({
    method: 'get', path: '/endpoints/new', role: 'viewer',
    handle: async (req) => render(req, '/endpoints', 'New endpoint', endpointForm(req, `${BASE}/endpoints`, { url: '', event_types: ['*'], description: null, enabled: true })),
  }),
  page({
    method: 'post', path: '/endpoints', role: 'developer',
    handle: async (req) => {
      const raw = endpointBody(req.form, false);
      const again = (errors: FieldErrors) => render(req, '/endpoints', 'New endpoint', endpointForm(req, `${BASE}/endpoints`, { ...(raw as unknown as FormValues), description: (raw.description as string) ?? null, enabled: true }, errors), { status: 422 });
      const input = parseForm(NewEndpoint, raw);
      if (!input.ok) return again(input.errors);
      try {
        const row = await createEndpoint(req.services, req.auth, input.value);
        return { redirect: `${BASE}/endpoints/${row.id}?done=created` };
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (errors) return again(errors);
        throw err;
      }
    },
  }),
  page({
    method: 'get', path: '/endpoints/:id', role: 'viewer',
    handle: async (req) => detail(req, req.params.id),
  }),
  page({
    method: 'get', path: '/endpoints/:id/edit', role: 'viewer',
    handle: async (req) => {
      const { endpoint } = await getEndpoint(req.services, req.auth, req.params.id);
      const remove = html`<section class="card" aria-labelledby="delete-title">
  <h2 id="delete-title">Delete this endpoint</h2>
  <p>Its deliveries still to come are cancelled; its past deliveries stay listed.</p>
  <form method="post" action="${BASE}/endpoints/${endpoint.id}/delete">${csrfField(req.session.csrf_token)}<button type="submit">Delete endpoint</button></form>
</section>`;
      return render(req, '/endpoints', `Edit ${endpoint.id}`, html`${endpointForm(req, `${BASE}/endpoints/${endpoint.id}`, valuesOf(endpoint), undefined, true)}${remove}`);
    },
  }),
  page({
    method: 'post', path: '/endpoints/:id', role: 'developer',
    handle: async (req) => {
      const { endpoint } = await getEndpoint(req.services, req.auth, req.params.id);
      const raw = endpointBody(req.form, true);
      const again = (errors: FieldErrors) => render(req, '/endpoints', `Edit ${endpoint.id}`, endpointForm(req, `${BASE}/endpoints/${endpoint.id}`, raw as unknown as FormValues, errors, true), { status: 422 });
      const input = parseForm(EndpointPatch, raw);
      if (!input.ok) return again(input.errors);
      try {
        await patchEndpoint(req.services, req.auth, endpoint.id, input.value);
        return { redirect: `${BASE}/endpoints/${endpoint.id}?done=saved` };
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (errors) return again(errors);
        throw err;
      }
    },
  }),
  page({
    method: 'post', path: '/endpoints/:id/delete', role: 'developer',
    handle: async (req) => {
      await deleteEndpoint(req.services, req.auth, req.params.id);
      return { redirect: `${BASE}/endpoints?done=deleted` };
    },
  }),
  page({
    method: 'post', path: '/endpoints/:id/test', role: 'developer',
    handle: async (req) => {
      const delivery = await sendTestEvent(req.services, req.auth, req.params.id);
      return { redirect: `${BASE}/deliveries/${delivery.id}?done=test` };
    },
  }),
  page({
    method: 'post', path: '/endpoints/:id/secret', role: 'developer',
    handle: async (req) => {
      await getEndpoint(req.services, req.auth, req.params.id); // another tenant's id: 404 before any password check
      const input = parseForm(PasswordForm, fieldsOf(req.form, ['password']));
      if (!input.ok) return detail(req, req.params.id, { revealErrors: input.errors, status: 422 });
      try {
        await confirmPassword(req.services, req.session, input.value.password);
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (errors) return detail(req, req.params.id, { revealErrors: errors, status: 422 });
        throw err;
      }
      // A v1a endpoint shows its whpk_ public key (its private key never leaves Herald).
      const shown = await revealSecret(req.services, req.auth, req.params.id);
      return detail(req, req.params.id, { secret: 'secret' in shown ? shown.secret : shown.public_key });
    },
  }),
  page({
    method: 'post', path: '/endpoints/:id/rotate', role: 'developer',
    handle: async (req) => {
      const overlap = req.form.get('overlap_seconds') ?? '';
      const input = parseForm(SecretRotation, /^\d{1,7}$/.test(overlap) ? { overlap_seconds: Number(overlap) } : { overlap_seconds: overlap });
      if (!input.ok) return detail(req, req.params.id, { rotateErrors: input.errors, status: 422 });
      await rotateSecret(req.services, req.auth, req.params.id, input.value.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS);
      return { redirect: `${BASE}/endpoints/${req.params.id}?done=rotated` };
    },
  }),
  page({
    method: 'post', path: '/endpoints/:id/replay', role: 'developer',
    handle: async (req) => {
      const given = fieldsOf(req.form, ['since', 'until']);
      const replayValues = { since: given.since ?? '', until: given.until ?? '' };
      const confirm = req.form.get('confirm') === '1';
      const input = parseForm(Replay, { since: utcTimestamp(given.since) ?? '', ...(given.until ? { until: utcTimestamp(given.until) } : {}) });
      if (!input.ok) return detail(req, req.params.id, { replayErrors: input.errors, replayValues, status: 422 });
      const window = { since: new Date(input.value.since), until: input.value.until ? new Date(input.value.until) : undefined, dryRun: !confirm };
      try {
        const count = await replayEvents(req.services, req.auth, req.params.id, window);
        if (confirm) return { redirect: `${BASE}/endpoints/${req.params.id}?done=replayed&count=${count}` };
        return detail(req, req.params.id, { replay: { count, since: input.value.since, until: input.value.until }, replayValues });
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (errors) return detail(req, req.params.id, { replayErrors: errors, replayValues, status: 422 });
        throw err;
      }
    },
  }),
];
