// API keys of the organization and mode (admins and owners): create — the key is shown once, on
// the page that answers the form, never again — and revoke.
import { NewApiKey } from '../../http/schemas/tenants.ts';
import { createKeyAs, listKeys, revokeKey } from '../../services/apiKeys.ts';
import type { ApiKeyRow } from '../../db/apiKeys.ts';
import { ROLES } from '../../scope.ts';
import { badge, copyable, empty, field, formError, paged, select } from '../components.ts';
import { formatTime } from '../format.ts';
import { html, type Html } from '../html.ts';
import { BASE, fieldsOf, page, parseForm, serviceFieldErrors, type FieldErrors, type PageRequest } from '../kit.ts';
import { csrfField, render } from '../layout.ts';

const PAGE_SIZE = 25;

async function keysPage(req: PageRequest, extras: { created?: { row: ApiKeyRow; key: string }; errors?: FieldErrors; status?: number } = {}) {
  const after = req.query.get('starting_after') ?? undefined;
  const rows = await listKeys(req.services, req.auth, { limit: PAGE_SIZE, startingAfter: after });
  const { rows: kept, next } = paged(rows, PAGE_SIZE, `${BASE}/api-keys`, req.query);
  const csrf = req.session.csrf_token;
  const created: Html = extras.created
    ? html`<section class="card created" role="status">
  <h2>Key ${extras.created.row.id} created</h2>
  <p><strong>Copy it now: it is shown this once.</strong> Herald keeps only its hash.</p>
  ${copyable('New API key', 'new-key', extras.created.key)}
</section>`
    : html``;
  const body = html`${created}
<p>Keys of this organization in ${req.auth.mode} mode.</p>
${kept.length ? html`<table class="data" id="keys">
  <thead><tr><th scope="col">Key</th><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Role</th><th scope="col">Prefix</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
  <tbody>${kept.map((k) => html`<tr>
    <td><code>${k.id}</code></td><td>${k.name ?? '—'}</td><td>${k.kind}</td><td>${k.role ?? '—'}</td><td><code>${k.prefix}…</code></td>
    <td>${formatTime(k.last_used_at)}</td><td>${k.revoked_at ? badge('revoked') : badge('active')}</td>
    <td>${k.revoked_at ? '' : html`<form method="post" action="${BASE}/api-keys/${k.id}/revoke">${csrfField(csrf)}<button type="submit" aria-label="Revoke ${k.id}">Revoke</button></form>`}</td></tr>`)}</tbody>
</table>` : empty('No keys yet.')}
${next}
<section class="card">
  <h2>Create a key</h2>
  <form method="post" action="${BASE}/api-keys">
    ${csrfField(csrf)}
    ${formError(extras.errors)}
    ${field({ label: 'Name', name: 'name', errors: extras.errors })}
    ${select({ label: 'Kind', name: 'kind', options: [['secret', 'secret (hk_…)'], ['publishable', 'publishable (pk_…: catalog reads only)']], value: 'secret', errors: extras.errors })}
    ${select({ label: 'Role (secret keys)', name: 'role', options: ROLES.map((r) => [r, r] as const), value: 'viewer', errors: extras.errors, hint: 'At most your own role.' })}
    <button type="submit">Create key</button>
  </form>
</section>`;
  return render(req, '/api-keys', 'API keys', body, { status: extras.status });
}

export const keyPages = [
  page({ method: 'get', path: '/api-keys', role: 'admin', handle: (req) => keysPage(req) }),
  page({
    method: 'post', path: '/api-keys', role: 'admin',
    handle: async (req) => {
      const given = fieldsOf(req.form, ['name', 'kind', 'role']);
      const input = parseForm(NewApiKey, { ...given, mode: req.auth.mode, ...(given.kind === 'publishable' ? { role: undefined } : {}) });
      if (!input.ok) return keysPage(req, { errors: input.errors, status: 422 });
      try {
        return await keysPage(req, { created: await createKeyAs(req.services, req.auth, input.value), status: 201 });
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (errors) return keysPage(req, { errors, status: 422 });
        throw err;
      }
    },
  }),
  page({
    method: 'post', path: '/api-keys/:id/revoke', role: 'admin',
    handle: async (req) => {
      await revokeKey(req.services, req.auth, req.params.id);
      return { redirect: `${BASE}/api-keys?done=revoked` };
    },
  }),
];
