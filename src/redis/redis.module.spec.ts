import { missingRedisWarning } from './redis.module.js';

describe('missingRedisWarning', () => {
  it('warns in production without any Redis, in one line naming the three settings', () => {
    const warning = missingRedisWarning({ nodeEnv: 'production', redis: undefined });
    expect(warning).toMatch(/REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES/);
    expect(warning).toMatch(/per instance/);
    expect(warning).not.toMatch(/[\r\n]/);
  });

  it.each([
    [{ nodeEnv: 'development' as const, redis: undefined }],
    [{ nodeEnv: 'test' as const, redis: undefined }],
    [{ nodeEnv: 'production' as const, redis: { mode: 'standalone' as const, url: 'redis://r' } }],
  ])('stays quiet for %j', (config) => {
    expect(missingRedisWarning(config)).toBeNull();
  });
});
