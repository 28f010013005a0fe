// The import rules of docs/architecture.md (.dependency-cruiser.cjs), checked by dependency-cruiser
// over src/, workers/ and bench/: data flows one way, no cycles, only the queue module knows pg-boss.
import test from 'ava';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ruleSet = createRequire(import.meta.url)('../../.dependency-cruiser.cjs');

test('every import runs with the flow: no violation of the layer rules, no cycle', async (t) => {
  // Rule paths are relative to the project root.
  const result = (await cruise(['src', 'workers', 'bench'], { ...ruleSet.options, ruleSet, validate: true, baseDir: root })).output as ICruiseResult;
  // The cruise must have read the TypeScript sources themselves (a parser that skipped .ts would find nothing wrong).
  const ours = result.modules.filter((m) => /^(src|workers|bench)\/.*\.ts$/.test(m.source));
  t.true(ours.length > 80, `only ${ours.length} modules were read`);
  t.true(ours.some((m) => m.source === 'src/services/orders.ts' && m.dependencies.some((d) => d.resolved === 'src/db/orders.ts')));
  const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : ''}`);
  t.deepEqual(violations, []);
});
