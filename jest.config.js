/**
 * Jest in native ESM mode (Nest 12 packages are ESM only); `npm test` passes
 * --experimental-vm-modules. Unit tests sit beside the code (*.spec.ts); end-to-end tests live
 * in test/ (*.e2e-spec.ts).
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
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
  testTimeout: 60_000,
};
