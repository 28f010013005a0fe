// Token issuing: authenticated by a secret key in the Authorization header, or by a login body.
import { z } from 'zod';
import { tokenForKey, tokenForLogin } from '../../services/tokens.ts';
import { unauthorized } from '../../errors.ts';
import { authenticate } from '../auth.ts';
import { clientAddressKey } from '../host.ts';
import { RateLimiter } from '../rateLimit.ts';
import { Mode, Uuid } from '../schemas/common.ts';
import { checkTenantId, parseWith, route } from '../route.ts';

export const LoginRequest = z.strictObject({
  email: z.email().max(320), password: z.string().min(1).max(1024), tenant_id: Uuid, org_id: Uuid, mode: Mode.default('live'),
}).describe('A login; or send no body and a secret key as Authorization: Bearer');

export const Token = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() });

// Per client address, and per email for logins (slows password guessing across addresses).
const byAddress = new RateLimiter(60, 60_000);
const byEmail = new RateLimiter(10, 60_000);

export const authRoutes = [
  route({
    method: 'post', path: '/v1/auth/token', summary: 'Issue a JWT access token (15 min)', tag: 'auth', access: 'public', body: LoginRequest, ownBodyValidation: true,
    response: { status: 200, schema: Token }, errors: [401, 403, 429],
    handle: async ({ ctx, deps }) => {
      byAddress.hit(clientAddressKey(ctx.ip));
      const raw = ctx.request.body ?? {};
      if (ctx.get('authorization')) {
        const auth = await authenticate(ctx, deps);
        ctx.state.tenantId = auth.tenantId;
        parseWith(z.strictObject({}), checkTenantId(auth, raw, { ...ctx.query }));
        return { status: 200, body: tokenForKey(auth, deps.config.jwtSecret) };
      }
      if (typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0) {
        throw unauthorized('send a secret key as Authorization: Bearer, or email, password, tenant_id and org_id');
      }
      const login = parseWith(LoginRequest, raw);
      byEmail.hit(login.email.toLowerCase());
      return { status: 200, body: await tokenForLogin(deps.pool, login, deps.config.jwtSecret) };
    },
  }),
];
