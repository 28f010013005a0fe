// Fields every commerce presenter shares.
import { z } from 'zod';

export const Metadata = z.record(z.string(), z.string()).describe('Your own string key-value pairs');

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A timestamp read as a Date, or as JSON text from inside an aggregate: one ISO 8601 form (milliseconds, Z). */
export const isoOf = (d: Date | string): string => (typeof d === 'string' ? new Date(d) : d).toISOString();
