// The event catalog (DESIGN §4): every built-in event type with the JSON Schema of its data.
import { z } from 'zod';
import { EVENT_TYPES, EventTypeEntry, presentEventType } from '../../presenters/eventTypes.ts';
import { route } from '../route.ts';

const Catalog = z.object({ data: z.array(EventTypeEntry) }).meta({ id: 'EventTypeCatalog' });
const catalog = { data: EVENT_TYPES.map(presentEventType) };

export const eventTypeRoutes = [
  route({
    method: 'get', path: '/v1/event-types', summary: 'List the built-in event types, each with the JSON Schema of its data', tag: 'event-types',
    access: { role: 'viewer' }, response: { status: 200, schema: Catalog },
    handle: async () => ({ status: 200, body: catalog }),
  }),
];
