import { Event, presentEvent } from '../../presenters/events.ts';
import { createCustomEvent, getEvent, listEvents } from '../../services/events.ts';
import { eventsRetainedSince, RETAINED_SINCE_HEADER } from '../../services/retention.ts';
import { listOf, toPage } from '../schemas/common.ts';
import { EventListQuery, NewEvent } from '../schemas/events.ts';
import { route } from '../route.ts';

const tag = 'events';

export const eventRoutes = [
  route({
    method: 'get', path: '/v1/events', summary: 'List events, newest first (kept for HERALD_EVENT_RETENTION, 30 days by default)', tag, access: { role: 'viewer' }, query: EventListQuery,
    response: { status: 200, schema: listOf(Event) },
    handle: async ({ query, auth, services }) => {
      const rows = await listEvents(services, auth, {
        limit: query.limit, startingAfter: query.starting_after, type: query.type,
        createdGte: query.created_gte ? new Date(query.created_gte) : undefined, createdLt: query.created_lt ? new Date(query.created_lt) : undefined,
      });
      return { status: 200, body: toPage(rows, query.limit, presentEvent), headers: { [RETAINED_SINCE_HEADER]: eventsRetainedSince(services).toISOString() } };
    },
  }),
  route({
    method: 'get', path: '/v1/events/:id', summary: 'Retrieve an event (the body its webhooks carry)', tag, access: { role: 'viewer' },
    response: { status: 200, schema: Event },
    handle: async ({ params, auth, services }) => ({ status: 200, body: presentEvent(await getEvent(services, auth, params.id)) }),
  }),
  route({
    method: 'post', path: '/v1/events', summary: 'Record a custom event (delivered like any other)', tag, access: { role: 'developer' }, body: NewEvent,
    response: { status: 201, schema: Event }, errors: [422],
    handle: async ({ body, auth, services }) => ({ status: 201, body: presentEvent(await createCustomEvent(services, auth, body)) }),
  }),
];
