// Charts drawn on the server as SVG (no script), each with a data table beside it that holds the
// same numbers: the table is what screen readers and the tests read. Colours come from classes in
// dashboard.css (the CSP allows no inline styles).
import type { Bucket } from '../services/dashboard.ts';
import { formatCount, formatMs } from './format.ts';
import { html, type Html } from './html.ts';

const W = 640;
const H = 220;
const PAD = { left: 48, right: 8, top: 10, bottom: 28 };

/** The bucket's start as a short label: time of day for buckets under a day, else the date (UTC). */
export function bucketLabel(at: Date, bucketMs: number): string {
  const iso = at.toISOString();
  return bucketMs >= 86_400_000 ? iso.slice(5, 10) : bucketMs >= 6 * 3_600_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** A round upper bound for an axis. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function axes(max: number, unit: string, buckets: Bucket[], bucketMs: number): Html {
  const plotH = H - PAD.top - PAD.bottom;
  const every = Math.ceil(buckets.length / 8);
  const step = (W - PAD.left - PAD.right) / buckets.length;
  return html`<g class="axis">
  ${[0, 0.5, 1].map((f) => {
    const y = PAD.top + plotH * (1 - f);
    return html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" class="grid"></line><text x="${PAD.left - 4}" y="${y + 4}" text-anchor="end">${formatCount(Math.round(max * f))}${unit}</text>`;
  })}
  ${buckets.map((b, i) => (i % every === 0
    ? html`<text x="${PAD.left + step * i + step / 2}" y="${H - 8}" text-anchor="middle">${bucketLabel(b.at, bucketMs)}</text>`
    : ''))}
</g>`;
}

/** Deliveries per bucket, stacked: delivered, failed, in progress. */
export function deliveriesChart(buckets: Bucket[], bucketMs: number): Html {
  const max = niceMax(Math.max(2, ...buckets.map((b) => b.delivered + b.failed + b.inProgress)));
  const plotH = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / buckets.length;
  const width = Math.max(1, step * 0.7);
  const bars = buckets.map((b, i) => {
    const x = PAD.left + step * i + (step - width) / 2;
    let y = PAD.top + plotH;
    return (['delivered', 'failed', 'inProgress'] as const).map((part) => {
      const h = (b[part] / max) * plotH;
      y -= h;
      return h > 0 ? html`<rect class="bar-${part}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${h.toFixed(1)}"></rect>` : '';
    });
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-deliveries-title">
  <title id="chart-deliveries-title">Deliveries over time: delivered, failed and in progress per period (the table beside has the numbers)</title>
  ${axes(max, '', buckets, bucketMs)}
  ${bars}
</svg>
<p class="legend"><span class="key key-delivered"></span> delivered <span class="key key-failed"></span> failed <span class="key key-inProgress"></span> in progress</p>`;
}

export function deliveriesTable(buckets: Bucket[], bucketMs: number): Html {
  return html`<table class="data" id="deliveries-over-time">
  <caption>Deliveries per period (by creation time, UTC)</caption>
  <thead><tr><th scope="col">Period</th><th scope="col">Delivered</th><th scope="col">Failed</th><th scope="col">In progress</th><th scope="col">Cancelled</th></tr></thead>
  <tbody>${buckets.map((b) => html`<tr><th scope="row">${bucketLabel(b.at, bucketMs)}</th><td>${formatCount(b.delivered)}</td><td>${formatCount(b.failed)}</td><td>${formatCount(b.inProgress)}</td><td>${formatCount(b.cancelled)}</td></tr>`)}</tbody>
</table>`;
}

/** Attempt latency per bucket: p50, p95 and p99 as lines. */
export function latencyChart(buckets: Bucket[], bucketMs: number): Html {
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.p99 ?? 0)));
  const plotH = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / buckets.length;
  const line = (q: 'p50' | 'p95' | 'p99') => {
    const points = buckets.flatMap((b, i) => (b[q] === null ? [] : [`${(PAD.left + step * i + step / 2).toFixed(1)},${(PAD.top + plotH * (1 - b[q] / max)).toFixed(1)}`]));
    return points.length ? html`<polyline class="line-${q}" fill="none" points="${points.join(' ')}"></polyline>` : '';
  };
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-latency-title">
  <title id="chart-latency-title">Attempt latency over time: p50, p95 and p99 per period in milliseconds (the table beside has the numbers)</title>
  ${axes(max, ' ms', buckets, bucketMs)}
  ${line('p99')}${line('p95')}${line('p50')}
</svg>
<p class="legend"><span class="key key-p50"></span> p50 <span class="key key-p95"></span> p95 <span class="key key-p99"></span> p99</p>`;
}

export function latencyTable(buckets: Bucket[], bucketMs: number): Html {
  return html`<table class="data" id="latency-over-time">
  <caption>Attempt latency per period (UTC)</caption>
  <thead><tr><th scope="col">Period</th><th scope="col">Attempts</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead>
  <tbody>${buckets.map((b) => html`<tr><th scope="row">${bucketLabel(b.at, bucketMs)}</th><td>${formatCount(b.attempts)}</td><td>${formatMs(b.p50)}</td><td>${formatMs(b.p95)}</td><td>${formatMs(b.p99)}</td></tr>`)}</tbody>
</table>`;
}
