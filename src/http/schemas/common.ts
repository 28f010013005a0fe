// Schemas shared by every resource: list paging, ids, modes, roles.
import { z } from 'zod';
import { MODES, ROLES } from '../../scope.ts';

export const Mode = z.enum(MODES);
export const Role = z.enum(ROLES);
/** Any case in, lowercase out: UUIDs are stored and compared in lowercase (DESIGN §1). */
export const Uuid = z.uuid().overwrite((id) => id.toLowerCase());
export const Timestamp = z.iso.datetime({ offset: true });

export const ListQuery = z.strictObject({
  // Plain decimal digits only (no 1e1, 0x10, ' 5'), then range-checked.
  limit: z.string().regex(/^\d{1,3}$/, 'a whole number from 1 to 100').default('20').transform(Number).pipe(z.number().int().min(1).max(100)),
  starting_after: z.string().max(64).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() });
}

export interface ListPage<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Rows were fetched with limit + 1; the extra row only says there is more. The cursor is the last row's id. */
export function toPage<R, T>(rows: R[], limit: number, present: (row: R) => T, cursorOf: (row: R) => string = (row) => (row as { id: string }).id): ListPage<T> {
  const has_more = rows.length > limit;
  const kept = rows.slice(0, limit);
  return { data: kept.map(present), has_more, next_cursor: has_more ? cursorOf(kept[kept.length - 1]) : null };
}

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
});
