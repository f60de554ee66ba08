// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.test-dist/**',
      '.tools-dist/**',
      'node_modules/**',
      'coverage/**',
      'eslint.config.mjs',
      'test/support/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // `npm test` needs nothing but Node.js: the helpers that start engines (redis-server,
    // PgBouncer, PostgreSQL clusters) are for the engine suites, test/engines/*.engine-spec.ts.
    files: ['test/*.e2e-spec.ts', 'src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/support/redis-server.js',
                '**/support/redis-topology.js',
                '**/support/pgbouncer.js',
                '**/support/postgres-cluster.js',
              ],
              message:
                'It starts an engine (not just Node.js): such cases belong in test/engines/*.engine-spec.ts.',
            },
          ],
        },
      ],
    },
  },
);
