// Validation with the schemas of this folder: zod issues become problem+json field errors,
// each with a JSON Pointer to the offending field.
import type { z } from 'zod';
import { validationFailed, type FieldError } from '../../errors.ts';

export function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.flatMap((issue) => {
    // Unknown fields are reported at their own pointer.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ pointer: prefix + pointer([...issue.path, k]), detail: 'unknown field' }));
    }
    return [{ pointer: prefix + pointer(issue.path), detail: issue.message }];
  });
}

/** The parsed input, or a 400 naming every invalid field. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const result = schema.safeParse(input);
  if (!result.success) throw validationFailed(fieldErrors(result.error, prefix));
  return result.data;
}
