// Overview: the tenant's deliveries over the last hour, day, week or month (src/services/dashboard.ts).
import { OverviewQuery } from '../../http/schemas/dashboard.ts';
import { overview, RANGES, type Overview } from '../../services/dashboard.ts';
import { deliveriesChart, deliveriesTable, latencyChart, latencyTable } from '../charts.ts';
import { badge } from '../components.ts';
import { formatAge, formatCount, formatMs, formatRate, formatTime } from '../format.ts';
import { html } from '../html.ts';
import { BASE, fieldsOf, page, parseForm } from '../kit.ts';
import { render } from '../layout.ts';

const STATUSES = ['pending', 'retrying', 'delivered', 'failed', 'cancelled'] as const;

function body(o: Overview) {
  return html`<div id="overview" hx-get="${BASE}?range=${o.range}" hx-trigger="every 15s" hx-select="#overview" hx-swap="outerHTML">
<nav class="ranges" aria-label="Range">
  ${Object.entries(RANGES).map(([name, r]) => html`<a href="${BASE}?range=${name}"${name === o.range ? html` aria-current="page"` : ''}>${r.label}</a>`)}
</nav>
<p class="hint">Since ${formatTime(o.from)}; deliveries by creation time, attempts by start time. Updates every 15 s with JavaScript; reload otherwise.</p>
<section class="cards" aria-label="Summary">
  <div class="card stat"><h2>Deliveries</h2><p class="big">${formatCount(o.totals.total)}</p></div>
  <div class="card stat"><h2>First-attempt success</h2><p class="big" id="first-attempt-success">${formatRate(o.firstAttemptSuccess)}</p></div>
  <div class="card stat"><h2>Eventual success</h2><p class="big" id="eventual-success">${formatRate(o.eventualSuccess)}</p><p class="hint">of deliveries that ended</p></div>
  <div class="card stat"><h2>Attempt latency</h2><p>p50 <strong>${formatMs(o.latency.p50)}</strong> · p95 <strong>${formatMs(o.latency.p95)}</strong> · p99 <strong>${formatMs(o.latency.p99)}</strong></p><p class="hint">${formatCount(o.latency.attempts)} attempts</p></div>
  <div class="card stat"><h2>Backlog</h2><p class="big" id="backlog">${formatCount(o.backlog.count)}</p><p class="hint">oldest pending: ${formatAge(o.backlog.oldestAgeMs)}</p></div>
  <div class="card stat"><h2>Disabled endpoints</h2><p class="big">${formatCount(o.disabled.length)}</p></div>
</section>
<section aria-labelledby="totals-title">
  <h2 id="totals-title">Deliveries by status</h2>
  <table class="data" id="totals">
    <thead><tr><th scope="col">Status</th><th scope="col">Deliveries</th></tr></thead>
    <tbody>
      ${STATUSES.map((s) => html`<tr><th scope="row">${badge(s)}</th><td data-status="${s}">${formatCount(o.totals[s])}</td></tr>`)}
      <tr><th scope="row">total</th><td data-status="total">${formatCount(o.totals.total)}</td></tr>
    </tbody>
  </table>
  <p><a href="${BASE}/deliveries">All deliveries →</a></p>
</section>
<section class="chart-row" aria-labelledby="over-time-title">
  <h2 id="over-time-title">Deliveries over time</h2>
  <div class="chart-box">${deliveriesChart(o.buckets, o.bucketMs)}</div>
  <div class="table-box" tabindex="0" role="region" aria-label="Deliveries per period, as a table">${deliveriesTable(o.buckets, o.bucketMs)}</div>
</section>
<section class="chart-row" aria-labelledby="latency-title">
  <h2 id="latency-title">Attempt latency</h2>
  <div class="chart-box">${latencyChart(o.buckets, o.bucketMs)}</div>
  <div class="table-box" tabindex="0" role="region" aria-label="Attempt latency per period, as a table">${latencyTable(o.buckets, o.bucketMs)}</div>
</section>
<section aria-labelledby="disabled-title">
  <h2 id="disabled-title">Disabled endpoints</h2>
  ${o.disabled.length
    ? html`<table class="data"><thead><tr><th scope="col">Endpoint</th><th scope="col">URL</th><th scope="col">Reason</th><th scope="col">Since</th></tr></thead><tbody>
      ${o.disabled.map((e) => html`<tr><td><a href="${BASE}/endpoints/${e.id}">${e.id}</a></td><td class="url">${e.url}</td><td>${e.disabled_reason ?? 'disabled by a user'}</td><td>${formatTime(e.updated_at)}</td></tr>`)}
    </tbody></table>`
    : html`<p class="empty">None: every endpoint is enabled.</p>`}
</section>
</div>`;
}

export const overviewPages = [
  page({
    method: 'get', path: '/', role: 'viewer',
    handle: async (req) => {
      const query = parseForm(OverviewQuery, fieldsOf(req.query, ['range']));
      const range = query.ok ? query.value.range : '24h';
      return render(req, '', 'Overview', body(await overview(req.services, req.auth, range)));
    },
  }),
];
