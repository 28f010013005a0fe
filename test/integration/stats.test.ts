import test from 'ava';
import { deliveriesOf, emit, registerEndpoint, useDeliveryStack, waitForDelivery } from '../helpers/delivery.ts';
import { tenantWithKey } from '../helpers/factories.ts';


const { stack, newReceiver } = useDeliveryStack(test);

/** Postgres's percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  return Math.round(sorted[low] + (sorted[Math.ceil(rank)] - sorted[low]) * (rank - low));
}

test('retrieving an endpoint shows its success rate and p50/p95 attempt latency over the last hour and day', async (t) => {
  const { api } = stack();
  const { key } = await tenantWithKey(api);
  const [r, neighbour] = await Promise.all([newReceiver(), newReceiver()]);
  const endpoint = await registerEndpoint(api, key, { url: r.url, event_types: ['*'] });
  await registerEndpoint(api, key, { url: neighbour.url, event_types: ['*'] });
  neighbour.script({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });

  // Five attempts to the endpoint: 200 (slow), 500 then 200, 200, 404 then 200.
  r.script({ delayMs: 150 }, { status: 500 }, {}, {}, { status: 404 }, {});
  const attempts: any[] = [];
  for (const type of ['meter.read', 'meter.read', 'meter.reset', 'meter.read']) {
    const event = await emit(api, key, type);
    const delivery = (await deliveriesOf(api, key, event.id, 2)).find((d) => d.endpoint_id === endpoint.id);
    attempts.push(...(await waitForDelivery(api, key, delivery.id, (d) => d.status === 'delivered')).attempts);
  }
  t.deepEqual(attempts.map((a) => a.status_code), [200, 500, 200, 200, 404, 200]);

  // One attempt made two hours ago counts for the day only; one from two days ago for neither.
  const { owner } = api.db;
  await owner.query(`update delivery_attempts set started_at = now() - interval '2 hours' where id = $1`, [attempts[4].id]);
  await owner.query(`update delivery_attempts set started_at = now() - interval '2 days' where id = $1`, [attempts[5].id]);
  const lastHour = attempts.slice(0, 4).map((a) => a.duration_ms);
  const lastDay = attempts.slice(0, 5).map((a) => a.duration_ms);

  const res = await api.request('GET', `/v1/webhook-endpoints/${endpoint.id}`, { token: key });
  t.is(res.status, 200);
  t.deepEqual(res.body.delivery_stats, {
    last_hour: { attempts: 4, succeeded: 3, success_rate: 0.75, latency_p50_ms: percentile(lastHour, 0.5), latency_p95_ms: percentile(lastHour, 0.95) },
    last_day: { attempts: 5, succeeded: 3, success_rate: 0.6, latency_p50_ms: percentile(lastDay, 0.5), latency_p95_ms: percentile(lastDay, 0.95) },
  });
  t.true(res.body.delivery_stats.last_hour.latency_p95_ms > res.body.delivery_stats.last_hour.latency_p50_ms, 'the slow attempt pulls p95 up');
});

test('the statistics read one endpoint\'s day of attempts through its index, not the table', async (t) => {
  const { api } = stack();
  const { tenant } = await tenantWithKey(api);
  // 40 endpoints with 100 attempts each over two days, and planner statistics that know it.
  await api.db.owner.query(`
    insert into webhook_endpoints (tenant_id, id, mode, url, event_types)
      select $1, 'ep_bulk' || e, 'live', 'https://example.com/' || e, '{*}' from generate_series(1, 40) e;
    insert into events (tenant_id, id, mode, type, data)
      select $1, 'evt_bulk' || g, 'live', 'bulk.item', '{}' from generate_series(1, 4000) g;
    insert into deliveries (tenant_id, id, mode, endpoint_id, event_id, event_type, status)
      select $1, 'dlv_bulk' || g, 'live', 'ep_bulk' || (g % 40 + 1), 'evt_bulk' || g, 'bulk.item', 'delivered' from generate_series(1, 4000) g;
    insert into delivery_attempts (tenant_id, id, mode, delivery_id, endpoint_id, number, started_at, duration_ms, status_code)
      select $1, 'att_bulk' || g, 'live', 'dlv_bulk' || g, 'ep_bulk' || (g % 40 + 1), 1, now() - make_interval(mins => g), 10, 200
        from generate_series(1, 4000) g;
    analyze webhook_endpoints, deliveries, delivery_attempts;`.replaceAll('$1', `'${tenant.id}'`));
  const client = await api.db.app.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('app.tenant_id', $1, true), set_config('app.mode', 'live', true)`, [tenant.id]);
    const { rows } = await client.query(
      `explain select count(*), percentile_cont(0.95) within group (order by duration_ms) from delivery_attempts
        where endpoint_id = 'ep_bulk7' and started_at >= now() - interval '1 day'`);
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    t.regex(plan, /Index (Only )?Scan using delivery_attempts_by_endpoint/, plan);
    t.notRegex(plan, /Seq Scan/, plan);
  } finally {
    await client.query('rollback');
    client.release();
  }
});
