/**
 * Jest in native ESM mode (Nest 12 packages are ESM only); the npm scripts pass
 * --experimental-vm-modules. Four projects:
 * - unit: `*.spec.ts` beside the code in src/, and e2e: `*.e2e-spec.ts` in test/. `npm test` runs these
 *   two, and they need nothing but Node.js (embedded PGlite, in-memory stores; no binary on PATH)
 *   unless TEST_DATABASE_URL / TEST_REDIS_URL name real servers.
 * - browser: test/browser/*.browser-spec.ts, a real Chromium (`npm run test:browser`).
 * - engines: test/engines/*.engine-spec.ts, suites that start engines of their own (PostgreSQL
 *   clusters and replicas, PgBouncer, Redis Sentinel and Cluster, private redis-servers to pause,
 *   kill and restart, several service processes) (`npm run test:engines`). A case that needs any
 *   of these goes here, not in e2e (eslint.config.mjs refuses their helpers in e2e files).
 */
const common = {
  testEnvironment: 'node',
  rootDir: '.',
  extensionsToTreatAsEsm: ['.ts'],
  // Source imports name the compiled .js file; in tests the .ts file stands behind it.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    // Transpile only (type-checking is `npm run typecheck`), which is far faster.
    '^.+\\.ts$': ['ts-jest', { useESM: true }],
    // CommonJS packages requiring ES modules: see test/support/esm-interop.ts.
    '/node_modules/(@nestjs/throttler|@fastify/static)/.+\\.js$':
      '<rootDir>/test/support/cjs-require-esm.transformer.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs/throttler|@fastify/static)/)'],
  setupFiles: ['reflect-metadata', '<rootDir>/test/support/esm-interop.ts'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
    },
    {
      ...common,
      displayName: 'engines',
      testMatch: ['<rootDir>/test/engines/**/*.engine-spec.ts'],
    },
  ],
  testTimeout: 60_000,
};
