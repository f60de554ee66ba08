import calculateSlot from 'cluster-key-slot';
import { cacheKeys } from './cache-keys.js';

describe('cacheKeys', () => {
  it('keeps the untagged names outside a cluster', () => {
    expect(cacheKeys('user:42', false)).toEqual({ entry: 'user:42', generation: 'gen:user:42' });
  });

  it('tags the entry and its generation with the resource in a cluster', () => {
    expect(cacheKeys('post:7', true)).toEqual({ entry: '{post:7}', generation: 'gen:{post:7}' });
  });

  it.each(['user:1', 'user:2', 'post:3', 'post:0f8e6a52-9b1c-4d5e-8f00-123456789abc'])(
    'puts the entry and generation of %s on one slot, whatever the namespace',
    (key) => {
      const { entry, generation } = cacheKeys(key, true);
      const namespaced = (name: string) => `users-posts-api:${name}`;
      expect(calculateSlot(namespaced(generation))).toBe(calculateSlot(namespaced(entry)));
      expect(calculateSlot(namespaced(entry))).toBe(calculateSlot(key));
    },
  );

  it('spreads different resources over different slots', () => {
    const slots = new Set(
      Array.from({ length: 50 }, (_, id) => calculateSlot(cacheKeys(`user:${id}`, true).entry)),
    );
    expect(slots.size).toBeGreaterThan(40);
  });
});
