// The dashboard's screens in a real browser, against a real Herald delivering to local receivers:
// tenant isolation, roles enforced by the handlers, the endpoint form's errors, the secret, a
// receiver's hostile response body, retry and replay, and the overview's totals.
import test from 'ava';
import { registerEndpoint, emit } from '../helpers/delivery.ts';
import { eventually, newPage, signIn, tenantWithMember, member, useBrowserStack } from './helpers.ts';

const stack = useBrowserStack(test);

test('another tenant\'s endpoint, delivery or event id is a 404 page, and so is a POST naming it', async (t) => {
  const s = stack();
  const mine = await tenantWithMember(s.api, 'owner');
  const theirs = await tenantWithMember(s.api, 'owner');
  const receiver = await s.newReceiver();
  const endpoint = await registerEndpoint(s.api, theirs.key, { url: receiver.url, event_types: ['*'] });
  const event = await emit(s.api, theirs.key, 'invoice.sent', { n: 1 });
  await receiver.waitFor(1);
  const delivery = (await s.api.request('GET', `/v1/deliveries?event_id=${event.id}`, { token: theirs.key })).body.data[0];
  const { context, page } = await newPage(s);
  await signIn(s, page, mine.user);
  for (const path of [`/endpoints/${endpoint.id}`, `/endpoints/${endpoint.id}/edit`, `/deliveries/${delivery.id}`, `/events/${event.id}`, '/endpoints/ep_nonexistent', '/deliveries/%00', '/events?type=%00']) {
    const res = await page.goto(`${s.base}${path}`);
    t.is(res!.status(), path.endsWith('=%00') ? 400 : 404, path);
    t.is(await page.locator('h1').innerText(), path.endsWith('=%00') ? 'Bad request' : 'Not found', path);
    t.false((await page.content()).includes(endpoint.url), 'nothing of theirs shows');
  }
  await page.goto(`${s.base}/endpoints`);
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  for (const path of [`/deliveries/${delivery.id}/retry`, `/endpoints/${endpoint.id}/test`, `/endpoints/${endpoint.id}/rotate`]) {
    const status = await page.evaluate(async ({ url, body }) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })).status,
      { url: `${s.base}${path}`, body: `_csrf=${encodeURIComponent(csrf)}&overlap_seconds=0` });
    t.is(status, 404, path);
  }
  t.is(receiver.received.length, 1, 'no test event or retry reached their receiver');
  await context.close();
});

test('a viewer sees the buttons but cannot create an endpoint, retry a delivery or reveal a secret: the handlers refuse', async (t) => {
  const s = stack();
  const { tenant, key, user } = await tenantWithMember(s.api, 'viewer');
  const receiver = await s.newReceiver();
  const endpoint = await registerEndpoint(s.api, key, { url: receiver.url, event_types: ['*'] });
  const event = await emit(s.api, key, 'invoice.sent');
  await receiver.waitFor(1);
  const delivery = (await s.api.request('GET', `/v1/deliveries?event_id=${event.id}`, { token: key })).body.data[0];
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/endpoints/new`);
  await page.getByLabel('URL').fill(`${receiver.url}/viewer`);
  const [created] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Create endpoint' }).click()]);
  t.is(created.status(), 403);
  await t.notThrowsAsync(page.getByText('this needs the developer role or higher; you are viewer').waitFor());
  await page.goto(`${s.base}/deliveries/${delivery.id}`);
  const [retried] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Retry now' }).click()]);
  t.is(retried.status(), 403);
  await page.goto(`${s.base}/endpoints/${endpoint.id}`);
  await page.getByLabel('Your password').fill(user.password);
  const [revealed] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Reveal secret' }).click()]);
  t.is(revealed.status(), 403);
  t.false((await page.content()).includes(endpoint.secret));
  t.is((await s.api.request('GET', '/v1/webhook-endpoints', { token: key })).body.data.length, 1);
  t.is(receiver.received.length, 1, 'no retry was sent');
  t.truthy(tenant);
  await context.close();
});

test('the endpoint form shows the API\'s errors beside the fields and keeps what was typed', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'developer');
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/endpoints/new`);
  await page.getByLabel('every event (*)').uncheck();
  await page.getByLabel('URL').fill('http://10.1.2.3/hook');
  await page.getByLabel('Other event types').fill('Not A Type');
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Create endpoint' }).click()]);
  t.is(response.status(), 422);
  t.regex(await page.locator('#f-event_types-error').innerText(), /expected an event type/);
  t.is(await page.getByLabel('URL').inputValue(), 'http://10.1.2.3/hook');
  await page.getByLabel('Other event types').fill('order.paid, invoice.sent');
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await t.notThrowsAsync(page.locator('#f-url-error').getByText(/non-public address|private/).waitFor());
  t.is(await page.locator('#f-url').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('URL').fill('not a url');
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await t.notThrowsAsync(page.locator('#f-url-error').waitFor());
  t.is((await s.api.request('GET', '/v1/webhook-endpoints', { token: key })).body.data.length, 0);
  await page.getByLabel('URL').fill('https://example.com/hooks/herald');
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await page.waitForURL(/\/endpoints\/ep_\w+\?done=created/);
  const [row] = (await s.api.request('GET', '/v1/webhook-endpoints', { token: key })).body.data;
  t.deepEqual(row.event_types, ['order.paid', 'invoice.sent']);
  // Edited (disabled, described), then deleted.
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Description').fill('billing <b>hooks</b>');
  await page.getByLabel('Enabled').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/done=saved/);
  const edited = (await s.api.request('GET', `/v1/webhook-endpoints/${row.id}`, { token: key })).body;
  t.like(edited, { description: 'billing <b>hooks</b>', enabled: false });
  t.regex(await page.locator('.props').innerText(), /billing <b>hooks<\/b>/, 'shown as text');
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Delete endpoint' }).click();
  await page.waitForURL(/\/endpoints\?done=deleted/);
  t.is((await s.api.request('GET', '/v1/webhook-endpoints', { token: key })).body.data.length, 0);
  await context.close();
});

test('the secret is masked until the password is entered again; rotating with no overlap replaces it at once; both are audited', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'admin');
  const receiver = await s.newReceiver();
  const endpoint = await registerEndpoint(s.api, key, { url: receiver.url, event_types: ['*'] });
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/endpoints/${endpoint.id}`);
  t.is(await page.locator('#secret-masked').innerText(), 'whsec_••••••••••••••••');
  t.false((await page.content()).includes(endpoint.secret));
  await page.getByLabel('Your password').fill('not my password');
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  await t.notThrowsAsync(page.locator('#f-password-error').getByText('that is not your password').waitFor());
  await page.getByLabel('Your password').fill(user.password);
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  t.is(await page.locator('#secret-value').innerText(), endpoint.secret);
  await page.getByLabel('Previous secrets keep signing for').selectOption('0');
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await page.waitForURL(/done=rotated/);
  const after = (await s.api.request('GET', `/v1/webhook-endpoints/${endpoint.id}/secret`, { token: key })).body.secret;
  t.not(after, endpoint.secret);
  await page.getByLabel('Your password').fill(user.password);
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  t.is(await page.locator('#secret-value').innerText(), after);
  await page.goto(`${s.base}/audit-log`);
  const audit = await page.locator('#audit').innerText();
  t.regex(audit, /endpoint\.secret_rotated/);
  t.regex(audit, /endpoint\.secret_revealed/);
  t.regex(audit, new RegExp(`user\\s+${user.id}`));
  await context.close();
});

test('a failing receiver\'s response body is shown as text: its <script> does not run; retry then delivers it', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'developer');
  const receiver = await s.newReceiver();
  const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b id="injected">bold</b>';
  receiver.script(...Array.from({ length: 4 }, () => ({ status: 500, body: hostile, headers: { 'x-evil': '<i>header</i>' } })));
  const endpoint = await registerEndpoint(s.api, key, { url: receiver.url, event_types: ['*'] });
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/endpoints/${endpoint.id}`);
  await page.getByRole('button', { name: 'Send webhook.test' }).click();
  await page.waitForURL(/\/deliveries\/dlv_\w+\?done=test/);
  const deliveryId = new URL(page.url()).pathname.split('/').pop()!;
  await receiver.waitFor(4);
  await eventually('the delivery to fail', async () => (await s.api.request('GET', `/v1/deliveries/${deliveryId}`, { token: key })).body.status === 'failed');
  await page.goto(`${s.base}/deliveries/${deliveryId}`);
  t.is(await page.locator('.response-body').first().innerText(), hostile, 'the body, as text');
  t.is(await page.locator('#injected').count(), 0);
  t.is(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  t.regex(await page.locator('#delivery-status').innerText(), /failed/);
  await page.getByRole('button', { name: 'Retry now' }).click();
  await page.waitForURL(/done=retried/);
  await receiver.waitFor(5);
  await eventually('the retry to deliver', async () => (await s.api.request('GET', `/v1/deliveries/${deliveryId}`, { token: key })).body.status === 'delivered');
  await page.goto(`${s.base}/deliveries/${deliveryId}`);
  t.regex(await page.locator('#delivery-status').innerText(), /delivered/);
  t.is(await page.locator('.attempt').count(), 5);
  t.is(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id across attempts');
  await context.close();
});

test('replay counts the events first, then re-delivers them with their webhook-ids', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'developer');
  const receiver = await s.newReceiver();
  const endpoint = await registerEndpoint(s.api, key, { url: receiver.url, event_types: ['invoice.*'] });
  const events = [];
  for (let i = 0; i < 3; i++) events.push(await emit(s.api, key, 'invoice.sent', { n: i }));
  await emit(s.api, key, 'shipment.noted', {});
  await receiver.waitFor(3);
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/endpoints/${endpoint.id}`);
  await page.getByRole('button', { name: 'Count events to replay' }).click();
  t.regex(await page.locator('#replay-count').innerText(), /^3 events since .* would be delivered again/);
  t.is(receiver.received.length, 3, 'a count sends nothing');
  await page.getByRole('button', { name: 'Replay 3 events' }).click();
  await page.waitForURL(/done=replayed&count=3/);
  await t.notThrowsAsync(page.getByText('Replay queued: 3 events will be delivered again.').waitFor());
  await receiver.waitFor(6);
  const ids = receiver.received.map((r) => r.headers['webhook-id']);
  t.deepEqual([...ids.slice(3)].sort(), events.map((e) => e.id).sort());
  await context.close();
});

test('the overview\'s totals equal, by status, the deliveries the test created', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'viewer');
  const ok = await s.newReceiver();
  const bad = await s.newReceiver();
  bad.script(...Array.from({ length: 8 }, () => ({ status: 503, body: 'down' })));
  let release!: () => void;
  const held = await s.newReceiver();
  held.script({ hold: new Promise<void>((r) => (release = r)) });
  await registerEndpoint(s.api, key, { url: ok.url, event_types: ['invoice.*'] });
  await registerEndpoint(s.api, key, { url: bad.url, event_types: ['invoice.failed'] });
  await registerEndpoint(s.api, key, { url: held.url, event_types: ['invoice.held'] });
  for (let i = 0; i < 3; i++) await emit(s.api, key, 'invoice.sent', { i });
  for (let i = 0; i < 2; i++) await emit(s.api, key, 'invoice.failed', { i });
  await emit(s.api, key, 'invoice.held', {});
  await held.waitFor(1);
  const count = async (status: string) => (await s.api.request('GET', `/v1/deliveries?status=${status}&limit=100`, { token: key })).body.data.length;
  await eventually('the failing deliveries to end', async () => (await count('failed')) === 2);
  await eventually('the rest to be delivered', async () => (await count('delivered')) === 6);
  const expected: Record<string, number> = {};
  for (const status of ['pending', 'retrying', 'delivered', 'failed', 'cancelled']) expected[status] = await count(status);
  t.deepEqual(expected, { pending: 1, retrying: 0, delivered: 6, failed: 2, cancelled: 0 });
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  for (const range of ['1h', '24h', '7d', '30d']) {
    await page.goto(`${s.base}?range=${range}`);
    const shown: Record<string, number> = {};
    for (const status of Object.keys(expected)) shown[status] = Number(await page.locator(`#totals td[data-status="${status}"]`).innerText());
    t.deepEqual(shown, expected, range);
    t.is(Number(await page.locator('#totals td[data-status="total"]').innerText()), 9, range);
    t.is(await page.locator('#backlog').innerText(), '1', `${range}: the held delivery is the backlog`);
  }
  t.is(await page.locator('#first-attempt-success').innerText(), '75.0 %', '6 of the 8 first attempts made succeeded (the held one is not recorded yet)');
  t.is(await page.locator('#eventual-success').innerText(), '75.0 %', '6 delivered of 8 ended');
  release();
  await context.close();
});

test('Settings shows the Tenant ID and Org ID with copy buttons; an admin creates a key shown once, and revokes it', async (t) => {
  const s = stack();
  const { tenant, user } = await tenantWithMember(s.api, 'admin');
  const { context, page } = await newPage(s);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(s, page, user);
  await page.getByRole('link', { name: 'Settings' }).click();
  t.is(await page.locator('#tenant-id').inputValue(), tenant.id);
  t.is(await page.locator('#org-id').inputValue(), tenant.orgId);
  await page.getByRole('button', { name: 'Copy Tenant ID' }).click();
  await t.notThrowsAsync(page.getByRole('button', { name: 'Copy Tenant ID' }).getByText('Copied').waitFor());
  t.is(await page.evaluate(() => navigator.clipboard.readText()), tenant.id);
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Name').fill('ci deploys');
  await page.getByLabel('Role (secret keys)').selectOption('developer');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.locator('#new-key').inputValue();
  t.regex(key, /^hk_live_/);
  t.is((await s.api.request('GET', '/v1/webhook-endpoints', { token: key })).status, 200);
  await page.goto(`${s.base}/api-keys`);
  t.false((await page.content()).includes(key), 'shown once only');
  await page.locator('#keys tr', { hasText: 'ci deploys' }).getByRole('button', { name: /^Revoke/ }).click();
  await page.waitForURL(/done=revoked/);
  t.is((await s.api.request('GET', '/v1/webhook-endpoints', { token: key })).status, 401);
  // A developer is refused the keys page by its handler.
  const dev = await member(s.api, tenant, 'developer');
  const other = await newPage(s);
  await signIn(s, other.page, dev);
  t.is((await other.page.goto(`${s.base}/api-keys`))!.status(), 403);
  t.is((await other.page.goto(`${s.base}/audit-log`))!.status(), 403);
  await other.context.close();
  await context.close();
});

test('an owner adds a member, changes its role and removes it; an admin may only look', async (t) => {
  const s = stack();
  const { tenant, user } = await tenantWithMember(s.api, 'owner');
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/members`);
  await page.getByLabel('Email').fill('newcomer@example.com');
  await page.getByLabel('Role', { exact: true }).selectOption('developer');
  await page.getByLabel('Password (only to create a new user)').fill('a newcomer password');
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.waitForURL(/done=member-added/);
  const row = page.locator('#members tr', { hasText: 'newcomer@example.com' });
  t.is(await row.locator('select').inputValue(), 'developer');
  await row.locator('select').selectOption('admin');
  await row.getByRole('button', { name: 'Change' }).click();
  await page.waitForURL(/done=member-saved/);
  t.is(await page.locator('#members tr', { hasText: 'newcomer@example.com' }).locator('select').inputValue(), 'admin');
  const admin = await newPage(s);
  await signIn(s, admin.page, { email: 'newcomer@example.com', password: 'a newcomer password' });
  await admin.page.goto(`${s.base}/members`);
  const [refused] = await Promise.all([admin.page.waitForResponse((r) => r.request().method() === 'POST'),
    admin.page.locator('#members tr', { hasText: user.email }).getByRole('button', { name: /^Remove/ }).click()]);
  t.is(refused.status(), 403);
  await page.locator('#members tr', { hasText: 'newcomer@example.com' }).getByRole('button', { name: /^Remove/ }).click();
  await page.waitForURL(/done=member-removed/);
  t.false((await page.locator('#members').innerText()).includes('newcomer@example.com'));
  await admin.page.goto(`${s.base}/members`);
  t.is(new URL(admin.page.url()).pathname, '/dashboard/login', 'the removed member\'s session ended');
  t.truthy(tenant);
  await admin.context.close();
  await context.close();
});

test('deliveries keep their filters in the URL', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'viewer');
  const receiver = await s.newReceiver();
  const endpoint = await registerEndpoint(s.api, key, { url: receiver.url, event_types: ['*'] });
  await emit(s.api, key, 'invoice.sent');
  await receiver.waitFor(1);
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/deliveries`);
  await page.getByLabel('Status').selectOption('delivered');
  await page.waitForURL(/status=delivered/);
  await page.getByLabel('Endpoint ID').fill(endpoint.id);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(new RegExp(`endpoint_id=${endpoint.id}`));
  t.regex(page.url(), /status=delivered/);
  t.is(await page.locator('table.deliveries tbody tr').count(), 1);
  await page.goto(`${s.base}/deliveries?status=failed&endpoint_id=${endpoint.id}`);
  t.is(await page.getByLabel('Status').inputValue(), 'failed');
  t.is(await page.locator('table.deliveries').count(), 0);
  t.is((await page.goto(`${s.base}/deliveries?status=exploded`))!.status(), 400);
  await context.close();
});
