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
import { burst, steady, type Shape } from './delivery.ts';
import { addFinishedJobs, barePgBoss, drain, prepareBacklog, type DrainResult } from './drain.ts';
import { ordersVersusSql, type OrdersResult } from './orders.ts';
import { lineChart } from './svg.ts';

const QUICK = process.argv.includes('--quick');
const SIZES = QUICK
  ? { orderRounds: 3, orderSeconds: 2, burstEvents: 3_000, backlogEvents: 5_000, steadyRate: 300, steadySeconds: 10, finishedJobs: 0, shapes: ['api+worker'] as Shape[] }
  : { orderRounds: 5, orderSeconds: 3, burstEvents: 20_000, backlogEvents: 20_000, steadyRate: 300, steadySeconds: 30, finishedJobs: 500_000, shapes: ['api+worker', 'all'] as Shape[] };
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
  const drains: Array<{ r: DrainResult; top: Awaited<ReturnType<typeof topStatements>>; bare?: { perSecond: number }; label: string }> = [];
  let steadyTimeline: { p50: number[]; p99: number[] } | undefined;
  const stop = async () => {
    await receivers.stop().catch(() => {});
    await server.stop().catch(() => {});
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    log(`Herald benchmark${QUICK ? ' (quick)' : ''} on ${machine()}, PostgreSQL ${await postgresVersion(server)} (embedded, fsync on)`);
    for (const shape of SIZES.shapes) await ordersScenario(server, shape);
    for (const shape of SIZES.shapes) await burstScenario(server, receivers, shape);

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
    for (const shape of SIZES.shapes) {
      await withDatabase(server, async (db, logDir) => {
        const r = await steady(heraldEnv(db, logDir), receivers, shape, SIZES.steadyRate, SIZES.steadySeconds, log);
        if (shape === 'api+worker') steadyTimeline = r.timeline;
        add({
          scenario: `4 steady ${r.rate} events/s × 3 endpoints for ${r.seconds} s`, shape,
          result: `commit → receipt p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)} (${r.deliveries.toLocaleString('en-US')} deliveries)`,
          target: 'p50 ≤ 40 ms, p99 ≤ 150 ms', met: r.p50Ms <= 40 && r.p99Ms <= 150, rss: r.peakRssMb,
        });
      });
    }
  } finally {
    await stop();
  }

  // Every scenario's processes against the memory target.
  const peak = Math.max(...rows.flatMap((r) => Object.values(r.rss)));
  const table = [
    '| # | Scenario | Shape | Result | Target | Met | Peak RSS (MB) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario.split(' ')[0]} | ${r.scenario.slice(r.scenario.indexOf(' ') + 1)} | ${r.shape} | ${r.result} | ${r.target} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} | ${Object.entries(r.rss).map(([k, v]) => `${k} ${v}`).join(', ')} |`),
    `| 5 | every scenario | all | peak RSS ${peak} MB | ≤ ${RSS_LIMIT} MB per process | ${peak <= RSS_LIMIT ? 'yes' : '**no**'} | |`,
  ].join('\n');
  const profile = drains.map((d) => [
    `Drain, ${d.label}: ${rate(d.r.perSecond)}; CPU seconds while draining: ${Object.entries(d.r.cpu).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| Database time (ms) | Calls | Mean (ms) | Statement |',
    '|---:|---:|---:|---|',
    ...d.top.map((s) => `| ${s.totalMs.toFixed(0)} | ${s.calls} | ${s.meanMs.toFixed(2)} | \`${s.query.replace(/\|/g, '\\|').slice(0, 110)}\` |`),
  ].join('\n')).join('\n\n');
  console.log(`\n${table}\n\n${profile}\n`);

  if (!QUICK) {
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
