// Events: the tenant's event log (filter by type, kept in the URL) and one event — the body its
// webhooks carry, as escaped text — with its deliveries.
import { EventListQuery } from '../../http/schemas/events.ts';
import { presentEvent } from '../../presenters/events.ts';
import { listDeliveriesOf } from '../../services/deliveries.ts';
import { getEvent, listEvents } from '../../services/events.ts';
import { empty, field, paged } from '../components.ts';
import { formatTime } from '../format.ts';
import { html } from '../html.ts';
import { BASE, fieldsOf, page, parseForm } from '../kit.ts';
import { render } from '../layout.ts';
import { deliveryRows } from './deliveries.ts';

const PAGE_SIZE = 25;

export const eventPages = [
  page({
    method: 'get', path: '/events', role: 'viewer',
    handle: async (req) => {
      const given = fieldsOf(req.query, ['type', 'starting_after']);
      const query = parseForm(EventListQuery, { ...given, limit: String(PAGE_SIZE) });
      const filters = html`<form class="filters" method="get" action="${BASE}/events">
  ${field({ label: 'Type', name: 'type', value: given.type, errors: query.ok ? undefined : query.errors, hint: 'An event type (order.paid) or a namespace (order.*).' })}
  <button type="submit">Filter</button> <a href="${BASE}/events">Clear</a>
</form>`;
      if (!query.ok) return render(req, '/events', 'Events', filters, { status: 400 });
      const rows = await listEvents(req.services, req.auth, { limit: PAGE_SIZE, startingAfter: query.value.starting_after, type: query.value.type });
      const { rows: kept, next } = paged(rows, PAGE_SIZE, `${BASE}/events`, req.query);
      const body = html`${filters}
${kept.length ? html`<table class="data" id="events">
  <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Created</th></tr></thead>
  <tbody>${kept.map((e) => html`<tr><td><a href="${BASE}/events/${e.id}">${e.id}</a></td><td>${e.type}</td><td>${formatTime(e.created_at)}</td></tr>`)}</tbody>
</table>` : empty('No events match.')}
${next}`;
      return render(req, '/events', 'Events', body);
    },
  }),
  page({
    method: 'get', path: '/events/:id', role: 'viewer',
    handle: async (req) => {
      const event = await getEvent(req.services, req.auth, req.params.id);
      const deliveries = await listDeliveriesOf(req.services, req.auth, { limit: 50, eventId: event.id });
      const body = html`<p><a href="${BASE}/events">← Events</a></p>
<dl class="props">
  <dt>ID</dt><dd><code>${event.id}</code></dd>
  <dt>Type</dt><dd>${event.type}</dd>
  <dt>Created</dt><dd>${formatTime(event.created_at)}</dd>
</dl>
<h2>Body</h2>
<pre class="payload">${JSON.stringify(presentEvent(event), null, 2)}</pre>
<h2>Deliveries</h2>
${deliveries.length ? deliveryRows(deliveries.slice(0, 50)) : empty('No deliveries: no endpoint of this mode subscribes to this type.')}`;
      return render(req, '/events', `Event ${event.id}`, body);
    },
  }),
];
