import { z } from 'zod';
import { Delivery } from '../../presenters/deliveries.ts';
import { ListQuery } from './common.ts';

export const DeliveryQuery = ListQuery.extend({
  endpoint_id: z.string().max(64).optional(),
  event_id: z.string().max(64).optional(),
  status: Delivery.shape.status.optional(),
});
