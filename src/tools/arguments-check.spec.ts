import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argumentsCheck, argumentsSchemaProblem } from './arguments-check';

const check = (schema: Record<string, unknown> | null) => argumentsCheck(schema);

describe('argumentsCheck: a call checked against its input schema', () => {
  const typed = check({
    type: 'object',
    properties: { n: { type: 'number' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['n'],
    additionalProperties: false,
  });

  it('passes arguments that fit, and says what is wrong with those that do not', () => {
    assert.equal(typed({ n: 1 }), null);
    assert.equal(typed({ n: 1.5, unit: 'c' }), null);
    assert.equal(typed({ n: 'x' }), 'arguments/n must be number');
    assert.equal(typed({}), "arguments must have required property 'n'");
    assert.equal(typed({ n: 1, extra: true }), 'arguments must NOT have additional properties');
    assert.equal(typed({ n: 1, unit: 'k' }), 'arguments/unit must be equal to one of the allowed values');
    assert.match(typed({ unit: 2 }) ?? '', /required property 'n'.*arguments\/unit must be string/);
  });

  it('a tool without a schema, or with an open one, takes any object', () => {
    assert.equal(check(null)({ anything: [1, { x: 2 }] }), null);
    assert.equal(check({ type: 'object', properties: {} })({ a: 1 }), null);
  });

  it('reads JSON Schema 2020-12 by default: $defs and $ref, $anchor, allOf/anyOf, if/then/else', () => {
    const c = check({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'addr', type: 'object', properties: { city: { type: 'string' } } } },
      properties: {
        address: { $ref: '#/$defs/address' },
        contactMethod: { enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
    });
    assert.equal(c({ email: 'a@b.c', address: { city: 'Oslo' } }), null);
    assert.match(c({ email: 'a@b.c', address: { city: 7 } }) ?? '', /arguments\/address\/city must be string/);
    assert.match(c({ contactMethod: 'phone', email: 'a@b.c' }) ?? '', /required property 'phone'/);
    assert.equal(c({ email: 'x', pair: ['a', 1] }), null);
    assert.match(c({ email: 'x', pair: ['a', 1, 2] }) ?? '', /arguments\/pair/);
  });

  it('reads draft-07 when $schema says so (tuple items, definitions)', () => {
    const c = check({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      definitions: { id: { type: 'integer' } },
      properties: { id: { $ref: '#/definitions/id' }, pair: { type: 'array', items: [{ type: 'string' }] } },
    });
    assert.equal(c({ id: 3, pair: ['a'] }), null);
    assert.match(c({ id: 3.5 }) ?? '', /arguments\/id must be integer/);
    assert.match(c({ pair: [1] }) ?? '', /arguments\/pair\/0 must be string/);
  });

  it('reads a schema without $schema that only draft-07 can read as draft-07 (tuple items)', () => {
    const c = check({ type: 'object', properties: { pair: { type: 'array', items: [{ type: 'number' }, true] } } });
    assert.equal(c({ pair: [1, 'x'] }), null);
    assert.match(c({ pair: ['x'] }) ?? '', /arguments\/pair\/0 must be number/);
    const strict = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' };
    assert.match(
      argumentsSchemaProblem({ ...strict, properties: { pair: { items: [{ type: 'number' }] } } }) ?? '',
      /input_schema cannot check arguments: items/,
    );
  });

  it('recursive schemas: a tree by $ref to $defs or to the root; a ref that leads nowhere is refused when saved', () => {
    const tree = check({
      type: 'object',
      properties: { name: { type: 'string' }, kids: { type: 'array', items: { $ref: '#' } } },
    });
    assert.equal(tree({ name: 'a', kids: [{ name: 'b', kids: [{ name: 'c' }] }] }), null);
    assert.match(tree({ kids: [{ kids: [{ name: 1 }] }] }) ?? '', /arguments\/kids\/0\/kids\/0\/name must be string/);
    let deep: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 20_000; i++) deep = { kids: [deep] };
    assert.equal(tree(deep), 'arguments are nested too deeply to be checked');
    for (const schema of [
      { type: 'object', $defs: { a: { $ref: '#/$defs/a' } }, properties: { x: { $ref: '#/$defs/a' } } },
      { type: 'object', properties: { x: { $ref: 'https://example.com/elsewhere.json' } } },
      { type: 'object', properties: { x: { $ref: '#/$defs/missing' } } },
    ])
      assert.match(
        argumentsSchemaProblem(schema) ?? '',
        /^input_schema cannot check arguments: /,
        JSON.stringify(schema),
      );
  });

  it('two tools may use the same $id with different schemas', () => {
    const a = check({ $id: 'https://example.com/s', type: 'object', properties: { x: { type: 'string' } } });
    const b = check({ $id: 'https://example.com/s', type: 'object', properties: { x: { type: 'number' } } });
    assert.equal(a({ x: 's' }), null);
    assert.equal(b({ x: 1 }), null);
    assert.notEqual(b({ x: 's' }), null);
  });

  it('caps the errors it reports', () => {
    const properties = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, { type: 'string' }]));
    const c = check({ type: 'object', properties });
    const message = c(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, i]))) ?? '';
    assert.equal(message.split('; ').length, 10);
    assert.match(message, /\(and 20 more\)$/);
  });
});

describe('argumentsCheck takes linear time on what a caller sends', () => {
  it('a catastrophic pattern runs on RE2: an attack string is refused at once', () => {
    const c = check({ type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } });
    const started = performance.now();
    assert.match(c({ s: `${'a'.repeat(50_000)}!` }) ?? '', /must match pattern/);
    assert.equal(c({ s: 'aaaa' }), null);
    assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  });

  it('patternProperties too', () => {
    const c = check({ type: 'object', patternProperties: { '^(x+x+)+y$': { type: 'number' } } });
    const started = performance.now();
    assert.equal(c({ [`${'x'.repeat(40_000)}`]: 'not checked: the name does not match' }), null);
    assert.match(c({ xxy: 'a' }) ?? '', /must be number/);
    assert.ok(performance.now() - started < 1000);
  });

  it('uniqueItems compares canonical texts, not every pair: 100 000 objects, and key order does not hide a duplicate', () => {
    const c = check({ type: 'object', properties: { list: { type: 'array', uniqueItems: true } } });
    const list = Array.from({ length: 100_000 }, (_, i) => ({ id: i, tags: ['a'] }));
    const started = performance.now();
    assert.equal(c({ list }), null);
    assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`);
    assert.match(
      c({
        list: [
          { a: 1, b: 2 },
          { b: 2, a: 1 },
        ],
      }) ?? '',
      /must not have duplicate items/,
    );
    assert.equal(c({ list: [1, '1', [1], { 1: 1 }] }), null);
  });

  it('a schema whose pattern RE2 cannot run is refused when saved, naming the pattern', () => {
    for (const pattern of ['^(a)\\1$', '^(?=.*\\d).+$', '(?<!x)y', 'x{0,1001}', '(']) {
      const schema = { type: 'object', properties: { s: { type: 'string', pattern } } };
      assert.match(
        argumentsSchemaProblem(schema) ?? '',
        /^input_schema cannot check arguments: pattern .* is not one RE2 can check in linear time/,
        pattern,
      );
    }
    for (const pattern of ['^[a-z0-9-]{1,32}$', '^\\p{L}+$', '^\\d{4}-\\d{2}-\\d{2}$', '^[^@\\s]+@[^@\\s]+$'])
      assert.equal(argumentsSchemaProblem({ type: 'object', properties: { s: { pattern } } }), null, pattern);
  });

  it('each pattern of a schema is its own (several patterns, Unicode classes)', () => {
    const c = check({
      type: 'object',
      properties: { slug: { pattern: '^[a-z-]{1,8}$' }, word: { pattern: '^\\p{L}+$' }, year: { pattern: '^\\d{4}$' } },
    });
    assert.equal(c({ slug: 'a-b', word: 'héllo', year: '2026' }), null);
    assert.equal(c({ slug: 'A', word: 'héllo', year: '2026' }), 'arguments/slug must match pattern "^[a-z-]{1,8}$"');
    assert.equal(c({ slug: 'a', word: 'h3', year: '2026' }), 'arguments/word must match pattern "^\\p{L}+$"');
    assert.equal(c({ slug: 'a', word: 'h', year: '26' }), 'arguments/year must match pattern "^\\d{4}$"');
  });

  it('a stored schema that cannot be checked checks nothing (its tool stays callable) and says why', () => {
    const why: string[] = [];
    const c = argumentsCheck({ type: 'object', properties: { s: { pattern: '(a)\\1' } } }, (w) => void why.push(w));
    assert.equal(c({ s: 'anything' }), null);
    assert.match(why[0] ?? '', /RE2/);
  });
});
