// The audit log (admins and owners) — who did what to keys, members, secrets, replays and
// settings, in this organization and mode — and Settings → Tenant information.
import { presentTenantInfo } from '../../presenters/tenants.ts';
import { listAudit } from '../../services/audit.ts';
import { tenantOf } from '../../services/tenants.ts';
import { copyable, empty, paged } from '../components.ts';
import { formatTime } from '../format.ts';
import { html } from '../html.ts';
import { BASE, page } from '../kit.ts';
import { render } from '../layout.ts';

const PAGE_SIZE = 50;

export const auditPages = [
  page({
    method: 'get', path: '/audit-log', role: 'admin',
    handle: async (req) => {
      const after = req.query.get('starting_after') ?? undefined;
      const rows = await listAudit(req.services, req.auth, { limit: PAGE_SIZE, startingAfter: after });
      const { rows: kept, next } = paged(rows, PAGE_SIZE, `${BASE}/audit-log`, req.query);
      const body = html`<p>Actions in this organization in ${req.auth.mode} mode, newest first.</p>
${kept.length ? html`<table class="data" id="audit">
  <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Who</th><th scope="col">Target</th><th scope="col">Details</th><th scope="col">From</th></tr></thead>
  <tbody>${kept.map((e) => html`<tr><td>${formatTime(e.created_at)}</td><td><code>${e.action}</code></td><td>${e.actor_type}${e.actor_id ? html` <code>${e.actor_id}</code>` : ''}</td>
    <td>${e.target_type}${e.target_id ? html` <code>${e.target_id}</code>` : ''}</td><td><code class="json">${Object.keys(e.data).length ? JSON.stringify(e.data) : ''}</code></td><td>${e.ip ?? '—'}</td></tr>`)}</tbody>
</table>` : empty('Nothing recorded yet.')}
${next}`;
      return render(req, '/audit-log', 'Audit log', body);
    },
  }),
  page({
    method: 'get', path: '/settings', role: 'viewer',
    handle: async (req) => {
      const info = presentTenantInfo(await tenantOf(req.services, req.auth));
      const body = html`<section class="card" aria-labelledby="tenant-info-title">
  <h2 id="tenant-info-title">Tenant information</h2>
  <p>Integrations (such as a webhook consumer's setup) ask for these ids.</p>
  ${copyable('Tenant ID', 'tenant-id', info.id)}
  ${copyable('Org ID', 'org-id', info.organization.id)}
  <dl class="props">
    <dt>Tenant</dt><dd>${info.name} (<code>${info.slug}</code>)</dd>
    <dt>Organization</dt><dd>${info.organization.name}</dd>
    <dt>Status</dt><dd>${info.status}</dd>
    <dt>Mode</dt><dd>${info.mode}</dd>
    <dt>Your role</dt><dd>${info.role ?? '—'}</dd>
    <dt>Created</dt><dd>${formatTime(new Date(info.created_at))}</dd>
  </dl>
</section>`;
      return render(req, '/settings', 'Settings', body);
    },
  }),
];
