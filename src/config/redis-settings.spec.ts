import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config.js';

describe('Redis settings: REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES', () => {
  let dataDir: string;
  const base = (): NodeJS.ProcessEnv => ({ DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(32) });

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'redis-settings-spec-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The one-line message loadConfig stops with; fails the test when it accepts `env`. */
  function refusal(env: NodeJS.ProcessEnv): string {
    try {
      loadConfig({ ...base(), ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const { message } = error as ConfigError;
      expect(message).not.toMatch(/[\r\n]/);
      return message;
    }
    throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
  }

  it('has no Redis when none is set (empty strings count as unset)', () => {
    expect(loadConfig(base()).redis).toBeUndefined();
    const empty = { REDIS_URL: '', REDIS_SENTINELS: '', REDIS_CLUSTER_NODES: '' };
    expect(loadConfig({ ...base(), ...empty }).redis).toBeUndefined();
  });

  it('follows the Sentinels, with the credentials for the master and for the Sentinels', () => {
    const config = loadConfig({
      ...base(),
      REDIS_SENTINELS: 'sentinel-0:26379, sentinel-1.example.com:26380,10.0.0.3:26379',
      REDIS_SENTINEL_MASTER: 'mymaster',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'node-secret',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_TLS: 'true',
    });
    expect(config.redis).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 'sentinel-0', port: 26379 },
        { host: 'sentinel-1.example.com', port: 26380 },
        { host: '10.0.0.3', port: 26379 },
      ],
      masterName: 'mymaster',
      auth: { username: 'app', password: 'node-secret', tls: true },
      sentinelAuth: { username: undefined, password: 'sentinel-secret', tls: true },
    });
  });

  it('joins a cluster through its nodes', () => {
    const config = loadConfig({
      ...base(),
      REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379',
      REDIS_PASSWORD: 'pw',
    });
    expect(config.redis).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'redis-0', port: 6379 },
        { host: 'redis-1', port: 6379 },
      ],
      auth: { username: undefined, password: 'pw', tls: false },
    });
  });

  it.each([
    [{ REDIS_URL: 'redis://a:6379', REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_MASTER: 'm' }],
    [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:6379' }],
    [{ REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: 'c:6379' }],
  ])('refuses two ways to Redis at once: %j', (env) => {
    expect(refusal(env)).toMatch(
      /^Invalid environment variable REDIS_(SENTINELS|CLUSTER_NODES): set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES$/,
    );
  });

  it.each([
    [{ REDIS_SENTINELS: 'b:26379' }, /REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS/],
    [{ REDIS_SENTINEL_MASTER: 'm' }, /REDIS_SENTINEL_MASTER: goes with REDIS_SENTINELS/],
    [{ REDIS_SENTINEL_MASTER: 'm', REDIS_URL: 'redis://a' }, /REDIS_SENTINEL_MASTER: goes with/],
    [{ REDIS_CLUSTER_NODES: 'a:6379', REDIS_SENTINEL_PASSWORD: 'pw' }, /REDIS_SENTINEL_PASSWORD/],
    [{ REDIS_URL: 'redis://a:6379', REDIS_PASSWORD: 'pw' }, /REDIS_PASSWORD: applies to/],
    [{ REDIS_PASSWORD: 'pw' }, /REDIS_PASSWORD: applies to/],
    [{ REDIS_URL: 'redis://a:6379', REDIS_TLS: 'true' }, /REDIS_TLS: .*rediss:\/\//],
  ])('refuses %j in one line naming the variable', (env, message) => {
    expect(refusal(env)).toMatch(message);
  });

  it.each([
    ['REDIS_SENTINELS', 'sentinel-0'],
    ['REDIS_SENTINELS', 'a:26379,'],
    ['REDIS_SENTINELS', 'a:26379;b:26379'],
    ['REDIS_SENTINELS', 'a:0'],
    ['REDIS_SENTINELS', 'a:65536'],
    ['REDIS_CLUSTER_NODES', 'redis://a:6379'],
    ['REDIS_CLUSTER_NODES', 'a:port'],
    ['REDIS_CLUSTER_NODES', ' , '],
  ])('refuses %s=%j in one line naming it', (name, value) => {
    const env = { [name]: value, REDIS_SENTINEL_MASTER: name === 'REDIS_SENTINELS' ? 'm' : '' };
    expect(refusal(env)).toMatch(new RegExp(`^Invalid environment variable ${name}: `));
  });

  it.each(['my master', 'm'.repeat(129), 'a{b}'])('refuses the master name %j', (name) => {
    expect(refusal({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: name })).toMatch(
      /^Invalid environment variable REDIS_SENTINEL_MASTER: /,
    );
  });

  it.each(['yes', 'maybe'])('reads REDIS_TLS=%j as a boolean or refuses it', (value) => {
    const env = { REDIS_CLUSTER_NODES: 'a:6379', REDIS_TLS: value };
    if (value === 'yes') {
      expect(loadConfig({ ...base(), ...env }).redis).toMatchObject({ auth: { tls: true } });
    } else {
      expect(refusal(env)).toMatch(/^Invalid environment variable REDIS_TLS: /);
    }
  });
});
