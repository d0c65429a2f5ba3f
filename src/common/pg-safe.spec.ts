import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pgJson, pgText } from './pg-safe';

describe('pgText and pgJson: values PostgreSQL takes', () => {
  it('text: NUL becomes U+FFFD; everything else, null included, is kept', () => {
    assert.equal(pgText('a\u0000b\u0000'), 'a\uFFFDb\uFFFD');
    assert.equal(pgText('plain \ud800 text'), 'plain \ud800 text');
    assert.equal(pgText(null), null);
  });

  it('JSON: NUL and lone surrogates in values and keys become U+FFFD; pairs, escapes and other text are kept', () => {
    const value = {
      'k\u0000': ['a\u0000', 'lone \ud800 high', 'lone \udc00 low', 'pair 😀', 'tab\tline\n', '\\u0000 literal'],
    };
    assert.deepEqual(JSON.parse(pgJson(value) as string), {
      'k\uFFFD': ['a\uFFFD', 'lone \uFFFD high', 'lone \uFFFD low', 'pair 😀', 'tab\tline\n', '\\u0000 literal'],
    });
    assert.doesNotMatch(pgJson(value) as string, /(?<!\\)\\u0000|\\ud[89a-f]/);
    const plain = { a: [1, 'two', null, { b: true }], '\\u0000': 'a key that only looks like an escape' };
    assert.equal(pgJson(plain), JSON.stringify(plain));
    assert.equal(pgJson(undefined), null);
    assert.equal(pgJson(null), null);
  });
});
