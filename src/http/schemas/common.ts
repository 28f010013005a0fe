// Schemas shared by every resource: list paging, ids, modes, roles.
import { z } from 'zod';
import { MODES, ROLES } from '../../scope.ts';

export const Mode = z.enum(MODES);
export const Role = z.enum(ROLES);
/** Any case in, lowercase out: UUIDs are stored and compared in lowercase (DESIGN §1). */
export const Uuid = z.uuid().overwrite((id) => id.toLowerCase());
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * A whole number in a query string: plain decimal digits only (no 1e1, 0x10, ' 5'), then
 * range-checked. Documented as the integer it is parsed into.
 */
export const queryInteger = (min: number, max: number, message: string) =>
  z.string().regex(new RegExp(`^\\d{1,${String(max).length}}$`), message).transform(Number).pipe(z.number().int().min(min).max(max));

export const ListQuery = z.strictObject({
  limit: queryInteger(1, 100, 'a whole number from 1 to 100').default(20).describe('How many to answer, 1 to 100'),
  starting_after: z.string().max(64).optional().describe('The next_cursor of the previous page: answers the items after it'),
});
export type ListQuery = z.infer<typeof ListQuery>;

const lists = new WeakMap<z.ZodType, z.ZodType>();

/** A page of `item`s; named `<Item>List` in the OpenAPI document when the item is named. */
export function listOf<T extends z.ZodType>(item: T) {
  type Page = z.ZodObject<{ data: z.ZodArray<T>; has_more: z.ZodBoolean; next_cursor: z.ZodNullable<z.ZodString> }>;
  let list = lists.get(item) as Page | undefined;
  if (!list) {
    list = z.object({
      data: z.array(item), has_more: z.boolean().describe('Whether more items follow this page'),
      next_cursor: z.string().nullable().describe('The last item\'s id, for ?starting_after= (null on the last page)'),
    });
    const name = z.globalRegistry.get(item)?.id;
    if (name) list = list.meta({ id: `${name}List`, description: `A page of ${name} items, newest first` });
    lists.set(item, list);
  }
  return list;
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
}).meta({ id: 'Problem', description: 'An error (RFC 9457 problem details)',
  examples: [{ type: 'urn:herald:problem:validation-failed', title: 'Validation Failed', status: 400, detail: '/variants/0/price: Too small: expected number to be >=0', instance: '/v1/products', errors: [{ pointer: '/variants/0/price', detail: 'Too small: expected number to be >=0' }] }] });
