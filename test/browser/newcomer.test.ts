// The newcomer's path (issue 14, "Done when"): an operator creates a tenant, an organization, a
// user and its membership with the `herald` CLI; the user signs in at /dashboard, registers an
// endpoint (a local receiver: HERALD_ALLOW_PRIVATE_NETWORKS lets loopback through), creates an API
// key, sends an event with it, sees the delivery arrive on the overview, and replays it.
// With HERALD_SCREENSHOTS=1 it also writes the screenshots of docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { Page } from 'playwright-core';
import { herald } from '../helpers/process.ts';
import { eventually, newPage, sessionCookie, useBrowserStack } from './helpers.ts';

const stack = useBrowserStack(test);
const SHOTS = process.env.HERALD_SCREENSHOTS ? join(import.meta.dirname, '../../docs/screenshots') : undefined;

async function shoot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** `herald <args>` against the test's database, as an operator would run it; its JSON answer. */
async function cli(dataDir: string, db: { url: string; runtimeUrl: string }, ...args: string[]) {
  const run = herald(args, { DATABASE_URL: db.url, HERALD_RUNTIME_DATABASE_URL: db.runtimeUrl, HERALD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const code = await run.exited;
  if (code !== 0) throw new Error(`herald ${args.join(' ')} exited ${code}: ${run.output()}`);
  return JSON.parse(run.output().slice(run.output().indexOf('{')));
}

test('a newcomer created with the CLI signs in, registers an endpoint, sees a delivery arrive on the overview and replays it', async (t) => {
  const s = stack();
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  try {
    const db = s.api.db;
    const tenant = await cli(dataDir, db, 'tenants:create', '--name', 'Acme Shop');
    const org = await cli(dataDir, db, 'organizations:create', tenant.id, '--name', 'Main');
    const user = await cli(dataDir, db, 'users:create', '--email', 'ada@example.com', '--password', 'correct horse battery staple');
    await cli(dataDir, db, 'memberships:add', tenant.id, '--user-id', user.id, '--org-id', org.id, '--role', 'owner');

    const receiver = await s.newReceiver();
    const { context, page } = await newPage(s);
    await page.goto(`${s.base}`);
    t.is(new URL(page.url()).pathname, '/dashboard/login');
    await shoot(page, 'sign-in');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(s.base);
    t.truthy(await sessionCookie(context));
    t.is(await page.locator('#totals td[data-status="total"]').innerText(), '0');

    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: 'New endpoint' }).click();
    await page.getByLabel('URL').fill(`${receiver.url}/webhooks`);
    await page.getByLabel('Description').fill('my local receiver');
    await shoot(page, 'endpoint-form');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.waitForURL(/\/endpoints\/ep_\w+\?done=created/);
    const endpointId = new URL(page.url()).pathname.split('/').pop()!;

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(`${s.base}/api-keys`);
    await page.getByLabel('Name').fill('my first key');
    await page.getByLabel('Role (secret keys)').selectOption('developer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.locator('#new-key').inputValue();
    await shoot(page, 'api-key-created');

    const event = await s.api.request('POST', '/v1/events', { token: key, body: { type: 'invoice.sent', data: { invoice: 'inv_1', amount: 4200 } } });
    t.is(event.status, 201);
    const [first] = await receiver.waitFor(1);
    t.is(first.headers['webhook-id'], event.body.id);

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.waitForURL(s.base);
    await eventually('the delivery on the overview', async () => {
      const res = await page.reload();
      if (res?.status() !== 200 || !(await page.locator('#totals').count())) throw new Error(`overview: ${page.url()} ${res?.status()} ${(await res?.text())?.slice(0, 3000)}`);
      return (await page.locator('#totals td[data-status="delivered"]').innerText()) === '1';
    });
    t.is(await page.locator('#totals td[data-status="total"]').innerText(), '1');
    await shoot(page, 'overview');

    await page.goto(`${s.base}/endpoints`);
    await shoot(page, 'endpoints');
    await page.goto(`${s.base}/endpoints/${endpointId}`);
    await page.getByRole('button', { name: 'Count events to replay' }).click();
    t.regex(await page.locator('#replay-count').innerText(), /^1 event since/);
    await shoot(page, 'endpoint-replay-count');
    await page.getByRole('button', { name: 'Replay 1 event' }).click();
    await page.waitForURL(/done=replayed&count=1/);
    const received = await receiver.waitFor(2);
    t.is(received[1].headers['webhook-id'], event.body.id, 'the replay carries the event\'s webhook-id');
    await shoot(page, 'endpoint');

    // The other screens, for docs/screenshots.
    await page.goto(`${s.base}/deliveries`);
    await shoot(page, 'deliveries');
    await page.locator('table.deliveries a[href^="/dashboard/deliveries/"]').first().click();
    await page.waitForURL(/\/deliveries\/dlv_/);
    await shoot(page, 'delivery');
    await page.goto(`${s.base}/events/${event.body.id}`);
    await shoot(page, 'event');
    await page.goto(`${s.base}/events`);
    await shoot(page, 'events');
    await page.goto(`${s.base}/members`);
    await shoot(page, 'members');
    await page.goto(`${s.base}/audit-log`);
    await shoot(page, 'audit-log');
    await page.goto(`${s.base}/settings`);
    await shoot(page, 'settings');
    await page.getByRole('button', { name: 'Switch to test mode' }).click();
    await page.waitForURL(/done=switched/);
    await shoot(page, 'test-mode');
    await context.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
