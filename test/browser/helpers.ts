// The browser tests' arrangement: a real Herald (API with the dashboard, dispatcher and deliver
// worker) on loopback over a fresh database, Debian's Chromium driven by playwright-core (never a
// downloaded browser), and users signed in through the dashboard's own form.
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestFn } from 'ava';
import { startDeliveryStack, type DeliveryStack } from '../helpers/delivery.ts';
import { createTenant, type TestTenant } from '../helpers/factories.ts';
import { receiverPool } from '../helpers/receiver.ts';
import type { TestApi } from '../helpers/api.ts';

export const PASSWORD = 'correct horse battery staple';

/** Chromium as root needs --no-sandbox; the rest keep it off this machine's closed network. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface BrowserStack {
  stack: DeliveryStack;
  api: TestApi;
  browser: Browser;
  /** The dashboard's base URL. */
  base: string;
  newReceiver: ReturnType<typeof receiverPool>['start'];
}

/** One Herald with its workers and one Chromium for a test file, closed after it. */
export function useBrowserStack(test: TestFn): () => BrowserStack {
  const receivers = receiverPool();
  let value: BrowserStack | undefined;
  test.before(async () => {
    const stack = await startDeliveryStack();
    const browser = await launchChromium();
    value = { stack, api: stack.api, browser, base: `${stack.api.url}/dashboard`, newReceiver: receivers.start };
  });
  test.after.always(async () => {
    await value?.browser.close();
    await receivers.closeAll();
    await value?.stack.close();
  });
  return () => value!;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/** A user (through the operator API) with a membership of the tenant's organization. */
export async function member(api: TestApi, tenant: TestTenant, role: 'viewer' | 'developer' | 'admin' | 'owner', orgId = tenant.orgId): Promise<TestUser> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const user = await api.admin('POST', '/admin/v1/users', { email, password: PASSWORD });
  if (user.status !== 201) throw new Error(`create user: ${user.status} ${JSON.stringify(user.body)}`);
  const m = await api.admin('POST', `/admin/v1/tenants/${tenant.id}/memberships`, { user_id: user.body.id, org_id: orgId, role });
  if (m.status !== 201 && m.status !== 200) throw new Error(`add membership: ${m.status} ${JSON.stringify(m.body)}`);
  return { id: user.body.id, email, password: PASSWORD };
}

/** A tenant with an owner's key (for arranging through the API) and a member of the given role. */
export async function tenantWithMember(api: TestApi, role: 'viewer' | 'developer' | 'admin' | 'owner' = 'owner') {
  const tenant = await createTenant(api);
  const { key } = await tenant.key({ role: 'owner' });
  const user = await member(api, tenant, role);
  return { tenant, key, user };
}

/** A new browser context (its own cookies) and page; `javaScript: false` turns scripts off. */
export async function newPage(s: BrowserStack, options: { javaScript?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await s.browser.newContext({ javaScriptEnabled: options.javaScript ?? true, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

/** Signs in through the form; lands on the overview. */
export async function signIn(s: BrowserStack, page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto(`${s.base}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${s.base}`);
}

/** The session cookie of a context. */
export async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((c) => c.name === 'herald_session' || c.name === '__Host-herald_session');
}

/** Waits until `check` holds (polling), or fails with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
