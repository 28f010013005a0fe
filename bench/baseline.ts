// The raw-SQL baseline: what POST /v1/orders writes, done directly through pg, one transaction per
// order under the same tenant setting and row-level security: the order, its two line items, the
// event and its outbox row. No HTTP, no auth, no validation, no reads: the floor for the API.
import { randomUUID } from 'node:crypto';
import type { Pool } from '../src/db/pool.ts';
import { newId } from '../src/ids.ts';

export interface BaselineOrder {
  tenantId: string;
  productId: string;
  variants: { id: string; sku: string; price: number }[];
}

export async function insertOrderDirectly(pool: Pool, o: BaselineOrder): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`begin; select set_config('app.tenant_id', '${o.tenantId}', true), set_config('app.mode', 'live', true)`);
    const orderId = newId('order');
    const total = o.variants.reduce((sum, v) => sum + v.price, 0);
    await client.query(
      `insert into orders (tenant_id, mode, id, currency, subtotal, discount, total) values ($1::uuid, 'live', $2, 'USD', $3, 0, $3)`,
      [o.tenantId, orderId, total],
    );
    await client.query(
      `insert into order_line_items (tenant_id, mode, order_id, id, position, variant_id, product_id, sku, name, unit_price, quantity, amount)
       select $1::uuid, 'live', $2, u.id, u.position, u.variant_id, $3, u.sku, 'Bench', u.price, 1, u.price
         from unnest($4::text[], $5::int[], $6::text[], $7::text[], $8::bigint[]) as u (id, position, variant_id, sku, price)`,
      [o.tenantId, orderId, o.productId, o.variants.map(() => newId('lineItem')), o.variants.map((_, i) => i),
        o.variants.map((v) => v.id), o.variants.map((v) => v.sku), o.variants.map((v) => v.price)],
    );
    const eventId = newId('event');
    await client.query(
      `insert into events (tenant_id, id, mode, type, data) values ($1::uuid, $2, 'live', 'order.created', $3::jsonb)`,
      [o.tenantId, eventId, JSON.stringify({ id: orderId, object: 'order', total, nonce: randomUUID() })],
    );
    await client.query(`insert into outbox (tenant_id, event_id, mode) values ($1::uuid, $2, 'live')`, [o.tenantId, eventId]);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
