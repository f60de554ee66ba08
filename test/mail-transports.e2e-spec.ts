import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp } from './support/test-app.js';
import { LogCapture } from './support/log-capture.js';

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mail without SMTP_URL', () => {
  it('outside production: each mail is logged with its link and written under DATA_DIR/mail', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mail-dev-'));
    const logs = new LogCapture();
    const t = await createTestApp(
      {
        DATA_DIR: dataDir,
        MAIL_WORKER_ENABLED: 'true',
        MAIL_POLL_INTERVAL_MS: '50',
        LOG_LEVEL: 'info',
      },
      undefined,
      { logDestination: logs },
    );
    try {
      const email = 'dev-mail@example.com';
      const created = await t.request({
        method: 'POST',
        url: '/users',
        payload: { email, name: 'Dev', password: 'correct horse battery' },
      });
      expect(created.statusCode).toBe(201);
      const mailDir = join(dataDir, 'mail');
      await until(() => logs.text.includes(`Mail to ${email}`));
      const line = logs.lines.find((entry) => String(entry.msg).startsWith(`Mail to ${email}`));
      const link = /http:\/\/localhost:3000\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(
        String(line?.msg),
      );
      expect(link).not.toBeNull();
      const [file] = readdirSync(mailDir);
      expect(file).toMatch(/dev-mail@example\.com\.eml$/);
      const eml = readFileSync(join(mailDir, file), 'utf8');
      expect(eml).toContain('Subject: Verify your email address');
      // The token in the log is the one the file carries, and it verifies the address.
      expect(eml.replace(/=\r?\n/g, '')).toContain(link![1]);
      const verified = await t.request({
        method: 'POST',
        url: '/auth/verify-email',
        payload: { token: link![1] },
      });
      expect(verified.statusCode).toBe(204);
    } finally {
      await t.close();
    }
  });
});
