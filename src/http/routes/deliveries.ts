import { getDelivery, listDeliveriesOf, retryDelivery } from '../../services/deliveries.ts';
import { Delivery, DeliveryWithAttempts, presentAttempt, presentDelivery } from '../../presenters/deliveries.ts';
import { listOf, toPage } from '../schemas/common.ts';
import { DeliveryQuery } from '../schemas/deliveries.ts';
import { route } from '../route.ts';

const tag = 'deliveries';

export const deliveryRoutes = [
  route({
    method: 'get', path: '/v1/deliveries', summary: 'List deliveries, newest first', tag, access: { role: 'viewer' }, query: DeliveryQuery,
    response: { status: 200, schema: listOf(Delivery) },
    handle: async ({ query, auth, services }) => {
      const rows = await listDeliveriesOf(services, auth, {
        limit: query.limit, startingAfter: query.starting_after, endpointId: query.endpoint_id, eventId: query.event_id, status: query.status,
      });
      return { status: 200, body: toPage(rows, query.limit, presentDelivery) };
    },
  }),
  route({
    method: 'get', path: '/v1/deliveries/:id', summary: 'Retrieve a delivery with its attempts', tag, access: { role: 'viewer' },
    response: { status: 200, schema: DeliveryWithAttempts },
    handle: async ({ params, auth, services }) => {
      const { delivery, attempts } = await getDelivery(services, auth, params.id);
      return { status: 200, body: { ...presentDelivery(delivery), attempts: attempts.map(presentAttempt) } };
    },
  }),
  route({
    method: 'post', path: '/v1/deliveries/:id/retry', summary: 'Make a new attempt now (same webhook-id)', tag, access: { role: 'developer' },
    errors: [409, 503],
    response: { status: 202, schema: Delivery, description: 'The attempt is queued' },
    handle: async ({ params, auth, services }) => ({ status: 202, body: presentDelivery(await retryDelivery(services, auth, params.id)) }),
  }),
];
