// Fields every commerce presenter shares.
import { z } from 'zod';

export const Metadata = z.record(z.string(), z.string()).describe('Your own string key-value pairs');

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
