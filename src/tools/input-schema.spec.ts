import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, type FunctionDeclaration, type Pattern } from 'acorn';
import { deriveInputSchema, inputSchemaProblem, OPEN_INPUT_SCHEMA } from './input-schema';

/** `main`'s first parameter, as the code analysis hands it over. */
const param = (params: string): Pattern | undefined =>
  (parse(`function main(${params}) {}`, { ecmaVersion: 'latest' }).body[0] as FunctionDeclaration).params[0];
const derive = (params: string) => deriveInputSchema(param(params));
const objectSchema = (extra: Record<string, unknown>) => ({ type: 'object', ...extra });
const problem = (schema: Record<string, unknown>) => inputSchemaProblem(objectSchema(schema));

describe('inputSchemaProblem', () => {
  it('accepts a tool input schema using the usual keywords', () => {
    assert.equal(
      problem({
        description: 'Arguments',
        properties: {
          city: { type: 'string', description: 'City name', enum: ['Oslo', 'Rome'] },
          units: { type: ['string', 'null'] },
          tags: { type: 'array', items: { type: 'string' } },
          pair: { type: 'array', items: [{ type: 'number' }, true] },
          any: true,
          none: false,
          choice: { anyOf: [{ type: 'string' }, { type: 'integer' }], not: { type: 'null' } },
          both: { allOf: [{}], oneOf: [{ type: 'boolean' }] },
        },
        required: ['city'],
        additionalProperties: false,
      }),
      null,
    );
    assert.equal(inputSchemaProblem({ type: 'object' }), null);
  });

  it('the root is an object schema of type object', () => {
    for (const s of [null, [], 'object', 1, true])
      assert.equal(inputSchemaProblem(s), 'input_schema must be a JSON Schema object');
    for (const s of [{}, { type: 'string' }, { type: ['object'] }])
      assert.equal(inputSchemaProblem(s), "input_schema.type must be 'object' (a tool receives an arguments object)");
  });

  it('names the path of the first bad subschema', () => {
    assert.equal(
      problem({ properties: { a: { properties: { b: 5 } } } }),
      'input_schema.properties.a.properties.b must be a JSON Schema (an object or a boolean)',
    );
    assert.equal(
      problem({ properties: { a: { items: null } } }),
      'input_schema.properties.a.items must be a JSON Schema (an object or a boolean)',
    );
    assert.equal(
      problem({ properties: { a: { items: [{}, 'x'] } } }),
      'input_schema.properties.a.items[1] must be a JSON Schema (an object or a boolean)',
    );
    assert.equal(
      problem({ additionalProperties: [] }),
      'input_schema.additionalProperties must be a JSON Schema (an object or a boolean)',
    );
    assert.equal(problem({ not: 'x' }), 'input_schema.not must be a JSON Schema (an object or a boolean)');
    assert.equal(
      problem({ properties: { a: {}, b: true, c: 5 } }),
      'input_schema.properties.c must be a JSON Schema (an object or a boolean)',
    );
    assert.equal(
      problem({ additionalProperties: {}, not: 'x' }),
      'input_schema.not must be a JSON Schema (an object or a boolean)',
    );
    assert.equal(problem({ oneOf: [true, 3] }), 'input_schema.oneOf[1] must be a JSON Schema (an object or a boolean)');
  });

  it('type is one JSON type or a non-empty array of them', () => {
    const message = (path: string) =>
      `${path}.type must be one of string, number, integer, boolean, object, array, null (or an array of them)`;
    for (const type of ['text', [], ['string', 'text'], [1], 5])
      assert.equal(problem({ properties: { a: { type } } }), message('input_schema.properties.a'), String(type));
  });

  it('properties is an object, required a list of distinct names', () => {
    for (const properties of [[], 'a', null])
      assert.equal(problem({ properties }), 'input_schema.properties must be an object mapping names to schemas');
    for (const required of ['a', [1], {}, null])
      assert.equal(problem({ required }), 'input_schema.required must be an array of property names');
    assert.equal(problem({ required: ['a', 'b', 'a'] }), 'input_schema.required must not repeat a name');
    assert.equal(problem({ required: [] }), null);
  });

  it('anyOf, oneOf and allOf are non-empty arrays; enum is a non-empty array', () => {
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      for (const v of [[], {}, true])
        assert.equal(problem({ [key]: v }), `input_schema.${key} must be a non-empty array of schemas`);
    for (const v of [[], 'a', null])
      assert.equal(
        problem({ properties: { a: { enum: v } } }),
        'input_schema.properties.a.enum must be a non-empty array',
      );
  });

  it('description is a string', () => {
    assert.equal(problem({ description: 5 }), 'input_schema.description must be a string');
  });

  it('nesting is bounded at 32 levels', () => {
    const chain = (levels: number) => {
      let s: Record<string, unknown> = {};
      for (let i = 0; i < levels; i++) s = { properties: { a: s } };
      return s;
    };
    assert.equal(problem(chain(32)), null);
    assert.match(problem(chain(33)) ?? '', /^input_schema(\.properties\.a){33} is nested more than 32 levels deep$/);
    let items: unknown = {};
    for (let i = 0; i < 40; i++) items = { items: items };
    assert.match(problem(items as Record<string, unknown>) ?? '', /is nested more than 32 levels deep$/);
    for (const key of ['additionalProperties', 'not', 'anyOf']) {
      let s: unknown = {};
      for (let i = 0; i < 40; i++) s = { [key]: key === 'anyOf' ? [s] : s };
      assert.match(problem(s as Record<string, unknown>) ?? '', /is nested more than 32 levels deep$/, key);
    }
  });
});

describe('deriveInputSchema', () => {
  it('no parameter, or one that is not destructured: any arguments object (a fresh copy each time)', () => {
    for (const params of ['', 'args', 'args = {}', '[a]', '...rest']) {
      const s = derive(params);
      assert.deepEqual(s, { type: 'object', properties: {} }, params);
      assert.notEqual(s, OPEN_INPUT_SCHEMA);
      assert.notEqual(s.properties, OPEN_INPUT_SCHEMA.properties);
    }
    assert.ok(Object.isFrozen(OPEN_INPUT_SCHEMA));
  });

  it('a destructured object, with or without a default for the whole', () => {
    const expected = { type: 'object', properties: { city: {} }, required: ['city'] };
    assert.deepEqual(derive('{ city }'), expected);
    assert.deepEqual(derive('{ city } = {}'), expected);
  });

  it('a key without a default is required; with one it is optional and typed by its literal', () => {
    assert.deepEqual(
      derive(
        '{ a, s = "x", t = `y`, n = 5, neg = -2.5, b = false, nu = null, list = [1], obj = { k: 1 }, call = f() }',
      ),
      {
        type: 'object',
        properties: {
          a: {},
          s: { type: 'string', default: 'x' },
          t: { type: 'string', default: 'y' },
          n: { type: 'number', default: 5 },
          neg: { type: 'number', default: -2.5 },
          b: { type: 'boolean', default: false },
          nu: {},
          list: { type: 'array' },
          obj: { type: 'object' },
          call: {},
        },
        required: ['a'],
      },
    );
  });

  it('defaults that are not plain literals give no type', () => {
    assert.deepEqual(
      derive('{ r = /x/, big = 1n, tpl = `a${x}`, minus = -"x", notNum = !0, v = void 0, id = other, sum = 5 - 3 }'),
      {
        type: 'object',
        properties: { r: {}, big: {}, tpl: {}, minus: {}, notNum: {}, v: {}, id: {}, sum: {} },
      },
    );
  });

  it('keys written as strings or numbers count; computed keys cannot be known', () => {
    assert.deepEqual(derive('{ "my-key": a, 1: b, [k]: c, 2n: big, d: renamed }'), {
      type: 'object',
      properties: { 'my-key': {}, '1': {}, d: {} },
      required: ['my-key', '1', 'd'],
    });
  });

  it('nested objects and arrays; a rest element opens the object', () => {
    assert.deepEqual(derive('{ place: { lat, lon = 0 }, opts: { verbose = true } = {}, pair: [x, y], ...rest }'), {
      type: 'object',
      properties: {
        place: { type: 'object', properties: { lat: {}, lon: { type: 'number', default: 0 } }, required: ['lat'] },
        opts: { type: 'object', properties: { verbose: { type: 'boolean', default: true } } },
        pair: { type: 'array' },
      },
      required: ['place', 'pair'],
      additionalProperties: true,
    });
  });

  it('nesting is followed 32 levels deep, no further', () => {
    const depth = (params: string) => {
      let s = derive(params) as { properties?: { a?: unknown } };
      let d = 0;
      while (s.properties?.a) {
        s = s.properties.a as typeof s;
        d++;
      }
      return { d, innermost: s };
    };
    let plain = '{ a }';
    let defaulted = '{ a }';
    for (let i = 0; i < 40; i++) {
      plain = `{ a: ${plain} }`;
      defaulted = `{ a: ${defaulted} = {} }`;
    }
    assert.deepEqual(depth(plain), { d: 32, innermost: {} });
    assert.deepEqual(depth(defaulted), { d: 32, innermost: { type: 'object' } });
    let shallow = '{ a }';
    for (let i = 0; i < 30; i++) shallow = `{ a: ${shallow} }`;
    assert.deepEqual(depth(shallow).d, 31);
  });
});
