export default { files: ['test/browser/**/*.test.ts'], extensions: { ts: 'module' }, timeout: '120s', serial: true, concurrency: 1 };
