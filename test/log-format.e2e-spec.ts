import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService, eventually, startService } from './support/built-service.js';
import { freePort } from './support/free-port.js';

/**
 * What a person sees at start: pretty lines with level names for LOG_FORMAT=pretty, JSON
 * otherwise (a pipe is not a terminal, so JSON is also the default here); Nest's per-module and
 * per-route lines only at debug; one line with Swagger UI's address.
 */
describe('log format', () => {
  beforeAll(() => buildService(), 120_000);

  /** Starts the service, waits until ready, makes one request, stops it; its standard output. */
  async function outputOf(env: Record<string, string>): Promise<string[]> {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = startService({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'log-format-')),
      ...env,
    });
    try {
      await eventually(async () => (await fetch(`${base}/ready`)).status === 200, 1200);
      expect((await fetch(`${base}/no-such-route`)).status).toBe(404);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited).toBe(0);
    return service.stdout.join('').trim().split('\n');
  }

  it('LOG_FORMAT=pretty: not JSON, with times, level names and the Nest context', async () => {
    const lines = await outputOf({ LOG_FORMAT: 'pretty' });
    for (const line of lines) expect(() => JSON.parse(line) as unknown).toThrow();
    const ready = lines.filter((line) => line.includes('Ready at'));
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Bootstrap\] Ready at http:\/\/127\.0\.0\.1:\d+ \(embedded PGlite\); Swagger UI at http:\/\/127\.0\.0\.1:\d+\/docs$/,
    );
    expect(lines.some((line) => /^\[[\d:.]+\] WARN: GET \/no-such-route 404 /.test(line))).toBe(
      true,
    );
    expect(lines.join('\n')).not.toMatch(/InstanceLoader|RouterExplorer|RoutesResolver/);
  }, 180_000);

  it('by default on a pipe: one JSON object per line, Nest chatter left at debug', async () => {
    const lines = await outputOf({});
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const ready = records.filter((record) => String(record.msg).startsWith('Ready at'));
    expect(ready).toEqual([
      expect.objectContaining({
        level: 30,
        context: 'Bootstrap',
        msg: expect.stringContaining('Swagger UI at'),
      }),
    ]);
    expect(records.filter((record) => record.context === 'InstanceLoader')).toEqual([]);
    expect(records).toContainEqual(
      expect.objectContaining({ level: 40, route: 'unmatched', status: 404 }),
    );
  }, 180_000);

  it('LOG_LEVEL=debug still shows Nest module and route lines', async () => {
    const records = (await outputOf({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' })).map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
    expect(records).toContainEqual(
      expect.objectContaining({ level: 20, context: 'InstanceLoader' }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({ level: 20, context: 'RouterExplorer' }),
    );
  }, 180_000);
});
