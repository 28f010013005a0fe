// Deliveries: the list with its filters kept in the URL (a GET form, so a filtered view can be
// bookmarked and shared), and a delivery with every attempt — status, duration, error and the
// receiver's response body, always escaped — and Retry.
import type { DeliveryRow } from '../../db/deliveries.ts';
import { Delivery } from '../../presenters/deliveries.ts';
import { DeliveryQuery } from '../../http/schemas/deliveries.ts';
import { getDelivery, listDeliveriesOf, retryDelivery } from '../../services/deliveries.ts';
import { badge, empty, field, paged, select } from '../components.ts';
import { formatTime } from '../format.ts';
import { html, type Html } from '../html.ts';
import { BASE, fieldsOf, page, parseForm } from '../kit.ts';
import { csrfField, render } from '../layout.ts';

const PAGE_SIZE = 25;

export function deliveryRows(rows: DeliveryRow[]): Html {
  return html`<table class="data deliveries">
  <thead><tr><th scope="col">Delivery</th><th scope="col">Status</th><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">Attempts</th><th scope="col">Created</th></tr></thead>
  <tbody>${rows.map((d) => html`<tr>
    <td><a href="${BASE}/deliveries/${d.id}">${d.id}</a></td><td>${badge(d.status)}</td>
    <td><a href="${BASE}/events/${d.event_id}">${d.event_type}</a></td><td><a href="${BASE}/endpoints/${d.endpoint_id}">${d.endpoint_id}</a></td>
    <td>${d.attempt_count}</td><td>${formatTime(d.created_at)}</td></tr>`)}</tbody>
</table>`;
}

const FILTERS = ['endpoint_id', 'event_id', 'status', 'starting_after'];

export const deliveryPages = [
  page({
    method: 'get', path: '/deliveries', role: 'viewer',
    handle: async (req) => {
      const given = fieldsOf(req.query, FILTERS);
      const query = parseForm(DeliveryQuery, { ...given, limit: String(PAGE_SIZE) });
      const filters = html`<form class="filters" method="get" action="${BASE}/deliveries" hx-trigger="change, submit" hx-get="${BASE}/deliveries" hx-push-url="true" hx-target="body">
  ${field({ label: 'Endpoint ID', name: 'endpoint_id', value: given.endpoint_id, errors: query.ok ? undefined : query.errors })}
  ${field({ label: 'Event ID', name: 'event_id', value: given.event_id, errors: query.ok ? undefined : query.errors })}
  ${select({ label: 'Status', name: 'status', options: [['', 'any'], ...Delivery.shape.status.options.map((s) => [s, s] as const)], value: given.status ?? '', errors: query.ok ? undefined : query.errors })}
  <button type="submit">Filter</button> <a href="${BASE}/deliveries">Clear</a>
</form>`;
      if (!query.ok) return render(req, '/deliveries', 'Deliveries', filters, { status: 400 });
      const q = query.value;
      const rows = await listDeliveriesOf(req.services, req.auth, {
        limit: q.limit, startingAfter: q.starting_after, endpointId: q.endpoint_id, eventId: q.event_id, status: q.status,
      });
      const { rows: kept, next } = paged(rows, q.limit, `${BASE}/deliveries`, req.query);
      const body = html`${filters}
${kept.length ? deliveryRows(kept) : empty('No deliveries match.')}
${next}`;
      return render(req, '/deliveries', 'Deliveries', body);
    },
  }),
  page({
    method: 'get', path: '/deliveries/:id', role: 'viewer',
    handle: async (req) => {
      const { delivery: d, attempts } = await getDelivery(req.services, req.auth, req.params.id);
      const body = html`<p><a href="${BASE}/deliveries">← Deliveries</a></p>
<dl class="props">
  <dt>ID</dt><dd><code>${d.id}</code></dd>
  <dt>Status</dt><dd id="delivery-status">${badge(d.status)}${d.status_reason ? html` <span class="reason">${d.status_reason}</span>` : ''}</dd>
  <dt>Event</dt><dd><a href="${BASE}/events/${d.event_id}">${d.event_id}</a> (${d.event_type})</dd>
  <dt>Endpoint</dt><dd><a href="${BASE}/endpoints/${d.endpoint_id}">${d.endpoint_id}</a></dd>
  <dt>Attempts</dt><dd>${d.attempt_count}</dd>
  <dt>Next attempt</dt><dd>${formatTime(d.next_attempt_at)}</dd>
  <dt>Created</dt><dd>${formatTime(d.created_at)}</dd>
</dl>
<form method="post" action="${BASE}/deliveries/${d.id}/retry">${csrfField(req.session.csrf_token)}<button type="submit">Retry now</button></form>
<h2>Attempts</h2>
${attempts.length ? attempts.map((a) => html`<section class="card attempt" aria-labelledby="attempt-${a.number}">
  <h3 id="attempt-${a.number}">Attempt ${a.number} · ${a.status_code === null ? 'no response' : `HTTP ${a.status_code}`} · ${a.duration_ms} ms</h3>
  <dl class="props">
    <dt>Started</dt><dd>${formatTime(a.started_at)}</dd>
    <dt>Status</dt><dd class="attempt-status">${a.status_code ?? '—'}</dd>
    <dt>Duration</dt><dd>${a.duration_ms} ms</dd>
    ${a.error_kind ? html`<dt>Error</dt><dd class="attempt-error">${a.error_kind}: ${a.error_message ?? ''}</dd>` : ''}
  </dl>
  ${a.response_headers ? html`<details><summary>Response headers</summary><pre>${Object.entries(a.response_headers).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre></details>` : ''}
  <h4>Response body</h4>
  ${a.response_body ? html`<pre class="response-body">${a.response_body}</pre>` : html`<p class="empty">(empty)</p>`}
</section>`) : empty('No attempt yet.')}`;
      return render(req, '/deliveries', `Delivery ${d.id}`, body);
    },
  }),
  page({
    method: 'post', path: '/deliveries/:id/retry', role: 'developer',
    handle: async (req) => {
      const d = await retryDelivery(req.services, req.auth, req.params.id);
      return { redirect: `${BASE}/deliveries/${d.id}?done=retried` };
    },
  }),
];
