// Token issuing: authenticated by a secret key in the Authorization header, or by a login body.
import { z } from 'zod';
import { unauthorized } from '../../errors.ts';
import { clientAddressKey } from '../../net/host.ts';
import { Token } from '../../presenters/tenants.ts';
import { LIMITS, rateLimit } from '../../services/rateLimits.ts';
import { tokenForKey, tokenForLogin } from '../../services/tokens.ts';
import { authenticate } from '../auth.ts';
import { LoginRequest } from '../schemas/tenants.ts';
import { parseWith } from '../schemas/validate.ts';
import { checkScopeIds, route } from '../route.ts';

export const authRoutes = [
  route({
    method: 'post', path: '/v1/auth/token', summary: 'Issue a JWT access token (15 min)', tag: 'auth', access: 'public', body: LoginRequest, ownBodyValidation: true,
    response: { status: 200, schema: Token }, errors: [401, 403, 429],
    handle: async ({ http, services }) => {
      // Per client address, and per email for logins (slows password guessing across addresses).
      await rateLimit(services, LIMITS.token, clientAddressKey(http.ip));
      const raw = http.request.body ?? {};
      if (http.get('authorization')) {
        const auth = await authenticate(http, services);
        http.state.tenantId = auth.tenantId;
        parseWith(z.strictObject({}), checkScopeIds(auth, raw, { ...http.query }));
        return { status: 200, body: tokenForKey(services, auth) };
      }
      if (typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0) {
        throw unauthorized('send a secret key as Authorization: Bearer, or email, password, tenant_id and org_id');
      }
      const login = parseWith(LoginRequest, raw);
      await rateLimit(services, LIMITS.login, login.email.toLowerCase());
      return { status: 200, body: await tokenForLogin(services, login) };
    },
  }),
];
