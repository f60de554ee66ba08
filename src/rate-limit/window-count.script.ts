import { redisScript } from '../redis/redis-connection.js';

/**
 * Counts a hit in the window at KEYS[1] (ARGV[1] ms long, opened by the first hit) and answers
 * `{hits, ms left}`, atomically, so that every instance shares one budget: the throttler's
 * limits and the per-account login limit.
 */
export const WINDOW_COUNT_SCRIPT = redisScript(`
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
return {hits, left}
`);
