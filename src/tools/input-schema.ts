import type { AssignmentPattern, Expression, ObjectPattern, Pattern } from 'acorn';
import type { JsonSchema } from './entities/tool.entity';

/**
 * A tool's input schema: what the MCP client sees in `tools/list` and what `main` receives.
 * Two rules live here: the structural check of a given schema (that every call's arguments
 * can be checked against it is `checkArgumentsSchema`, off the event loop), and the schema derived
 * from `main`'s destructured parameter when none is given (docs/sandbox.md#tool-code).
 */

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const MAX_DEPTH = 32;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Null when `schema` is an acceptable tool input schema, else the reason (naming input_schema). */
export function inputSchemaProblem(schema: unknown): string | null {
  if (!isPlainObject(schema)) return 'input_schema must be a JSON Schema object';
  if (schema.type !== 'object') return "input_schema.type must be 'object' (a tool receives an arguments object)";
  const bytes = Buffer.byteLength(JSON.stringify(schema));
  if (bytes > MAX_INPUT_SCHEMA_BYTES)
    return `input_schema is ${bytes} bytes as JSON; the limit is ${MAX_INPUT_SCHEMA_BYTES} (32 KiB)`;
  return subschemaProblem(schema, 'input_schema', 0);
}

/**
 * The largest input schema, as JSON. Compiling the check of a call's arguments costs about
 * 10 ms per KiB of schema (arguments-check.ts); real tools need a few KiB.
 */
export const MAX_INPUT_SCHEMA_BYTES = 32 * 1024;

function subschemaProblem(s: unknown, path: string, depth: number): string | null {
  if (typeof s === 'boolean') return null;
  if (!isPlainObject(s)) return `${path} must be a JSON Schema (an object or a boolean)`;
  if (depth > MAX_DEPTH) return `${path} is nested more than ${MAX_DEPTH} levels deep`;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.length === 0 || !types.every((t) => typeof t === 'string' && JSON_TYPES.has(t))) {
      return `${path}.type must be one of ${[...JSON_TYPES].join(', ')} (or an array of them)`;
    }
  }
  if (s.properties !== undefined) {
    if (!isPlainObject(s.properties)) return `${path}.properties must be an object mapping names to schemas`;
    for (const [name, sub] of Object.entries(s.properties)) {
      const p = subschemaProblem(sub, `${path}.properties.${name}`, depth + 1);
      if (p) return p;
    }
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || !s.required.every((r) => typeof r === 'string'))
      return `${path}.required must be an array of property names`;
    if (new Set(s.required).size !== s.required.length) return `${path}.required must not repeat a name`;
  }
  if (s.items !== undefined) {
    const items = Array.isArray(s.items) ? s.items : [s.items];
    for (const [i, sub] of items.entries()) {
      const p = subschemaProblem(sub, Array.isArray(s.items) ? `${path}.items[${i}]` : `${path}.items`, depth + 1);
      if (p) return p;
    }
  }
  for (const key of ['additionalProperties', 'not'] as const) {
    if (s[key] !== undefined) {
      const p = subschemaProblem(s[key], `${path}.${key}`, depth + 1);
      if (p) return p;
    }
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (s[key] === undefined) continue;
    const list = s[key];
    if (!Array.isArray(list) || list.length === 0) return `${path}.${key} must be a non-empty array of schemas`;
    for (const [i, sub] of list.entries()) {
      const p = subschemaProblem(sub, `${path}.${key}[${i}]`, depth + 1);
      if (p) return p;
    }
  }
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0))
    return `${path}.enum must be a non-empty array`;
  if (s.description !== undefined && typeof s.description !== 'string') return `${path}.description must be a string`;
  return null;
}

/** The schema of a `main` without parameters, or with a plain identifier: any arguments object. */
export const OPEN_INPUT_SCHEMA: JsonSchema = Object.freeze({ type: 'object', properties: {} }) as JsonSchema;

/**
 * Derives the input schema from `main`'s first parameter: keys of a destructured object
 * become properties; a default makes a key optional and gives its type (and default
 * value when it is a literal); a key without a default is required with an open type.
 */
export function deriveInputSchema(param: Pattern | undefined): JsonSchema {
  if (!param) return { ...OPEN_INPUT_SCHEMA, properties: {} };
  const inner = param.type === 'AssignmentPattern' ? param.left : param;
  if (inner.type !== 'ObjectPattern') return { ...OPEN_INPUT_SCHEMA, properties: {} };
  return objectPatternSchema(inner, 0);
}

function objectPatternSchema(pattern: ObjectPattern, depth: number): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  let rest = false;
  for (const prop of pattern.properties) {
    if (prop.type === 'RestElement') {
      rest = true;
      continue;
    }
    const name = propertyName(prop.key, prop.computed);
    if (name === null) continue;
    const { schema, optional } = patternSchema(prop.value, depth + 1);
    properties[name] = schema;
    if (!optional) required.push(name);
  }
  const schema: JsonSchema = { type: 'object', properties };
  if (required.length) schema.required = required;
  if (rest) schema.additionalProperties = true;
  return schema;
}

function patternSchema(pattern: Pattern, depth: number): { schema: JsonSchema; optional: boolean } {
  if (pattern.type === 'AssignmentPattern') return { schema: defaultedSchema(pattern, depth), optional: true };
  if (pattern.type === 'ObjectPattern' && depth < MAX_DEPTH)
    return { schema: objectPatternSchema(pattern, depth), optional: false };
  if (pattern.type === 'ArrayPattern') return { schema: { type: 'array' }, optional: false };
  return { schema: {}, optional: false };
}

function defaultedSchema(pattern: AssignmentPattern, depth: number): JsonSchema {
  if (pattern.left.type === 'ObjectPattern' && depth < MAX_DEPTH) return objectPatternSchema(pattern.left, depth);
  const literal = literalValue(pattern.right);
  if (literal.known) {
    const v = literal.value;
    if (typeof v === 'string') return { type: 'string', default: v };
    if (typeof v === 'number') return { type: 'number', default: v };
    if (typeof v === 'boolean') return { type: 'boolean', default: v };
    return {};
  }
  if (pattern.right.type === 'ArrayExpression') return { type: 'array' };
  if (pattern.right.type === 'ObjectExpression') return { type: 'object' };
  return {};
}

function propertyName(key: Expression | { type: string }, computed: boolean): string | null {
  if (computed) return null;
  if (key.type === 'Identifier') return (key as { name: string }).name;
  if (key.type === 'Literal') {
    const v = (key as { value: unknown }).value;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  }
  return null;
}

/** The value of a literal default (`"metric"`, `5`, `-1`, `true`, `` `x` ``), if it is one. */
function literalValue(e: Expression): { known: true; value: string | number | boolean | null } | { known: false } {
  if (e.type === 'Literal') {
    const v = e.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null)
      return { known: true, value: v };
    return { known: false };
  }
  if (e.type === 'TemplateLiteral' && e.expressions.length === 0)
    return { known: true, value: e.quasis[0]?.value.cooked ?? '' };
  if (
    e.type === 'UnaryExpression' &&
    e.operator === '-' &&
    e.argument.type === 'Literal' &&
    typeof e.argument.value === 'number'
  ) {
    return { known: true, value: -e.argument.value };
  }
  return { known: false };
}
