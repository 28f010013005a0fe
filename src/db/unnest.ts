// Batches go to Postgres as one array per column, expanded with unnest.

/** One array per key, in the given order, for `unnest($1::t[], $2::t[], ...)`. */
export function columns<T>(rows: T[], keys: (keyof T)[]): unknown[][] {
  return keys.map((k) => rows.map((r) => r[k]));
}
