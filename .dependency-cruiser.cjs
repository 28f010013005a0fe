// The import rules of docs/architecture.md, checked by test/unit/architecture.test.ts (npm test)
// and by `npx depcruise src workers bench`. Data flows one way:
//   workers, cli, http  →  services (+ delivery/stages)  →  presenters, queue, db, delivery blocks  →  foundation
// Foundation: errors, ids, scope, clock, version, logger, config, net/.
const FOUNDATION = '^src/(errors|ids|scope|clock|version|logger|config)\\.ts$|^src/net/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles hide the direction of the flow.', from: {}, to: { circular: true } },
    { name: 'src-not-to-workers', severity: 'error', comment: 'Workers use src/, never the other way.', from: { path: '^src/' }, to: { path: '^workers/' } },
    {
      name: 'only-http-edges-import-http', severity: 'error',
      comment: 'http/ is an edge: only the worker process (its health server), the CLI and the dashboard (input schemas) reach into it.',
      from: { path: '^src/', pathNot: '^src/(http|cli|dashboard)/' }, to: { path: '^src/http/' },
    },
    {
      name: 'dashboard-only-to-http-schemas', severity: 'error', comment: 'The dashboard shares input schemas with the API, not its routes.',
      from: { path: '^src/dashboard/' }, to: { path: '^src/http/', pathNot: '^src/http/schemas/' },
    },
    {
      name: 'only-the-app-mounts-the-dashboard', severity: 'error', comment: 'The dashboard is an edge like http/: the API app mounts it, nothing else imports it.',
      from: { path: '^src/', pathNot: '^src/(dashboard/|http/app\\.ts$)' }, to: { path: '^src/dashboard/' },
    },
    {
      name: 'cli-only-to-http-schemas', severity: 'error', comment: 'The CLI shares input schemas with the API, not its routes.',
      from: { path: '^src/cli/' }, to: { path: '^src/http/', pathNot: '^src/http/schemas/' },
    },
    {
      name: 'http-not-to-db', severity: 'error', comment: 'Routes and pages go through services; row types may be named.',
      from: { path: '^src/(http|cli|dashboard)/' }, to: { path: '^src/db/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'services-not-upward', severity: 'error', comment: 'Services sit below the edges and the worker stages.',
      from: { path: '^src/services/' }, to: { path: '^src/(http|cli|dashboard)/|^src/delivery/stages\\.ts$|^src/(metrics|runtime)\\.ts$' },
    },
    {
      name: 'presenters-below-services', severity: 'error', comment: 'Presenters shape rows; they call nothing.',
      from: { path: '^src/presenters/' }, to: { path: '^src/(services|http|cli|dashboard|queue|delivery)/|^src/(context|metrics|runtime)\\.ts$' },
    },
    {
      name: 'delivery-blocks-are-pure', severity: 'error',
      comment: 'Signing, secrets, retry policy, classification, the request and the guarded client do no database work.',
      from: { path: '^src/delivery/', pathNot: '^src/delivery/stages\\.ts$' },
      to: { path: '^src/(db|queue|services|http|cli)/|^src/(context|metrics|runtime)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'queue-below-services', severity: 'error', comment: 'The queue knows pg-boss and the pool, nothing above.',
      from: { path: '^src/queue/' }, to: { path: '^src/(services|http|cli|dashboard|presenters|delivery)/|^src/(metrics|runtime)\\.ts$' },
    },
    {
      name: 'db-at-the-bottom', severity: 'error', comment: 'Queries know rows and the foundation only.',
      from: { path: '^src/db/' }, to: { path: '^src/', pathNot: `^src/db/|${FOUNDATION}` },
    },
    {
      name: 'foundation-imports-foundation', severity: 'error', comment: 'Settings, ids, errors and parsing depend on nothing of Herald above them.',
      from: { path: FOUNDATION }, to: { path: '^src/', pathNot: FOUNDATION },
    },
    {
      name: 'only-the-queue-knows-pg-boss', severity: 'error',
      comment: 'One queue module owns pg-boss (issue 9); the benchmark\'s bare pg-boss baseline measures pg-boss alone.',
      from: { pathNot: '^src/queue/|^bench/bare-boss\\.ts$' }, to: { path: 'node_modules/pg-boss/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    parser: 'swc',
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs'] },
  },
};
