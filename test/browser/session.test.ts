// Signing in and out of the dashboard in a real browser: the redirect to the sign-in page, the one
// generic failure, the cookie's flags and a new session id at every sign-in and switch, CSRF and
// same-origin refusals, and a session ended by removing its membership or changing the password.
import test from 'ava';
import { createTenant } from '../helpers/factories.ts';
import { member, newPage, PASSWORD, sessionCookie, signIn, tenantWithMember, useBrowserStack } from './helpers.ts';

const stack = useBrowserStack(test);

test('a visitor without a session is sent to the sign-in page, and a wrong password gets the same generic error as an unknown email', async (t) => {
  const s = stack();
  const { user } = await tenantWithMember(s.api, 'viewer');
  const { context, page } = await newPage(s);
  const first = await page.goto(`${s.base}/endpoints`);
  t.is(new URL(page.url()).pathname, '/dashboard/login');
  t.is((await first!.request().redirectedFrom()!.response())!.status(), 303);
  const failures: string[] = [];
  for (const [email, password] of [[user.email, 'not the password at all'], ['nobody-here@example.com', PASSWORD]]) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
    t.is(response.status(), 401);
    failures.push(await page.getByRole('alert').innerText());
  }
  t.is(failures[0], 'Sign-in failed: invalid email or password.');
  t.is(failures[1], failures[0], 'an unknown email reads exactly as a wrong password');
  t.is(await sessionCookie(context), undefined);
  await context.close();
});

test('signing in sets an HttpOnly, SameSite=Lax session cookie with a new id every time; signing out ends the session', async (t) => {
  const s = stack();
  const { user } = await tenantWithMember(s.api, 'viewer');
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  const first = (await sessionCookie(context))!;
  t.is(first.name, 'herald_session', 'plain http: no __Host- prefix (tested over https in test/integration/dashboard.test.ts)');
  t.true(first.httpOnly);
  t.is(first.sameSite, 'Lax');
  t.is(first.path, '/');
  t.false(first.secure);
  t.is(await page.evaluate(() => document.cookie), '', 'scripts cannot read it');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${s.base}/login`);
  await page.goto(`${s.base}/settings`);
  t.is(new URL(page.url()).pathname, '/dashboard/login', 'signed out: the session is over');
  // A cookie planted before sign-in (session fixation) is never adopted: sign-in issues its own id.
  await context.addCookies([{ ...first, value: 'planted-by-someone-else-aaaaaaaaaaaaaaaaaaaa' }]);
  await signIn(s, page, user);
  const second = (await sessionCookie(context))!;
  t.not(second.value, first.value);
  t.not(second.value, 'planted-by-someone-else-aaaaaaaaaaaaaaaaaaaa');
  const stale = await s.browser.newContext();
  await stale.addCookies([first]);
  const stalePage = await stale.newPage();
  await stalePage.goto(`${s.base}/settings`);
  t.is(new URL(stalePage.url()).pathname, '/dashboard/login', 'the first session stays over');
  await stale.close();
  await context.close();
});

test('a POST without _csrf, with a wrong one, or from another origin is refused, and nothing changes', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'developer');
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  const post = (body: string, headers: Record<string, string> = {}) => page.evaluate(async ({ url, body, headers }) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    return { status: res.status, text: await res.text() };
  }, { url: `${s.base}/endpoints`, body, headers });
  const form = 'url=https%3A%2F%2Fexample.com%2Fhook&event_types=*';
  const missing = await post(form);
  t.is(missing.status, 403);
  t.regex(missing.text, /missing or wrong _csrf/);
  const wrong = await post(`${form}&_csrf=not-the-token`);
  t.is(wrong.status, 403);
  // The right token from another origin: the browser's own Origin/Sec-Fetch-Site give it away.
  await page.goto(`${s.base}/endpoints/new`);
  const token = await page.locator('input[name="_csrf"]').first().inputValue();
  const other = await s.browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto('about:blank');
  const crossSite = await s.api.request('POST', '/dashboard/endpoints', {
    raw: `${form}&_csrf=${encodeURIComponent(token)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `herald_session=${(await sessionCookie(context))!.value}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  });
  t.is(crossSite.status, 403);
  t.regex(String(crossSite.body), /cross-site form submission refused/);
  await other.close();
  const endpoints = await s.api.request('GET', '/v1/webhook-endpoints', { token: key });
  t.is(endpoints.body.data.length, 0, 'no refused POST created anything');
  await context.close();
});

test('switching organization or mode issues a new session id; test mode shows a banner; a tenant the user is not a member of is refused', async (t) => {
  const s = stack();
  const { tenant, user } = await tenantWithMember(s.api, 'admin');
  const second = await createTenant(s.api, 'Second Shop');
  await member(s.api, second, 'owner');
  t.is((await s.api.admin('POST', `/admin/v1/tenants/${second.id}/memberships`, { user_id: user.id, org_id: second.orgId, role: 'viewer' })).status, 201);
  const stranger = await createTenant(s.api, 'Not Yours');
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  const live = (await sessionCookie(context))!.value;
  t.is(await page.locator('.test-banner').count(), 0);
  await page.getByRole('button', { name: 'Switch to test mode' }).click();
  await page.waitForURL(/done=switched/);
  await t.notThrowsAsync(page.locator('.test-banner').waitFor());
  t.regex(await page.locator('.test-banner').innerText(), /Test mode/);
  const test = (await sessionCookie(context))!.value;
  t.not(test, live, 'a new id for the new mode');
  await page.getByLabel('Organization').selectOption(`${second.id}:${second.orgId}`);
  await page.getByRole('button', { name: 'Switch', exact: true }).click();
  await page.locator('.test-banner').waitFor({ state: 'detached' });
  t.not((await sessionCookie(context))!.value, test, 'a new id for the new organization');
  await page.goto(`${s.base}/settings`);
  t.is(await page.locator('#tenant-id').inputValue(), second.id);
  t.is(await page.locator('#org-id').inputValue(), second.orgId);
  t.is(await page.locator('.test-banner').count(), 0, 'a switch of organization starts in live mode');
  // A hand-made switch to a tenant the user does not belong to.
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  const refused = await page.evaluate(async ({ url, body }) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })).status,
    { url: `${s.base}/switch`, body: `_csrf=${encodeURIComponent(csrf)}&to=${stranger.id}:${stranger.orgId}` });
  t.is(refused, 404);
  t.truthy(tenant);
  await context.close();
});

test('removing a membership ends a live session at its next request; so does a password change made elsewhere', async (t) => {
  const s = stack();
  const { tenant, key, user } = await tenantWithMember(s.api, 'developer');
  const { context, page } = await newPage(s);
  await signIn(s, page, user);
  await page.goto(`${s.base}/endpoints`);
  t.is(new URL(page.url()).pathname, '/dashboard/endpoints');
  const removed = await s.api.request('DELETE', `/v1/members/${user.id}`, { token: key });
  t.is(removed.status, 204);
  await page.goto(`${s.base}/endpoints`);
  t.is(new URL(page.url()).pathname, '/dashboard/login', 'the session went with its membership');
  // Added again: a new membership, and the old session stays dead; a new sign-in works.
  await s.api.admin('POST', `/admin/v1/tenants/${tenant.id}/memberships`, { user_id: user.id, org_id: tenant.orgId, role: 'developer' });
  await signIn(s, page, user);
  // The password changed through the API (a token of the user): every session ends.
  const token = await s.api.request('POST', '/v1/auth/token', { body: { email: user.email, password: user.password, tenant_id: tenant.id, org_id: tenant.orgId } });
  const changed = await s.api.request('POST', '/v1/me/password', { token: token.body.access_token, body: { current_password: user.password, new_password: 'another long password' } });
  t.is(changed.status, 204);
  await page.goto(`${s.base}/deliveries`);
  t.is(new URL(page.url()).pathname, '/dashboard/login');
  await context.close();
});

test('a password change made in the dashboard keeps that session (under a new id) and ends the others', async (t) => {
  const s = stack();
  const { user } = await tenantWithMember(s.api, 'viewer');
  const a = await newPage(s);
  const b = await newPage(s);
  await signIn(s, a.page, user);
  await signIn(s, b.page, user);
  const before = (await sessionCookie(a.context))!.value;
  await a.page.goto(`${s.base}/account`);
  await a.page.getByLabel('Current password').fill('wrong wrong wrong');
  await a.page.getByLabel('New password').fill('a brand new password');
  await a.page.getByRole('button', { name: 'Change password' }).click();
  await t.notThrowsAsync(a.page.locator('#f-current_password-error').getByText('does not match').waitFor());
  await a.page.getByLabel('Current password').fill(user.password);
  await a.page.getByLabel('New password').fill('a brand new password');
  await a.page.getByRole('button', { name: 'Change password' }).click();
  await a.page.waitForURL(/done=password/);
  t.not((await sessionCookie(a.context))!.value, before);
  await a.page.goto(`${s.base}/settings`);
  t.is(new URL(a.page.url()).pathname, '/dashboard/settings', 'this session goes on');
  await b.page.goto(`${s.base}/settings`);
  t.is(new URL(b.page.url()).pathname, '/dashboard/login', 'the other one ended');
  await a.context.close();
  await b.context.close();
});
