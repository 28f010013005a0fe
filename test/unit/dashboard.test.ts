// The dashboard's pure parts: escaping in templates, latency percentiles from histograms, and the
// overview's folding of hours into buckets.
import test from 'ava';
import { LATENCY_BOUNDS, type PeriodRow } from '../../src/db/dashboard.ts';
import { html } from '../../src/dashboard/html.ts';
import { histogramQuantile, summarize } from '../../src/services/dashboard.ts';

test('every interpolated value is escaped unless it is itself a template\'s result', (t) => {
  const hostile = `<script>alert("x")</script>' onmouseover='y' &amp;`;
  t.is(html`<td title="${hostile}">${hostile}</td>`.text,
    '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#39; &amp;amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#39; &amp;amp;</td>');
  t.is(html`<ul>${['<a>', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.text, '<ul><li>&lt;a&gt;</li><li>b</li></ul>');
  t.is(html`${null}${undefined}${false}${0}`.text, '0');
});

const bucketOf = (ms: number) => LATENCY_BOUNDS.findIndex((b) => ms < b) === -1 ? LATENCY_BOUNDS.length : LATENCY_BOUNDS.findIndex((b) => ms < b);

test('percentiles from a latency histogram land within the bucket of the exact value', (t) => {
  const values = Array.from({ length: 1000 }, (_, i) => 10 + ((i * 37) % 900));
  const histogram: Record<string, number> = {};
  for (const v of values) histogram[bucketOf(v)] = (histogram[bucketOf(v)] ?? 0) + 1;
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of [0.5, 0.95, 0.99]) {
    const exact = sorted[Math.ceil(q * sorted.length) - 1];
    const b = bucketOf(exact);
    const estimate = histogramQuantile(histogram, q)!;
    t.true(estimate >= (b === 0 ? 0 : LATENCY_BOUNDS[b - 1]) && estimate <= LATENCY_BOUNDS[b], `p${q * 100}: ${estimate} for ${exact}`);
  }
  t.is(histogramQuantile({}, 0.5), null);
});

const period = (at: Date, fields: Partial<PeriodRow>): PeriodRow => ({
  at, pending: 0, retrying: 0, delivered: 0, failed: 0, cancelled: 0, attempts: 0, attempts_succeeded: 0, first_attempts: 0,
  first_attempts_succeeded: 0, latency: {}, ...fields,
});

test('hours fold into the range\'s buckets; rates divide what ended and what was first tried', (t) => {
  const now = new Date('2026-11-20T10:30:00Z');
  const o = summarize('7d', now, [
    period(new Date('2026-11-20T09:00:00Z'), { delivered: 3, failed: 1, attempts: 5, first_attempts: 4, first_attempts_succeeded: 3, latency: { 10: 5 } }),
    period(new Date('2026-11-20T07:00:00Z'), { delivered: 1, pending: 2, attempts: 1, first_attempts: 1, first_attempts_succeeded: 1, latency: { 20: 1 } }),
    period(new Date('2026-11-12T00:00:00Z'), { delivered: 100 }), // before the range
    period(new Date('2026-11-20T11:00:00Z'), { cancelled: 1 }), // a little ahead of this clock: the running bucket
  ], { count: 2, oldest: new Date('2026-11-20T10:00:00Z') }, []);
  t.is(o.buckets.length, 28);
  t.is(o.from.toISOString(), '2026-11-13T12:00:00.000Z');
  const last = o.buckets[27];
  t.is(last.at.toISOString(), '2026-11-20T06:00:00.000Z');
  t.like(last, { delivered: 4, failed: 1, inProgress: 2, cancelled: 1, attempts: 6 });
  t.deepEqual(o.totals, { pending: 2, retrying: 0, delivered: 4, failed: 1, cancelled: 1, total: 8 });
  t.is(o.firstAttemptSuccess, 4 / 5);
  t.is(o.eventualSuccess, 4 / 5);
  t.is(o.backlog.oldestAgeMs, 30 * 60_000);
});
