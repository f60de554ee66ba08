import { Writable } from 'node:stream';
import type { AppConfig } from '../config/app-config.js';
import { createRootLogger } from './root-logger.js';

/** Keeps every line the logger writes, parsed. */
function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, stream };
}

describe('the root logger (API.md: no secrets in logs)', () => {
  it('censors credentials, authorization headers and failed queries wherever its paths name them', async () => {
    const { lines, stream } = capture();
    const logger = createRootLogger({ logLevel: 'info' } as AppConfig, stream);

    logger.info(
      {
        password: 'pw-secret',
        access_token: 'at-secret',
        refresh_token: 'rt-secret',
        token: 'tk-secret',
        authorization: 'Bearer az-secret',
        req: { headers: { authorization: 'Bearer hdr-secret', cookie: 'sid=ck-secret' } },
        err: { message: 'duplicate key', query: 'INSERT ... q-secret', parameters: ['p-secret'] },
        kept: 'visible',
      },
      'a line with everything',
    );
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines).toHaveLength(1);
    const text = JSON.stringify(lines[0]);
    const secrets = ['pw-', 'at-', 'rt-', 'tk-', 'az-', 'hdr-', 'ck-', 'q-', 'p-'];
    for (const secret of secrets) expect(text).not.toContain(`${secret}secret`);
    expect(lines[0]).toMatchObject({
      password: '[REDACTED]',
      req: { headers: { authorization: '[REDACTED]', cookie: '[REDACTED]' } },
      err: { message: 'duplicate key', query: '[REDACTED]', parameters: '[REDACTED]' },
      kept: 'visible',
    });
  });
});
