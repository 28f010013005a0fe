// Members of the organization: owners add, change and remove them (never above their own role;
// the organization keeps an owner); admins may look.
import { MemberPatch, NewMember } from '../../http/schemas/tenants.ts';
import { addMember, changeMemberRole, listMembersOf, removeMember } from '../../services/members.ts';
import { ROLES } from '../../scope.ts';
import { empty, field, formError, paged, select } from '../components.ts';
import { formatTime } from '../format.ts';
import { html } from '../html.ts';
import { BASE, fieldsOf, page, parseForm, serviceFieldErrors, type FieldErrors, type PageRequest } from '../kit.ts';
import { csrfField, render } from '../layout.ts';

const PAGE_SIZE = 50;
const roleOptions = ROLES.map((r) => [r, r] as const);

async function membersPage(req: PageRequest, extras: { errors?: FieldErrors; status?: number } = {}) {
  const after = req.query.get('starting_after') ?? undefined;
  const rows = await listMembersOf(req.services, req.auth, { limit: PAGE_SIZE, startingAfter: after });
  const { rows: kept, next } = paged(rows, PAGE_SIZE, `${BASE}/members`, req.query, (m) => m.user_id);
  const csrf = req.session.csrf_token;
  const body = html`<p>Members of this organization. Owners manage them; a role above your own cannot be given or changed.</p>
${kept.length ? html`<table class="data" id="members">
  <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
  <tbody>${kept.map((m) => html`<tr>
    <td>${m.email}</td>
    <td><form class="inline" method="post" action="${BASE}/members/${m.user_id}">${csrfField(csrf)}
      <label class="visually-hidden" for="role-${m.user_id}">Role of ${m.email}</label>
      <select id="role-${m.user_id}" name="role">${roleOptions.map(([v, l]) => html`<option value="${v}"${v === m.role ? html` selected` : ''}>${l}</option>`)}</select>
      <button type="submit">Change</button></form></td>
    <td>${formatTime(m.created_at)}</td>
    <td><form method="post" action="${BASE}/members/${m.user_id}/remove">${csrfField(csrf)}<button type="submit" aria-label="Remove ${m.email}">Remove</button></form></td></tr>`)}</tbody>
</table>` : empty('No members.')}
${next}
<section class="card">
  <h2>Add a member</h2>
  <form method="post" action="${BASE}/members">
    ${csrfField(csrf)}
    ${formError(extras.errors)}
    ${field({ label: 'Email', name: 'email', type: 'email', errors: extras.errors, required: true })}
    ${select({ label: 'Role', name: 'role', options: roleOptions, value: 'viewer', errors: extras.errors })}
    ${field({ label: 'Password (only to create a new user)', name: 'password', type: 'password', errors: extras.errors, hint: 'Leave empty to add an existing user. At least 12 characters.', attrs: html` autocomplete="new-password"` })}
    <button type="submit">Add member</button>
  </form>
</section>`;
  return render(req, '/members', 'Members', body, { status: extras.status });
}

export const memberPages = [
  page({ method: 'get', path: '/members', role: 'admin', handle: (req) => membersPage(req) }),
  page({
    method: 'post', path: '/members', role: 'owner',
    handle: async (req) => {
      const input = parseForm(NewMember, fieldsOf(req.form, ['email', 'role', 'password']));
      if (!input.ok) return membersPage(req, { errors: input.errors, status: 422 });
      try {
        await addMember(req.services, req.auth, input.value);
        return { redirect: `${BASE}/members?done=member-added` };
      } catch (err) {
        const errors = serviceFieldErrors(err);
        if (errors) return membersPage(req, { errors, status: 422 });
        throw err;
      }
    },
  }),
  page({
    method: 'post', path: '/members/:user_id', role: 'owner',
    handle: async (req) => {
      const input = parseForm(MemberPatch, fieldsOf(req.form, ['role']));
      if (!input.ok) return membersPage(req, { errors: input.errors, status: 422 });
      await changeMemberRole(req.services, req.auth, req.params.user_id, input.value.role);
      return { redirect: `${BASE}/members?done=member-saved` };
    },
  }),
  page({
    method: 'post', path: '/members/:user_id/remove', role: 'owner',
    handle: async (req) => {
      await removeMember(req.services, req.auth, req.params.user_id);
      return { redirect: `${BASE}/members?done=member-removed` };
    },
  }),
];
