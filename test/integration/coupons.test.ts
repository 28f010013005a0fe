import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.ts';
import { createCoupon, eventsOf, expectInvalid, unique } from '../helpers/commerce.ts';
import { tenantWithKey } from '../helpers/factories.ts';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('percent and amount coupons are created and recorded as coupon.created', async (t) => {
  const { key } = await tenantWithKey(api);
  const percent = await api.request('POST', '/v1/coupons', { token: key, body: { code: unique('TEN'), percent_off: 10, max_redemptions: 5 } });
  t.is(percent.status, 201);
  t.like(percent.body, { object: 'coupon', percent_off: 10, amount_off: null, currency: null, max_redemptions: 5, times_redeemed: 0 });
  const amount = await api.request('POST', '/v1/coupons', {
    token: key, body: { code: unique('FIVE'), amount_off: 500, currency: 'gbp', valid_from: '2030-01-01T00:00:00Z', valid_until: '2030-02-01T00:00:00+01:00' },
  });
  t.is(amount.status, 201);
  t.like(amount.body, { amount_off: 500, currency: 'GBP', valid_from: '2030-01-01T00:00:00.000Z', valid_until: '2030-01-31T23:00:00.000Z' });
  t.deepEqual((await eventsOf(api, key, 'coupon.created')).map((e) => e.data.id), [amount.body.id, percent.body.id]);
});

test('contradictory coupon bodies are 400s naming the field', async (t) => {
  const { key } = await tenantWithKey(api);
  const cases: [unknown, string][] = [
    [{ code: 'A' }, '/percent_off'],
    [{ code: 'A', percent_off: 10, amount_off: 100, currency: 'USD' }, '/percent_off'],
    [{ code: 'A', amount_off: 100 }, '/currency'],
    [{ code: 'A', percent_off: 10, currency: 'USD' }, '/currency'],
    [{ code: 'A', percent_off: 101 }, '/percent_off'],
    [{ code: 'A', percent_off: 10, valid_from: '2030-01-02T00:00:00Z', valid_until: '2030-01-01T00:00:00Z' }, '/valid_until'],
    [{ code: 'A', percent_off: 10, valid_until: 'tomorrow' }, '/valid_until'],
    [{ code: 'has space', percent_off: 10 }, '/code'],
  ];
  await expectInvalid(t, api, key, '/v1/coupons', cases);
});

test('codes are unique per tenant and mode, ignoring case', async (t) => {
  const { key } = await tenantWithKey(api);
  const coupon = await createCoupon(api, key);
  const again = await api.request('POST', '/v1/coupons', { token: key, body: { code: coupon.code.toLowerCase(), percent_off: 5 } });
  t.is(again.status, 409);
  await api.request('DELETE', `/v1/coupons/${coupon.id}`, { token: key });
  await t.notThrowsAsync(createCoupon(api, key, { code: coupon.code }));
});

test('PATCH changes the terms only, and keeps the window ordered', async (t) => {
  const { key } = await tenantWithKey(api);
  const coupon = await createCoupon(api, key, { valid_from: '2030-01-01T00:00:00Z' });
  const res = await api.request('PATCH', `/v1/coupons/${coupon.id}`, { token: key, body: { max_redemptions: 3, valid_from: null, metadata: { campaign: 'spring' } } });
  t.is(res.status, 200);
  t.like(res.body, { max_redemptions: 3, valid_from: null, metadata: { campaign: 'spring' } });
  t.like((await eventsOf(api, key, 'coupon.updated'))[0].previous_attributes, { max_redemptions: null, valid_from: '2030-01-01T00:00:00.000Z', metadata: {} });
  t.is((await api.request('PATCH', `/v1/coupons/${coupon.id}`, { token: key, body: { percent_off: 50 } })).status, 400);
  const backwards = await api.request('PATCH', `/v1/coupons/${coupon.id}`, { token: key, body: { valid_from: '2031-01-01T00:00:00Z', valid_until: '2030-06-01T00:00:00Z' } });
  t.is(backwards.status, 400);
  const crossing = await api.request('PATCH', `/v1/coupons/${coupon.id}`, { token: key, body: { valid_until: '2029-01-01T00:00:00Z' } });
  t.is(crossing.status, 200, 'valid_from was cleared above');
  const late = await api.request('PATCH', `/v1/coupons/${coupon.id}`, { token: key, body: { valid_from: '2029-06-01T00:00:00Z' } });
  t.is(late.status, 422);
  t.is(late.body.errors[0].pointer, '/valid_until');
});
