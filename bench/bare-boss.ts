// The baseline of the drain scenario, in a process of its own: bare pg-boss working as many no-op
// jobs as Herald drains deliveries, on the same server, with the deliver queue's options, batches
// of 100 and burstWhenBatchFull. What pg-boss alone costs per job on this machine.
// Usage (from bench/index.ts): node bench/bare-boss.ts <database url> <jobs>
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { DELIVER_QUEUE_OPTIONS } from '../src/queue/index.ts';

const [url, count] = [process.argv[2], Number(process.argv[3])];
const QUEUE = 'bench_noop';
const boss = new PgBoss({ connectionString: url, max: 10, supervise: false, schedule: false });
boss.on('error', (err) => console.error(err));
await boss.start();
await boss.deleteQueue(QUEUE).catch(() => {});
await boss.createQueue(QUEUE, DELIVER_QUEUE_OPTIONS);
for (let i = 0; i < count; i += 1_000) {
  await boss.insert(QUEUE, Array.from({ length: Math.min(1_000, count - i) }, (_, j) => ({ data: { n: i + j } })));
}
// Fresh statistics, as Herald's drain gets: on stale ones pg-boss's fetch plan swings the
// baseline between ~1k and ~15k jobs/s from run to run.
const owner = new pg.Client({ connectionString: url });
await owner.connect();
await owner.query('analyze pgboss.job');
await owner.end();
let done = 0;
let first = 0;
const finished = new Promise<void>((resolve) => {
  void boss.work(QUEUE, { batchSize: 100, burstWhenBatchFull: true, localConcurrency: 2, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    first ||= performance.now();
    done += jobs.length;
    if (done >= count) resolve();
  });
});
const started = performance.now();
await finished;
const seconds = (performance.now() - started) / 1000;
await boss.stop({ graceful: true, timeout: 5_000 });
process.stdout.write(`${JSON.stringify({ jobs: done, seconds, perSecond: done / seconds })}\n`);
