// Readiness: the database answers and every migration file is applied.
import type { ServiceContext } from '../context.ts';
import { migrationsCurrent } from '../db/migrate.ts';
import { serviceUnavailable } from '../errors.ts';

export async function readiness({ pool }: ServiceContext): Promise<void> {
  let current = false;
  try {
    current = await migrationsCurrent(pool);
  } catch {
    throw serviceUnavailable('database unreachable');
  }
  if (!current) throw serviceUnavailable('database migrations are not current: run `herald migrate`');
}
