// `npm run bench`: Herald's speed and memory targets, measured in one run on one durable embedded
// PostgreSQL (fsync on, as `npm start` runs it), with Herald as real processes in both deployment
// shapes (`herald api` + `herald worker`, and `herald all`) and the receivers in a process of their
// own. Ratios are to baselines measured in the same run. Prints one table; a full run also writes it,
// with the command, date and machine, into docs/benchmarks.md and draws docs/bench/*.svg.
// `npm run bench -- --quick` is a ~1-minute version (smaller counts, one shape, nothing written).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freshDatabase, heraldEnv, startHerald, startReceivers, startServer, topStatements, type Receivers, type Server } from './cluster.ts';
import { burst, stageLatency, startShape, steady, type Shape } from './delivery.ts';
import { addFinishedJobs, barePgBoss, drain, prepareBacklog, type DrainResult } from './drain.ts';
import { dashboardLatency } from './dashboard.ts';
import { pruneUnderLoad } from './retention.ts';
import { fairness, orderedDrain, rateLimited } from './flows.ts';
import { ordersVersusSql, type OrdersResult } from './orders.ts';
import { lineChart } from './svg.ts';

const QUICK = process.argv.includes('--quick');
/** `--only=3,6`: just those scenarios (by the number of their row), for working on one; nothing is written. */
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const runs = (row: number) => !ONLY || ONLY.includes(String(row));
const SIZES = QUICK
  ? {
    orderRounds: 3, orderSeconds: 2, burstEvents: 3_000, backlogEvents: 5_000, steadyRate: 300, steadySeconds: 10, finishedJobs: 0, shapes: ['api+worker'] as Shape[],
    fairnessBacklog: 10_000, orderedKeys: 100, rateSeconds: 10, dashboard: false,
  }
  : {
    orderRounds: 5, orderSeconds: 3, burstEvents: 20_000, backlogEvents: 20_000, steadyRate: 300, steadySeconds: 30, finishedJobs: 500_000, shapes: ['api+worker', 'all'] as Shape[],
    fairnessBacklog: 100_000, orderedKeys: 1_000, rateSeconds: 30, dashboard: true,
  };
/** The ordering scenario's retry schedule (the issue's): five retries 200 ms apart. */
const FAST_RETRIES = '200ms,200ms,200ms,200ms,200ms';
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

interface Row {
  scenario: string;
  shape: string;
  result: string;
  target: string;
  met: boolean | undefined;
  rss: Record<string, number>;
}
const rows: Row[] = [];
const RSS_LIMIT = 256;
function add(row: Row): void {
  rows.push(row);
  log(`${row.scenario} [${row.shape}]: ${row.result}${row.met === undefined ? '' : row.met ? '  ✓' : '  ✗ (target ' + row.target + ')'}`);
}

type DrainRecord = { r: DrainResult; top: Awaited<ReturnType<typeof topStatements>>; bare?: { perSecond: number }; label: string };

let databases = 0;
async function scenarioDatabase(server: Server) {
  return freshDatabase(server, `herald_bench_${process.pid}_${++databases}`);
}

async function withDatabase<T>(server: Server, work: (db: Awaited<ReturnType<typeof freshDatabase>>, logDir: string) => Promise<T>): Promise<T> {
  const db = await scenarioDatabase(server);
  const logDir = mkdtempSync(join(tmpdir(), 'herald-bench-logs-'));
  try {
    return await work(db, logDir);
  } finally {
    await db.drop();
  }
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
const rate = (v: number) => `${Math.round(v).toLocaleString('en-US')}/s`;

async function ordersScenario(server: Server, shape: Shape): Promise<OrdersResult> {
  return withDatabase(server, async (db, logDir) => {
    const env = heraldEnv(db, logDir);
    const api = await startHerald(shape === 'all' ? 'all' : 'api', env, `orders-${shape}`);
    try {
      const r = await ordersVersusSql(`http://127.0.0.1:${api.port}`, env.adminToken, db.runtimeUrl, { rounds: SIZES.orderRounds, seconds: SIZES.orderSeconds }, log);
      add({
        scenario: '1 POST /v1/orders, 32 clients, vs the same SQL through pg', shape,
        result: `${rate(r.api.perSecond)} (p99 ${ms(r.api.p99Ms)}) vs ${rate(r.baseline.perSecond)}: ratio ${r.ratio.toFixed(2)}`,
        target: 'ratio ≥ 0.5', met: r.ratio >= 0.5, rss: { [api.role]: api.peakRssMb() },
      });
      rows.at(-1)!.rss = { [api.role]: api.peakRssMb() };
      return r;
    } finally {
      await api.stop();
    }
  });
}

async function burstScenario(server: Server, receivers: Receivers, shape: Shape) {
  return withDatabase(server, async (db, logDir) => {
    const r = await burst(server, heraldEnv(db, logDir), receivers, shape, SIZES.burstEvents, log);
    add({
      scenario: `2 ${r.events.toLocaleString('en-US')} events via the API (32 clients), 10 tenants × 3 endpoints, ingest with delivery`, shape,
      result: `${rate(r.perSecond)} first commit → last receipt (${r.deliveries.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s; ingest ${rate(r.ingestPerSecond)}; latency p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)})`,
      target: '≥ 2,000 deliveries/s', met: r.perSecond >= 2_000, rss: r.peakRssMb,
    });
    return r;
  });
}

async function drainScenario(
  server: Server, receivers: Receivers, roles: Array<'worker' | 'all'>, label: string, opts: { finishedJobs?: number; baseline?: boolean } = {},
) {
  return withDatabase(server, async (db, logDir) => {
    const env = heraldEnv(db, logDir);
    const { deliveries } = await prepareBacklog(env, receivers, 10, 3, SIZES.backlogEvents, log);
    if (opts.finishedJobs) {
      log(`    adding ${opts.finishedJobs.toLocaleString('en-US')} finished jobs to the job table`);
      await addFinishedJobs(db.url, opts.finishedJobs);
    }
    const r = await drain(server, env, receivers, deliveries, roles, log);
    const top = await topStatements(db.url, 8);
    const bare = opts.baseline ? await barePgBoss(db.url, deliveries) : undefined;
    return { r, top, bare, label };
  });
}

/** Row 3: draining a backlog (and 3b, 3c: with finished jobs kept, with two workers). */
async function drainScenarios(server: Server, receivers: Receivers, drains: DrainRecord[]): Promise<void> {
  const empty = await drainScenario(server, receivers, ['worker'], 'one worker', { baseline: true });
  drains.push(empty);
  const ratio = empty.r.perSecond / empty.bare!.perSecond;
  add({
    scenario: `3 drain of a ${empty.r.deliveries.toLocaleString('en-US')}-delivery backlog vs bare pg-boss draining as many no-op jobs`, shape: 'worker',
    result: `${rate(empty.r.perSecond)} vs ${rate(empty.bare!.perSecond)}: ratio ${ratio.toFixed(2)}; ${empty.r.statementsPerDelivery.toFixed(2)} statements and ${empty.r.commitsPerDelivery.toFixed(3)} commits per delivery`,
    target: '≥ 4,000/s and ratio ≥ 0.3; ≤ 3 statements and ≤ 0.2 commits per delivery',
    met: empty.r.perSecond >= 4_000 && ratio >= 0.3 && empty.r.statementsPerDelivery <= 3 && empty.r.commitsPerDelivery <= 0.2, rss: empty.r.peakRssMb,
  });
  if (SIZES.shapes.includes('all')) {
    const all = await drainScenario(server, receivers, ['all'], 'herald all');
    drains.push(all);
    add({ scenario: '3 the same drain', shape: 'all', result: rate(all.r.perSecond), target: '(reported)', met: undefined, rss: all.r.peakRssMb });
  }
  if (SIZES.finishedJobs) {
    const full = await drainScenario(server, receivers, ['worker'], `with ${SIZES.finishedJobs.toLocaleString('en-US')} finished jobs`, { finishedJobs: SIZES.finishedJobs });
    drains.push(full);
    const change = full.r.perSecond / empty.r.perSecond - 1;
    add({
      scenario: `3b the same drain with ${SIZES.finishedJobs.toLocaleString('en-US')} finished jobs kept in the job table`, shape: 'worker',
      result: `${rate(full.r.perSecond)} (${(change * 100).toFixed(0)} % against the empty table)`, target: 'within 20 %', met: change >= -0.2, rss: full.r.peakRssMb,
    });
    const two = await drainScenario(server, receivers, ['worker', 'worker'], 'two workers');
    drains.push(two);
    add({
      scenario: '3c the same drain with two worker processes', shape: '2 × worker',
      result: `${rate(two.r.perSecond)} (× ${(two.r.perSecond / empty.r.perSecond).toFixed(2)} one worker's)`, target: '(scaling, reported)', met: undefined, rss: two.r.peakRssMb,
    });
  }
}

/** Row 4: a steady rate; returns the api+worker shape's latency second by second. */
async function steadyScenarios(server: Server, receivers: Receivers): Promise<{ p50: number[]; p99: number[] } | undefined> {
  let timeline: { p50: number[]; p99: number[] } | undefined;
  for (const shape of SIZES.shapes) {
    await withDatabase(server, async (db, logDir) => {
      const r = await steady(heraldEnv(db, logDir), receivers, shape, SIZES.steadyRate, SIZES.steadySeconds, log);
      const stages = await stageLatency(server.url, db.url);
      if (shape === 'api+worker') timeline = r.timeline;
      add({
        scenario: `4 steady ${r.rate} events/s × 3 endpoints for ${r.seconds} s`, shape,
        result: `commit → receipt p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)} (${r.deliveries.toLocaleString('en-US')} deliveries; p50 of its stages: `
          + `commit → delivery row ${ms(stages.dispatchP50Ms)}, → first attempt ${ms(stages.claimP50Ms)}, request ${ms(stages.requestP50Ms)})`,
        target: 'p50 ≤ 40 ms, p99 ≤ 150 ms', met: r.p50Ms <= 40 && r.p99Ms <= 150, rss: r.peakRssMb,
      });
    });
  }
  return timeline;
}

/** Rows 6–8: fairness between tenants, ordered delivery (7, below), a rate limit shared by two workers. */
async function guaranteeScenarios(server: Server): Promise<void> {
  if (runs(6)) await withDatabase(server, async (db, logDir) => {
    const r = await fairness(heraldEnv(db, logDir), SIZES.fairnessBacklog, log);
    add({
      scenario: `6 tenant A: ${r.backlog.toLocaleString('en-US')} deliveries queued to a 200 ms endpoint; tenant B: 100 events at 20/s`, shape: 'api+worker',
      result: `B commit → receipt p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}, max ${ms(r.maxMs)}; A meanwhile: ${r.aDelivered} delivered, ${r.aJobs} with a job, ${r.aParked.toLocaleString('en-US')} parked`,
      target: 'B p99 ≤ 1 s', met: r.p99Ms <= 1_000, rss: r.peakRssMb,
    });
  });
  if (runs(7)) await orderingScenario(server);
  if (runs(8)) await withDatabase(server, async (db, logDir) => {
    const r = await rateLimited(heraldEnv(db, logDir), 50, SIZES.rateSeconds, log);
    add({
      scenario: `8 rate_limit 50 on one endpoint with a backlog, 2 worker processes, ${SIZES.rateSeconds} s`, shape: 'api + 2 × worker',
      result: `${r.perSecond.toFixed(1)} attempts/s, busiest second ${r.maxSecond}; the tenant's unlimited endpoint took ${r.otherSeconds.toFixed(1)} s for the same events`,
      target: '45–55/s, no second above 60', met: r.perSecond >= 45 && r.perSecond <= 55 && r.maxSecond <= 60, rss: r.peakRssMb,
    });
  });
}

async function orderingScenario(server: Server): Promise<void> {
  const ordered = await withDatabase(server, (db, logDir) =>
    orderedDrain(heraldEnv(db, logDir, { HERALD_RETRY_SCHEDULE: FAST_RETRIES }), 'key', SIZES.orderedKeys, 20, 0.05, log));
  const unordered = await withDatabase(server, (db, logDir) =>
    orderedDrain(heraldEnv(db, logDir, { HERALD_RETRY_SCHEDULE: FAST_RETRIES }), 'none', SIZES.orderedKeys, 20, 0.05, log));
  const ratio = ordered.perSecond / unordered.perSecond;
  add({
    scenario: `7 ordering key: ${SIZES.orderedKeys.toLocaleString('en-US')} keys × 20 events to one endpoint failing 5 % at random, retries 200 ms apart, vs ordering none`, shape: 'api+worker',
    result: `${rate(ordered.perSecond)} vs ${rate(unordered.perSecond)} 2xx receipts: ratio ${ratio.toFixed(2)}; keys out of commit order: ${ordered.keysOutOfOrder} (unordered: ${unordered.keysOutOfOrder})`,
    target: 'every key in order; ratio ≥ 0.5', met: ordered.keysOutOfOrder === 0 && ratio >= 0.5, rss: ordered.peakRssMb,
  });
}

/** Row 9: every dashboard page with 1,000,000 attempts in the tenant's history (with the worker that keeps the rollups). */
async function dashboardScenario(server: Server): Promise<void> {
  await withDatabase(server, async (db, logDir) => {
    const env = heraldEnv(db, logDir);
    const processes = await startShape('api+worker', env, 'dashboard');
    try {
      const pages = await dashboardLatency({ ownerDatabaseUrl: db.url, apiUrl: processes.apiUrl, adminToken: env.adminToken, log });
      const worst = pages.reduce((w, p) => (Math.max(p.p99Ms, p.firstMs) > Math.max(w.p99Ms, w.firstMs) ? p : w));
      add({
        scenario: `9 every dashboard page (${pages.length}), a tenant with 1,000,000 attempts over 30 days`, shape: 'api+worker',
        result: `worst ${ms(Math.max(worst.p99Ms, worst.firstMs))} (${worst.page}, first view or p99); p50 ${ms(Math.min(...pages.map((p) => p.p50Ms)))}–${ms(Math.max(...pages.map((p) => p.p50Ms)))}`,
        target: 'every page ≤ 300 ms', met: pages.every((p) => p.p99Ms <= 300 && p.firstMs <= 300), rss: processes.peakRssMb(),
      });
    } finally {
      await processes.stop();
    }
  });
}

/** Row 10: steady delivery while retention prunes a 1,000,000-row history. */
async function retentionScenario(server: Server, receivers: Receivers): Promise<void> {
  await withDatabase(server, async (db, logDir) => {
    const env = heraldEnv(db, logDir);
    const processes = await startShape('api+worker', env, 'retention');
    try {
      const r = await pruneUnderLoad({ ownerDatabaseUrl: db.url, apiUrl: processes.apiUrl, adminToken: env.adminToken, receiverPorts: receivers.ports, log });
      const ratio = r.pruning.p99Ms / r.baseline.p99Ms;
      add({
        scenario: `10 steady delivery while retention prunes ${r.pruning.rowsRemoved.toLocaleString('en-US')} rows`, shape: 'api+worker',
        result: `p50 ${ms(r.pruning.p50Ms)}, p99 ${ms(r.pruning.p99Ms)} (alone: ${ms(r.baseline.p50Ms)}, ${ms(r.baseline.p99Ms)}; × ${ratio.toFixed(2)}); pruned in ${r.pruning.seconds.toFixed(0)} s; inserts ${r.blockedInserts ? '**blocked**' : 'never blocked'}`,
        target: '(reported; inserts never blocked)', met: !r.blockedInserts, rss: processes.peakRssMb(),
      });
    } finally {
      await processes.stop();
    }
  });
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

async function postgresVersion(server: Server): Promise<string> {
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  const { rows: [v] } = await c.query('show server_version');
  await c.end();
  return v.server_version;
}

function writeDocs(report: string, charts: Record<string, string>): void {
  mkdirSync(join(DOCS, 'bench'), { recursive: true });
  for (const [name, svg] of Object.entries(charts)) writeFileSync(join(DOCS, 'bench', name), svg);
  const path = join(DOCS, 'benchmarks.md');
  const doc = readFileSync(path, 'utf8');
  const marker = '<!-- runs: newest first -->';
  const at = doc.indexOf(marker);
  const updated = at === -1 ? `${doc.trimEnd()}\n\n${marker}\n\n${report}\n` : `${doc.slice(0, at + marker.length)}\n\n${report}\n${doc.slice(at + marker.length)}`;
  writeFileSync(path, updated);
}

async function main() {
  const server = await startServer();
  const receivers = await startReceivers(3);
  const drains: DrainRecord[] = [];
  let steadyTimeline: { p50: number[]; p99: number[] } | undefined;
  const stop = async () => {
    await receivers.stop().catch(() => {});
    await server.stop().catch(() => {});
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    log(`Herald benchmark${QUICK ? ' (quick)' : ''} on ${machine()}, PostgreSQL ${await postgresVersion(server)} (embedded, fsync on)`);
    if (runs(1)) for (const shape of SIZES.shapes) await ordersScenario(server, shape);
    if (runs(2)) for (const shape of SIZES.shapes) await burstScenario(server, receivers, shape);
    if (runs(3)) await drainScenarios(server, receivers, drains);
    if (runs(4)) steadyTimeline = await steadyScenarios(server, receivers);
    await guaranteeScenarios(server);
    if (SIZES.dashboard && runs(9)) await dashboardScenario(server);
    if (SIZES.dashboard && runs(10)) await retentionScenario(server, receivers);
  } finally {
    await stop();
  }

  // Every scenario's processes against the memory target.
  const peak = Math.max(...rows.flatMap((r) => Object.values(r.rss)));
  const table = [
    '| # | Scenario | Shape | Result | Target | Met | Peak RSS (MB) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario.split(' ')[0]} | ${r.scenario.slice(r.scenario.indexOf(' ') + 1)} | ${r.shape} | ${r.result} | ${r.target} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} | ${Object.entries(r.rss).map(([k, v]) => `${k} ${v}`).join(', ')} |`),
    `| M | every scenario | all | peak RSS ${peak} MB | ≤ ${RSS_LIMIT} MB per process | ${peak <= RSS_LIMIT ? 'yes' : '**no**'} | |`,
  ].join('\n');
  const profile = drains.map((d) => [
    `Drain, ${d.label}: ${rate(d.r.perSecond)}; CPU seconds while draining: ${Object.entries(d.r.cpu).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| Database time (ms) | Calls | Mean (ms) | Statement |',
    '|---:|---:|---:|---|',
    ...d.top.map((s) => `| ${s.totalMs.toFixed(0)} | ${s.calls} | ${s.meanMs.toFixed(2)} | \`${s.query.replace(/\|/g, '\\|').slice(0, 110)}\` |`),
  ].join('\n')).join('\n\n');
  console.log(`\n${table}\n\n${profile}\n`);

  if (!QUICK && !ONLY) {
    const charts: Record<string, string> = {};
    if (steadyTimeline) {
      charts['steady-latency.svg'] = lineChart(`Steady ${SIZES.steadyRate} events/s × 3 endpoints (api + worker): commit → receipt`, 'milliseconds', [
        { name: 'p50', color: '#2b6cb0', values: steadyTimeline.p50 }, { name: 'p99', color: '#c53030', values: steadyTimeline.p99 },
      ]);
    }
    charts['drain-rate.svg'] = lineChart('Drain of the backlog: deliveries per second', 'deliveries/s', drains.map((d, i) => ({
      name: d.label, color: ['#2b6cb0', '#805ad5', '#dd6b20', '#2f855a'][i % 4], values: d.r.timeline,
    })));
    writeDocs([
      `## ${new Date().toISOString().slice(0, 10)}: \`npm run bench\``,
      '',
      `Machine: ${machine()}; PostgreSQL embedded, fsync on; Herald processes run as \`npm start\` runs them (bench/cluster.ts RUNTIME). Took ${Math.round((Date.now() - started) / 1000)} s.`,
      '',
      table,
      '',
      '![Steady latency](bench/steady-latency.svg) ![Drain rate](bench/drain-rate.svg)',
      '',
      profile,
    ].join('\n'), charts);
    log('written to docs/benchmarks.md and docs/bench/');
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
