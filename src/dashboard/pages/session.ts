// Signing in and out, switching tenant, organization and mode (each issues a new session id),
// and the account page (password change).
import { HttpError } from '../../errors.ts';
import { ModeForm, SignInForm, SwitchForm } from '../../http/schemas/dashboard.ts';
import { PasswordChange } from '../../http/schemas/tenants.ts';
import { clientAddressKey } from '../../net/host.ts';
import { changeSessionPassword, sessionOf, signIn, signOut, SIGN_IN_FAILED, switchSession } from '../../services/sessions.ts';
import { field, formError } from '../components.ts';
import { html } from '../html.ts';
import {
  BASE, checkSameOrigin, checkSignInCsrf, fieldsOf, page, parseForm, serviceFieldErrors, sessionToken, setSessionCookie, signInCsrf,
  type FieldErrors, type PublicPage,
} from '../kit.ts';
import { bareLayout, csrfField, render } from '../layout.ts';

function signInForm(csrf: string, email: string, error?: string) {
  return bareLayout('Sign in', html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form class="card" method="post" action="${BASE}/login">
  <input type="hidden" name="_csrf" value="${csrf}">
  ${field({ label: 'Email', name: 'email', type: 'email', value: email, required: true, attrs: html` autocomplete="username"` })}
  ${field({ label: 'Password', name: 'password', type: 'password', required: true, attrs: html` autocomplete="current-password"` })}
  <button type="submit">Sign in</button>
</form>`);
}

export const signInPages: PublicPage[] = [
  {
    method: 'get', path: '/login',
    handle: async ({ services, ctx }) => {
      if (await sessionOf(services, sessionToken(ctx))) return { redirect: BASE };
      return { body: signInForm(signInCsrf(ctx, services), '') };
    },
  },
  {
    method: 'post', path: '/login',
    handle: async ({ services, ctx, form }) => {
      checkSameOrigin(ctx);
      checkSignInCsrf(ctx, services, form);
      const input = SignInForm.safeParse(fieldsOf(form, ['email', 'password']));
      const email = form.get('email')?.slice(0, 320) ?? '';
      const failed = (status: number, message: string, headers?: Record<string, string>) =>
        ({ status, headers, body: signInForm(signInCsrf(ctx, services), email, message) });
      if (!input.success) return failed(401, `Sign-in failed: ${SIGN_IN_FAILED}.`);
      try {
        const { token } = await signIn(services, { ...input.data, address: clientAddressKey(ctx.ip), previousToken: sessionToken(ctx) });
        setSessionCookie(ctx, token);
        return { redirect: BASE };
      } catch (err) {
        if (err instanceof HttpError && err.status === 401) return failed(401, `Sign-in failed: ${SIGN_IN_FAILED}.`);
        if (err instanceof HttpError && err.status === 429) {
          return failed(429, `Too many sign-in attempts: try again in ${err.headers['retry-after']} s.`, { 'retry-after': err.headers['retry-after'] });
        }
        throw err;
      }
    },
  },
];

/** Need a session, not a tenant: signing out and switching. */
export const sessionPages = [
  page({
    method: 'post', path: '/logout', role: 'viewer',
    handle: async ({ services, ctx }) => {
      const token = sessionToken(ctx);
      if (token) await signOut(services, token);
      setSessionCookie(ctx, null);
      return { redirect: `${BASE}/login` };
    },
  }),
  page({
    method: 'post', path: '/switch', role: 'viewer',
    handle: async ({ services, ctx, form, session }) => {
      const input = parseForm(SwitchForm, fieldsOf(form, ['to']));
      if (!input.ok) throw new HttpError(400, 'Bad Request', input.errors.to ?? 'choose an organization');
      const [tenantId, orgId] = input.value.to.split(':');
      const { token } = await switchSession(services, session, { tenantId, orgId, mode: 'live' });
      setSessionCookie(ctx, token);
      return { redirect: `${BASE}?done=switched` };
    },
  }),
  page({
    method: 'post', path: '/mode', role: 'viewer',
    handle: async ({ services, ctx, form, session }) => {
      const input = parseForm(ModeForm, fieldsOf(form, ['mode']));
      if (!input.ok || !session.tenant_id || !session.org_id) throw new HttpError(400, 'Bad Request', 'choose live or test');
      const { token } = await switchSession(services, session, { tenantId: session.tenant_id, orgId: session.org_id, mode: input.value.mode });
      setSessionCookie(ctx, token);
      return { redirect: `${BASE}?done=switched` };
    },
  }),
];

function accountBody(csrf: string, errors?: FieldErrors) {
  return html`<section class="card">
  <h2>Change your password</h2>
  <p>Every other session and API token of yours ends; this one goes on.</p>
  <form method="post" action="${BASE}/account/password">
    ${csrfField(csrf)}
    ${formError(errors)}
    ${field({ label: 'Current password', name: 'current_password', type: 'password', errors, required: true, attrs: html` autocomplete="current-password"` })}
    ${field({ label: 'New password', name: 'new_password', type: 'password', errors, required: true, hint: 'At least 12 characters.', attrs: html` autocomplete="new-password"` })}
    <button type="submit">Change password</button>
  </form>
</section>`;
}

export const accountPages = [
  page({
    method: 'get', path: '/account', role: 'viewer',
    handle: async (req) => render(req, '/account', 'Account', html`<p>Signed in as <strong>${req.session.email}</strong>.</p>${accountBody(req.session.csrf_token)}`),
  }),
  page({
    method: 'post', path: '/account/password', role: 'viewer',
    handle: async (req) => {
      const input = parseForm(PasswordChange, fieldsOf(req.form, ['current_password', 'new_password']));
      const again = (errors: FieldErrors) => render(req, '/account', 'Account', accountBody(req.session.csrf_token, errors), { status: 422 });
      if (!input.ok) return again(input.errors);
      try {
        const { token } = await changeSessionPassword(req.services, req.session, input.value, req.ctx.ip);
        setSessionCookie(req.ctx, token);
        return { redirect: `${BASE}/account?done=password` };
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (errors) return again(errors);
        throw err;
      }
    },
  }),
];
