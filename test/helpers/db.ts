// Each test file gets its own database, cloned from the migrated template that test/run.ts made.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createAppPool, createOwnerPool, type Pool } from '../../src/db/pool.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is unset: run tests with \`npm test\` (or \`node test/run.ts <file>\`)`);
  return value;
}

export function urlFor(database: string): string {
  const url = new URL(env('HERALD_TEST_SERVER_URL'));
  url.pathname = `/${database}`;
  return url.toString();
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
  url: string;
  /** As herald_app: row-level security applies. */
  app: Pool;
  /** As the owner: for arranging and inspecting state below the application. */
  owner: Pool;
  close(): Promise<void>;
}

export async function testDatabase(): Promise<TestDatabase> {
  const url = await freshDatabase();
  const app = createAppPool(url, 10);
  const owner = createOwnerPool(url, 4);
  return { url, app, owner, close: async () => { await app.end(); await owner.end(); } };
}
