// Each test file gets its own database, cloned from the migrated template that test/run.ts made.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createAppPool, createOwnerPool, type Pool } from '../../src/db/pool.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is unset: run tests with \`npm test\` (or \`node test/run.ts <file>\`)`);
  return value;
}

/** The owner's URL of `database`, or with `runtime` the runtime login's (herald_app). */
export function urlFor(database: string, runtime = false): string {
  const url = new URL(env(runtime ? 'HERALD_TEST_RUNTIME_SERVER_URL' : 'HERALD_TEST_SERVER_URL'));
  url.pathname = `/${database}`;
  return url.toString();
}

/** The runtime login's URL of the database whose owner URL this is. */
export function runtimeUrlOf(ownerUrl: string): string {
  return urlFor(new URL(ownerUrl).pathname.slice(1), true);
}

/** A new database with every migration applied; returns its owner URL. */
export async function freshDatabase(): Promise<string> {
  const name = `herald_t_${env('HERALD_TEST_RUN')}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: env('HERALD_TEST_SERVER_URL') });
  await admin.connect();
  try {
    // Cloning needs the template to itself; concurrent clones by other files retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${env('HERALD_TEST_TEMPLATE')}`);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  return urlFor(name);
}

export interface TestDatabase {
  /** The owner's login. */
  url: string;
  /** The runtime login (herald_app). */
  runtimeUrl: string;
  /** As herald_app: row-level security applies. */
  app: Pool;
  /** As the owner: for arranging and inspecting state below the application. */
  owner: Pool;
  close(): Promise<void>;
}

export async function testDatabase(): Promise<TestDatabase> {
  const url = await freshDatabase();
  const runtimeUrl = runtimeUrlOf(url);
  const app = createAppPool(runtimeUrl, 10);
  const owner = createOwnerPool(url, 4);
  return { url, runtimeUrl, app, owner, close: async () => { await app.end(); await owner.end(); } };
}
