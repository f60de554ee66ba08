import { createTestApp } from './support/test-app.js';
import { LogCapture } from './support/log-capture.js';

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A file of its own: nestjs-pino keeps its root logger in a module-level static, so a second
 * application in the same module registry would log into the first one's capture.
 */
describe('mail without SMTP_URL in production', () => {
  it('one clear line at start, and mail stays queued', async () => {
    const logs = new LogCapture();
    const t = await createTestApp(
      { NODE_ENV: 'production', MAIL_WORKER_ENABLED: 'true', LOG_LEVEL: 'info' },
      undefined,
      { logDestination: logs },
    );
    try {
      await until(() => logs.text.includes('SMTP_URL is not set'));
      const lines = logs.lines.filter((entry) => String(entry.msg).includes('SMTP_URL'));
      expect(lines).toHaveLength(1);
      expect(lines[0].msg).toMatch(/^SMTP_URL is not set: .* not sent until/);
      await t.request({
        method: 'POST',
        url: '/users',
        payload: { email: 'prod@example.com', name: 'Prod', password: 'correct horse battery' },
      });
      const metrics = await t.request({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^mail_queue_depth 1$/m);
    } finally {
      await t.close();
    }
  });
});
