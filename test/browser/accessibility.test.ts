// Every screen passes an axe-core scan with no serious or critical violation, and the core flows
// work with JavaScript turned off (plain links and forms; htmx only enhances).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import test from 'ava';
import type { Page } from 'playwright-core';
import { emit, registerEndpoint } from '../helpers/delivery.ts';
import { eventually, newPage, sessionCookie, signIn, tenantWithMember, useBrowserStack } from './helpers.ts';

const stack = useBrowserStack(test);
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core run in the page (evaluated by the browser's devtools protocol, which the page's CSP does not govern). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe.run();
    return result.violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('no serious accessibility violation on any screen', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'owner');
  const receiver = await s.newReceiver();
  receiver.script({ status: 500, body: '<b>nope</b>' });
  const endpoint = await registerEndpoint(s.api, key, { url: receiver.url, event_types: ['*'] });
  const event = await emit(s.api, key, 'invoice.sent', { n: 1 });
  await receiver.waitFor(1);
  const delivery = (await s.api.request('GET', `/v1/deliveries?event_id=${event.id}`, { token: key })).body.data[0];
  const { context, page } = await newPage(s);
  await page.goto(`${s.base}/login`);
  const problems: Record<string, string[]> = { login: await seriousViolations(page) };
  await signIn(s, page, user);
  const screens = ['', '?range=30d', '/endpoints', '/endpoints/new', `/endpoints/${endpoint.id}`, `/endpoints/${endpoint.id}/edit`, '/deliveries',
    `/deliveries/${delivery.id}`, '/events', `/events/${event.id}`, '/api-keys', '/members', '/audit-log', '/settings', '/account', '/endpoints/ep_missing'];
  for (const path of screens) {
    await page.goto(`${s.base}${path}`);
    problems[path || '/'] = await seriousViolations(page);
  }
  // A form with errors, and test mode with its banner.
  await page.goto(`${s.base}/endpoints/new`);
  await page.getByLabel('URL').fill('http://10.0.0.1/');
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await page.locator('#f-url-error').waitFor();
  problems['form errors'] = await seriousViolations(page);
  await page.getByRole('button', { name: 'Switch to test mode' }).click();
  await page.waitForURL(/done=switched/);
  problems['test mode'] = await seriousViolations(page);
  t.deepEqual(Object.fromEntries(Object.entries(problems).filter(([, v]) => v.length)), {});
  await context.close();
});

test('with JavaScript off: sign in, create an endpoint, send a test event, retry it, replay, filter, switch mode, sign out', async (t) => {
  const s = stack();
  const { user, key } = await tenantWithMember(s.api, 'developer');
  const receiver = await s.newReceiver();
  const { context, page } = await newPage(s, { javaScript: false });
  await signIn(s, page, user);
  await page.goto(`${s.base}/endpoints/new`);
  await page.getByLabel('URL').fill(`${receiver.url}/nojs`);
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await page.waitForURL(/done=created/);
  const endpointId = new URL(page.url()).pathname.split('/').pop()!;
  await page.getByRole('button', { name: 'Send webhook.test' }).click();
  await page.waitForURL(/\/deliveries\/dlv_\w+\?done=test/);
  await receiver.waitFor(1);
  await page.getByRole('button', { name: 'Retry now' }).click();
  await page.waitForURL(/done=retried/);
  await receiver.waitFor(2);
  const event = await emit(s.api, key, 'invoice.sent', { n: 1 });
  await receiver.waitFor(3);
  await page.goto(`${s.base}/endpoints/${endpointId}`);
  await page.getByRole('button', { name: 'Count events to replay' }).click();
  await page.getByRole('button', { name: 'Replay 1 event' }).click();
  await page.waitForURL(/done=replayed/);
  const received = await receiver.waitFor(4);
  t.is(received[3].headers['webhook-id'], event.id);
  await page.goto(`${s.base}/deliveries`);
  await page.getByLabel('Status').selectOption('delivered');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=delivered/);
  await eventually('the deliveries listed', async () => (await page.reload(), (await page.locator('table.deliveries tbody tr').count()) >= 3));
  await page.getByRole('button', { name: 'Switch to test mode' }).click();
  await page.waitForURL(/done=switched/);
  t.is(await page.locator('.test-banner').count(), 1);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${s.base}/login`);
  t.is(await sessionCookie(context), undefined);
  await context.close();
});
