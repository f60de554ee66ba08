import { DEFAULT_SCOPES, expectData, expectError } from './support/api-expectations.js';
import { signUp, SignedUpUser } from './support/fixtures.js';
import { LogCapture, flushed } from './support/log-capture.js';
import { createTestApp, TestApp } from './support/test-app.js';
import { createTestDatabase } from './support/test-database.js';

/**
 * Issue 17: someone who signed ADMIN_EMAIL up before the operator set it must not become an
 * admin with their own password. Each test boots the service twice on one database: before
 * ADMIN_EMAIL is set (the sign-up), and after.
 */

interface TokenBody {
  access_token: string;
  scope: string;
}

async function loginOk(t: TestApp, email: string, password: string): Promise<TokenBody> {
  const response = await t.request({
    method: 'POST',
    url: '/auth/token',
    payload: { email, password },
  });
  return expectData<TokenBody>(response);
}

function login(t: TestApp, email: string, password: string) {
  return t.request({ method: 'POST', url: '/auth/token', payload: { email, password } });
}

describe('admin bootstrap and an existing account', () => {
  const OPS_EMAIL = 'ops@example.com';
  const OPERATOR_PASSWORD = 'the operator password';

  it('never promotes an account whose password is not ADMIN_PASSWORD: leaves it, logs an error naming the email, starts', async () => {
    const logs = new LogCapture();
    const database = await createTestDatabase();
    try {
      // nestjs-pino keeps one root logger per process (per test file): that of the first app
      // created, which is why this one captures too.
      const before = await createTestApp({ LOG_LEVEL: 'info' }, database, {
        logDestination: logs,
      });
      let squatter: SignedUpUser;
      try {
        squatter = await signUp(before, { email: OPS_EMAIL });
      } finally {
        await before.close();
      }

      const after = await createTestApp(
        {
          ADMIN_EMAIL: OPS_EMAIL,
          ADMIN_PASSWORD: OPERATOR_PASSWORD,
          LOG_LEVEL: 'info',
        },
        database,
        { logDestination: logs },
      );
      try {
        const [row] = await after.sql<{ scopes: string[] }>(
          'SELECT scopes FROM users WHERE public_id = $1',
          [squatter.id],
        );
        expect([...row.scopes].sort()).toEqual([...DEFAULT_SCOPES].sort());
        const tokens = await loginOk(after, OPS_EMAIL, squatter.password);
        expect(tokens.scope.split(' ')).not.toContain('admin');
        expectError(await login(after, OPS_EMAIL, OPERATOR_PASSWORD), 401, 'UNAUTHORIZED');
        await flushed();
        const errors = logs.lines.filter((line) => line.level === 50);
        expect(errors.map((line) => JSON.stringify(line)).join('\n')).toContain(OPS_EMAIL);
        expect(logs.text).not.toContain(OPERATOR_PASSWORD);
      } finally {
        await after.close();
      }
    } finally {
      await database.stop();
    }
  });

  it('promotes an existing account whose password is ADMIN_PASSWORD (control)', async () => {
    const database = await createTestDatabase();
    try {
      const before = await createTestApp({}, database);
      let owner: SignedUpUser;
      try {
        owner = await signUp(before, { email: OPS_EMAIL });
      } finally {
        await before.close();
      }
      const after = await createTestApp(
        { ADMIN_EMAIL: OPS_EMAIL, ADMIN_PASSWORD: owner.password },
        database,
      );
      try {
        const tokens = await loginOk(after, OPS_EMAIL, owner.password);
        expect(tokens.scope.split(' ')).toContain('admin');
      } finally {
        await after.close();
      }
    } finally {
      await database.stop();
    }
  });
});
