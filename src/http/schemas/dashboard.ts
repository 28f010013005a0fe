// Inputs of the dashboard's own forms and queries (src/dashboard/). Its resource forms use the
// API's schemas (endpoints, replays, keys, members), so a form accepts exactly what the API does.
import { z } from 'zod';
import { Mode } from './common.ts';

/** Any email and password up to their lengths: a malformed one gets the same answer as a wrong one. */
export const SignInForm = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });

/** The switcher's choice: `<tenant id>:<organization id>`. */
export const SwitchForm = z.object({
  to: z.string().regex(/^[0-9a-fA-F-]{36}:[0-9a-fA-F-]{36}$/, 'expected a tenant and organization'),
});

export const ModeForm = z.object({ mode: Mode });

/** Re-entering the password before a secret is shown. */
export const PasswordForm = z.object({ password: z.string().min(1).max(1024) });

export const OverviewQuery = z.object({ range: z.enum(['1h', '24h', '7d', '30d']).default('24h') });
