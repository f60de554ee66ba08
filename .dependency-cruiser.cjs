/**
 * The dependency rules of src/ (docs/architecture.md, "How the folders depend on each other"):
 * `npm run lint:deps`, a step of .ci/run. Folders are infrastructure (they know no feature) or
 * features; the composition roots (app.module.ts, app.factory.ts, bootstrap.ts, main.ts and
 * scripts/) wire everything and may import anything.
 */
const INFRASTRUCTURE =
  '^src/(access|cache|common|config|database|health|idempotency|mail|observability|openapi|rate-limit|redis)/';
const ROOTS = '^src/(app\\.module|app\\.factory|bootstrap|main)\\.ts$|^src/scripts/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle: break it with a port the lower module declares (see docs).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'infrastructure-knows-no-feature',
      severity: 'error',
      comment:
        'Infrastructure folders import only infrastructure (no feature, no root): invert through a port or rule.',
      from: { path: INFRASTRUCTURE },
      // Allowed, not forbidden, folders: a new feature folder is covered without a change here.
      to: { path: '^src/', pathNot: INFRASTRUCTURE },
    },
    {
      name: 'config-imports-nothing',
      severity: 'error',
      comment: 'config/ is the bottom layer: it imports nothing of the project.',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'common-imports-only-config',
      severity: 'error',
      comment: 'common/ sits on config/ only; the other infrastructure folders build on it.',
      from: { path: '^src/common/' },
      to: {
        path: '^src/',
        pathNot: '^src/(common|config)/',
      },
    },
    {
      name: 'sessions-knows-no-feature',
      severity: 'error',
      comment: 'sessions/ stores user ids and is used by users and auth: it imports no feature.',
      from: { path: '^src/sessions/' },
      to: { path: '^src/', pathNot: [INFRASTRUCTURE, '^src/sessions/'] },
    },
    {
      name: 'users-imports-only-sessions',
      severity: 'error',
      comment:
        'users/ imports only sessions/: the features above it register with its ports instead.',
      from: { path: '^src/users/' },
      to: { path: '^src/', pathNot: [INFRASTRUCTURE, '^src/(users|sessions)/'] },
    },
    {
      name: 'posts-and-auth-are-peers',
      severity: 'error',
      comment: 'posts/ and auth/ build on users/ (and sessions/), not on each other.',
      from: { path: '^src/(posts|auth)/' },
      // $1: the folder the import is from, which may import itself
      to: { path: '^src/(posts|auth)/', pathNot: '^src/$1/' },
    },
    {
      name: 'nothing-imports-accounts',
      severity: 'error',
      comment: 'accounts/ is the top feature: only the composition roots import it.',
      from: { path: '^src/', pathNot: [ROOTS, '^src/accounts/'] },
      to: { path: '^src/accounts/' },
    },
    {
      name: 'scripts-are-roots',
      severity: 'error',
      comment: 'scripts/ may import anything; only the composition roots import scripts/.',
      from: { path: '^src/', pathNot: ROOTS },
      to: { path: '^src/scripts/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
