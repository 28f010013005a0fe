// The page shell: head (styles and scripts from this origin only), the test-mode banner, the
// tenant and organization switcher, the Live/Test toggle, navigation and sign-out. Every form in
// it carries the session's CSRF token. Scripts only enhance: every link and form works without.
import type { UserMembership } from '../db/crossTenant.ts';
import { membershipsOf, type Session } from '../services/sessions.ts';
import { html, type Html } from './html.ts';
import { BASE, type PageReply, type PageRequest } from './kit.ts';

// htmx: boosted links and forms; every answer is swapped in (an error page too); no eval.
const HTMX_CONFIG = JSON.stringify({
  allowEval: false, allowScriptTags: false, includeIndicatorStyles: false, historyCacheSize: 0, refreshOnHistoryMiss: true,
  responseHandling: [{ code: '204', swap: false }, { code: '...', swap: true }],
});

const NAV = [
  ['Overview', ''], ['Endpoints', '/endpoints'], ['Deliveries', '/deliveries'], ['Events', '/events'], ['API keys', '/api-keys'],
  ['Members', '/members'], ['Audit log', '/audit-log'], ['Settings', '/settings'], ['Account', '/account'],
] as const;

function head(title: string): Html {
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${title} · Herald</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${BASE}/assets/dashboard.css">
<script src="${BASE}/assets/htmx.min.js" defer></script>
<script src="${BASE}/assets/dashboard.js" defer></script>
</head>`;
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export interface Shell {
  session: Session;
  memberships: UserMembership[];
  /** The path under /dashboard of the current section ('' for the overview), for the navigation. */
  section: string;
}

function switcher({ session, memberships }: Shell): Html {
  if (!memberships.length) return html``;
  return html`<form class="switcher" method="post" action="${BASE}/switch">
  ${csrfField(session.csrf_token)}
  <label for="switch-to">Organization</label>
  <select id="switch-to" name="to">
    ${memberships.map((m) => {
      const value = `${m.tenant_id}:${m.org_id}`;
      const current = m.tenant_id === session.tenant_id && m.org_id === session.org_id;
      return html`<option value="${value}"${current ? html` selected` : ''}>${m.tenant_name} / ${m.org_name} (${m.role})</option>`;
    })}
  </select>
  <button type="submit">Switch</button>
</form>`;
}

function modeToggle({ session }: Shell): Html {
  if (!session.tenant_id) return html``;
  const other = session.mode === 'live' ? 'test' : 'live';
  return html`<form class="mode" method="post" action="${BASE}/mode">
  ${csrfField(session.csrf_token)}
  <input type="hidden" name="mode" value="${other}">
  <span class="mode-now mode-${session.mode}">${session.mode === 'live' ? 'Live' : 'Test'}</span>
  <button type="submit">Switch to ${other} mode</button>
</form>`;
}

export function layout(shell: Shell, title: string, body: Html, notice?: string): Html {
  const { session, section } = shell;
  return html`<!doctype html>
<html lang="en">
${head(title)}
<body hx-boost="true">
<a class="skip" href="#main">Skip to content</a>
${session.mode === 'test' && session.tenant_id
    ? html`<div class="test-banner" role="status">Test mode: you are seeing and changing test data only. Live data and endpoints are untouched.</div>`
    : ''}
<header class="top">
  <a class="brand" href="${BASE}">Herald</a>
  ${switcher(shell)}
  ${modeToggle(shell)}
  <span class="who">${session.email}${session.role ? html` · ${session.role}` : ''}</span>
  <form method="post" action="${BASE}/logout">${csrfField(session.csrf_token)}<button type="submit">Sign out</button></form>
</header>
<nav class="side" aria-label="Dashboard">
  <ul>
    ${NAV.map(([label, path]) => html`<li><a href="${BASE}${path}"${path === section ? html` aria-current="page"` : ''}>${label}</a></li>`)}
  </ul>
</nav>
<main id="main">
  <h1>${title}</h1>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${body}
</main>
</body>
</html>`;
}

/** A page outside the shell (sign-in, errors before a session exists). */
export function bareLayout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
${head(title)}
<body class="bare">
<main id="main">
  <p class="brand">Herald</p>
  <h1>${title}</h1>
  ${body}
</main>
</body>
</html>`;
}

/** What a redirect after a POST may announce: `?done=<code>` (never text from the query itself). */
const NOTICES: Record<string, string> = {
  created: 'Created.', saved: 'Saved.', deleted: 'Deleted.', test: 'Test event sent: its delivery is below.', retried: 'Retry queued.',
  rotated: 'Secret rotated.', replayed: 'Replay queued.', revoked: 'Key revoked.', 'member-added': 'Member added.', 'member-saved': 'Role changed.',
  'member-removed': 'Member removed.', password: 'Password changed: every other session and token of yours has ended.', switched: 'Switched.',
};

function noticeOf(query: URLSearchParams): string | undefined {
  const done = query.get('done');
  if (!done || !Object.hasOwn(NOTICES, done)) return undefined;
  const count = query.get('count');
  return done === 'replayed' && count && /^\d{1,6}$/.test(count) ? `Replay queued: ${count} event${count === '1' ? '' : 's'} will be delivered again.` : NOTICES[done];
}

/** A page of the shell for this request: `section` marks the navigation ('' for the overview). */
export async function render(req: PageRequest, section: string, title: string, body: Html, options: { status?: number; notice?: string } = {}): Promise<PageReply> {
  const memberships = await membershipsOf(req.services, req.session);
  return { status: options.status, body: layout({ session: req.session, memberships, section }, title, body, options.notice ?? noticeOf(req.query)) };
}
