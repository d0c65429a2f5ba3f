import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('holds at most `max` entries and drops the least recently used one', () => {
    const c = new LruCache<string, number>(3);
    assert.equal(c.set('a', 1), undefined);
    c.set('b', 2);
    c.set('c', 3);
    assert.equal(c.get('a'), 1, 'a is now the most recently used');
    assert.deepEqual(c.set('d', 4), ['b', 2]);
    assert.equal(c.size, 3);
    assert.equal(c.get('b'), undefined);
    assert.deepEqual([c.get('a'), c.get('c'), c.get('d')], [1, 3, 4]);
    for (let i = 0; i < 1000; i++) c.set(`k${i}`, i);
    assert.equal(c.size, 3);
  });

  it('re-setting a key replaces it without growing, and delete/clear empty it', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('a', 2);
    assert.equal(c.size, 1);
    assert.equal(c.get('a'), 2);
    assert.equal(c.delete('a'), true);
    c.set('b', 1);
    c.clear();
    assert.equal(c.size, 0);
    assert.throws(() => new LruCache(0), RangeError);
  });
});
