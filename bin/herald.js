#!/usr/bin/env node
// Entry point for the `herald` bin: runs the TypeScript CLI directly (Node 24 strips types).
// `npx herald` runs it on the project's own Node 24 (node_modules/.bin/node comes first on npx's
// PATH); any other Node is refused in one line rather than failing on the TypeScript.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`herald needs Node.js 24 or newer (this is ${process.version}): run it as npx herald, or npm run herald --\n`);
  process.exit(1);
}
await import('../workers/index.ts');
