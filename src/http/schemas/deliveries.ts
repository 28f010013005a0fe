import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../db/deliveries.ts';
import { ListQuery } from './common.ts';

export const DeliveryQuery = ListQuery.extend({
  endpoint_id: z.string().max(64).optional(),
  event_id: z.string().max(64).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
});
