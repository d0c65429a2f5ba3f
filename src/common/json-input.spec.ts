import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonInputIssue, MAX_JSON_DEPTH } from './json-input';

/** `{a: {a: … {}}}`: `levels` objects, each inside the one before. */
const nested = (levels: number): unknown => {
  let v: unknown = {};
  for (let i = 1; i < levels; i++) v = { a: v };
  return v;
};
const NUL = 'must not contain a NUL character (\\u0000)';
const NUL_KEY = 'must not have a key containing a NUL character (\\u0000)';

describe('jsonInputIssue', () => {
  it('accepts ordinary JSON, including strings, numbers, null and empty containers', () => {
    for (const v of [
      null,
      undefined,
      1,
      true,
      'text',
      '',
      [],
      {},
      { a: [1, 'x', { b: null }] },
      nested(MAX_JSON_DEPTH),
    ])
      assert.equal(jsonInputIssue(v, 'input'), null);
  });

  it('refuses a NUL in any string or key, naming its path and its top-level field', () => {
    assert.deepEqual(jsonInputIssue('a\u0000', 'args'), { field: 'args', message: `args ${NUL}` });
    assert.deepEqual(jsonInputIssue({ a: { b: ['ok', 'x\u0000'] } }, 'args'), {
      field: 'args',
      message: `args.a.b[1] ${NUL}`,
    });
    assert.deepEqual(jsonInputIssue({ a: { 'k\u0000': 1 } }, 'args'), { field: 'args', message: `args.a ${NUL_KEY}` });
    assert.deepEqual(jsonInputIssue(['\u0000'], ''), { field: '', message: `[0] ${NUL}` });
    assert.deepEqual(jsonInputIssue({ a: '\u0000' }, ''), { field: 'a', message: `a ${NUL}` });
    assert.deepEqual(jsonInputIssue({ a: { b: 'x\u0000' } }, ''), { field: 'a', message: `a.b ${NUL}` });
    assert.deepEqual(jsonInputIssue('\u0000', ''), { field: '', message: `value ${NUL}` });
    assert.deepEqual(jsonInputIssue({ 'k\u0000': 1 }, ''), { field: 'k\u0000', message: `value ${NUL_KEY}` });
    assert.deepEqual(jsonInputIssue({ a: { 'k\u0000': 1 } }, ''), { field: 'a', message: `a ${NUL_KEY}` });
  });

  it('is what a plain text field gets too (formerly nulProblem): a string holding NUL, by its field name', () => {
    assert.deepEqual(jsonInputIssue('a\u0000b', 'code'), { field: 'code', message: `code ${NUL}` });
    for (const v of ['ab', '', undefined, null, 5]) assert.equal(jsonInputIssue(v, 'code'), null);
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels, without overflowing on far deeper input`, () => {
    assert.equal(MAX_JSON_DEPTH, 128);
    const deep = jsonInputIssue(nested(MAX_JSON_DEPTH + 1), 'args');
    assert.equal(deep?.field, 'args');
    assert.match(deep?.message ?? '', /^args(\.a)+ is nested more than 128 levels deep$/);
    assert.match(jsonInputIssue(nested(100_000), 'args')?.message ?? '', /is nested more than 128 levels deep$/);
    let arr: unknown = [];
    for (let i = 1; i < 129; i++) arr = [arr];
    assert.match(jsonInputIssue(arr, 'x')?.message ?? '', /^x(\[0\])+ is nested/);
    assert.deepEqual(jsonInputIssue({ schema: nested(MAX_JSON_DEPTH) }, '')?.field, 'schema');
  });

  it('refuses the keys __proto__, constructor and prototype at any depth, naming the field', () => {
    assert.deepEqual(jsonInputIssue(JSON.parse('{"__proto__":{"admin":true}}'), ''), {
      field: '__proto__',
      message: 'value must not have a key named "__proto__" (reserved)',
    });
    assert.deepEqual(jsonInputIssue({ a: [{ constructor: 1 }] }, ''), {
      field: 'a',
      message: 'a[0] must not have a key named "constructor" (reserved)',
    });
    assert.deepEqual(jsonInputIssue({ prototype: 1 }, 'args'), {
      field: 'args',
      message: 'args must not have a key named "prototype" (reserved)',
    });
    assert.equal(jsonInputIssue({ proto: 1, constructors: 2, __proto: 3 }, ''), null);
  });
});
