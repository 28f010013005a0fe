// The README's quickstart, run as written: `npm start` from its first block (embedded PostgreSQL
// in a fresh data dir), then its second block as one bash script — npx herald, curl and jq —
// until a webhook arrives at `herald listen` and verifies. Only the two `export` lines of ports
// are given free ports instead (this machine may run other Heralds on 8080), and the script runs
// with job control on, as the terminal it is written for does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { freePort } from '../../src/db/embedded.ts';

const ROOT = join(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = (info: string) => {
  const found = new RegExp(`^\`\`\`${info}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(README);
  if (!found) throw new Error(`README has no \`\`\`${info} block`);
  return found[1];
};
const PORT_LINES = ['export HERALD_URL=http://localhost:8080    # where npm start listens (PORT)', 'export WEBHOOK_PORT=4000                   # where your webhook receiver will listen'];

/** Runs a shell script in its own process group; `stop()` ends the whole group. */
function shell(script: string, env: Record<string, string | undefined>) {
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return {
    output: () => output,
    exited,
    async waitFor(pattern: RegExp, timeoutMs: number) {
      for (const deadline = Date.now() + timeoutMs; !pattern.test(output); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`expected ${pattern}; output:\n${output}`);
      }
    },
    stop: (signal: NodeJS.Signals = 'SIGTERM') => { try { process.kill(-child.pid!, signal); } catch { /* gone */ } },
  };
}

test('the README quickstart goes from a first tenant to a webhook received and verified by herald listen', async (t) => {
  t.timeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-quickstart-'));
  const [port, workerPort, webhookPort] = [await freePort(), await freePort(), await freePort()];
  // A developer's shell: none of the test run's settings, the quickstart's data dir.
  const env: Record<string, string | undefined> = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HERALD_|DATABASE_URL|NODE_ENV|LOG_LEVEL|PORT)/.test(k)));
  env.HERALD_DATA_DIR = dataDir;
  const server = shell(block('sh quickstart-server'), { ...env, PORT: String(port), HERALD_WORKER_PORT: String(workerPort) });
  try {
    await server.waitFor(/API listening on http:\/\/localhost:\d+/, 120_000);
    const script = block('sh quickstart');
    for (const line of PORT_LINES) t.true(script.includes(line), `the README still has: ${line}`);
    const ported = script.replace(PORT_LINES[0], `export HERALD_URL=http://localhost:${port}`).replace(PORT_LINES[1], `export WEBHOOK_PORT=${webhookPort}`);
    // Job control on, as in the terminal the README speaks to: `kill %1` then stops the listener's whole job.
    const client = shell(`set -meuo pipefail\n${ported}`, env);
    const code = await Promise.race([client.exited, new Promise<number>((r) => setTimeout(() => r(-1), 120_000))]);
    client.stop('SIGKILL');
    // Each line behind a bar: the runner's summary counts lines starting with a check mark.
    t.log(`the README's quickstart block printed:\n${client.output().replace(/^/gm, '| ')}`);
    t.is(code, 0, client.output());
    const out = client.output();
    t.regex(out, /listening on http:\/\/localhost:\d+\/ \(any path\); verifying with the v1 secret of ep_\w+/);
    t.regex(out, /✔ \S+ POST \/webhooks order\.created evt_\w+ attempt 1: v1 signature verified/);
    t.regex(out, /"type": "order\.created"/, 'the listener printed the event');
    t.regex(out, /"status": "pending",\s+"total": 5000/, 'the order, from curl and jq');
    t.regex(out, /"event_type": "order\.created",\s+"status": "delivered",\s+"attempt_count": 1/, 'herald deliveries:list shows it delivered');
    t.false(/npm (warn|notice)|EBADENGINE/.test(out), 'npx adds nothing of npm\'s');
  } finally {
    server.stop('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 15_000))]);
    server.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
