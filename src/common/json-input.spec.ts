import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonInputProblem, MAX_JSON_DEPTH, nulProblem } from './json-input';

/** `{a: {a: … {}}}`: `levels` objects, each inside the one before. */
const nested = (levels: number): unknown => {
  let v: unknown = {};
  for (let i = 1; i < levels; i++) v = { a: v };
  return v;
};

describe('jsonInputProblem', () => {
  it('accepts ordinary JSON, including strings, numbers, null and empty containers', () => {
    for (const v of [null, 1, true, 'text', [], {}, { a: [1, 'x', { b: null }] }, nested(MAX_JSON_DEPTH)])
      assert.equal(jsonInputProblem(v, 'input'), null);
  });

  it('refuses a NUL in any string or key, naming its path', () => {
    assert.equal(jsonInputProblem('a\u0000', 'args'), 'args must not contain a NUL character (\\u0000)');
    assert.equal(
      jsonInputProblem({ a: { b: ['ok', 'x\u0000'] } }, 'args'),
      'args.a.b[1] must not contain a NUL character (\\u0000)',
    );
    assert.equal(
      jsonInputProblem({ a: { 'k\u0000': 1 } }, 'args'),
      'args.a must not have a key containing a NUL character (\\u0000)',
    );
    assert.equal(jsonInputProblem(['\u0000'], ''), '[0] must not contain a NUL character (\\u0000)');
    assert.equal(jsonInputProblem({ a: '\u0000' }, ''), 'a must not contain a NUL character (\\u0000)');
    assert.equal(jsonInputProblem('\u0000', ''), 'value must not contain a NUL character (\\u0000)');
    assert.equal(
      jsonInputProblem({ 'k\u0000': 1 }, ''),
      'value must not have a key containing a NUL character (\\u0000)',
    );
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels, without overflowing on far deeper input`, () => {
    assert.equal(MAX_JSON_DEPTH, 128);
    assert.match(
      jsonInputProblem(nested(MAX_JSON_DEPTH + 1), 'args') ?? '',
      /^args(\.a)+ is nested more than 128 levels deep$/,
    );
    assert.match(jsonInputProblem(nested(100_000), 'args') ?? '', /is nested more than 128 levels deep$/);
    let arr: unknown = [];
    for (let i = 1; i < 129; i++) arr = [arr];
    assert.match(jsonInputProblem(arr, 'x') ?? '', /^x(\[0\])+ is nested/);
  });
});

describe('nulProblem', () => {
  it('names the field of a string holding NUL; anything else is fine', () => {
    assert.equal(nulProblem('a\u0000b', 'code'), 'code must not contain a NUL character (\\u0000)');
    for (const v of ['ab', '', undefined, null, 5, ['\u0000']]) assert.equal(nulProblem(v, 'code'), null);
  });
});
