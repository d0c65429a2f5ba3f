import type { Type } from '@nestjs/common';
import { TransformationType } from 'class-transformer';
import type { MetadataStorage as TransformerStorage } from 'class-transformer/types/MetadataStorage';
import {
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
  ARRAY_NOT_EMPTY,
  ARRAY_UNIQUE,
  EQUALS,
  getMetadataStorage,
  IS_ARRAY,
  IS_BOOLEAN,
  IS_ENUM,
  IS_IN,
  IS_INT,
  IS_LENGTH,
  IS_NUMBER,
  IS_OBJECT,
  IS_OPTIONAL,
  IS_STRING,
  IS_UUID,
  MATCHES,
  MAX,
  MAX_LENGTH,
  MIN,
  MIN_LENGTH,
  ValidationTypes,
} from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { CLASS_RULE_PROPERTY, NEUTRAL_TRANSFORMS, ruleSchemaFragment, type SchemaFragment } from './input-rules';

// class-transformer keeps its storage in a file its package does not export a type for.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: TransformerStorage;
};

export type JsonSchema = Record<string, unknown>;

const SWAGGER_PROPERTY = 'swagger/apiModelProperties';
const UUID_HEX = '[0-9A-Fa-f]';
const uuidPattern = (version: string | number | undefined) => {
  const v = version === undefined || version === null || version === 'all' ? UUID_HEX : String(version);
  if (!/^[0-9A-Fa-f]$/.test(v) && v !== UUID_HEX) throw new Error(`IsUUID version ${v} has no schema`);
  return `^${UUID_HEX}{8}-${UUID_HEX}{4}-${v}${UUID_HEX}{3}-${v === UUID_HEX ? UUID_HEX : '[89ABab]'}${UUID_HEX}{3}-${UUID_HEX}{12}$`;
};

/** class-validator's own rules, by name. Constraints are as the decorator recorded them. */
const BUILT_IN: Record<string, (c: unknown[]) => SchemaFragment> = {
  [IS_STRING]: () => ({ type: 'string' }),
  [IS_INT]: () => ({ type: 'integer' }),
  [IS_NUMBER]: () => ({ type: 'number' }),
  [IS_BOOLEAN]: () => ({ type: 'boolean' }),
  [IS_OBJECT]: () => ({ type: 'object' }),
  [IS_ARRAY]: () => ({ type: 'array' }),
  [IS_IN]: ([values]) => ({ enum: [...(values as unknown[])] }),
  [IS_ENUM]: ([entity]) => ({ enum: Object.values(entity as object) }),
  [EQUALS]: ([value]) => ({ const: value }),
  [MIN]: ([n]) => ({ type: 'number', minimum: n }),
  [MAX]: ([n]) => ({ type: 'number', maximum: n }),
  [MIN_LENGTH]: ([n]) => ({ type: 'string', minLength: n }),
  [MAX_LENGTH]: ([n]) => ({ type: 'string', maxLength: n }),
  [IS_LENGTH]: ([min, max]) => ({ type: 'string', minLength: min, ...(max === undefined ? {} : { maxLength: max }) }),
  [MATCHES]: ([pattern, modifiers]) => ({ type: 'string', pattern: patternSource(pattern, modifiers) }),
  [IS_UUID]: ([version]) => ({ type: 'string', format: 'uuid', pattern: uuidPattern(version as string | undefined) }),
  [ARRAY_MAX_SIZE]: ([n]) => ({ type: 'array', maxItems: n }),
  [ARRAY_MIN_SIZE]: ([n]) => ({ type: 'array', minItems: n }),
  [ARRAY_NOT_EMPTY]: () => ({ type: 'array', minItems: 1 }),
  [ARRAY_UNIQUE]: () => ({ type: 'array', uniqueItems: true }),
};

function patternSource(pattern: unknown, modifiers: unknown): string {
  const flags = `${pattern instanceof RegExp ? pattern.flags : ''}${typeof modifiers === 'string' ? modifiers : ''}`;
  // Only the unicode flag keeps the meaning in JSON Schema (ECMA-262 patterns, searched unanchored, with 'u').
  if (flags.replace(/u/g, '')) throw new Error(`a Matches pattern with flags "${flags}" has no JSON Schema`);
  return pattern instanceof RegExp ? pattern.source : String(pattern);
}

/**
 * The JSON Schema (draft 2020-12) of an input DTO, from its class-validator metadata: what
 * an MCP client sees as a tool's `inputSchema`. Descriptions and defaults come from the
 * `@ApiProperty` documentation. A rule the generator does not know (a decorator without a
 * schema, a `@ValidateIf` with a real condition, a value-changing `@Transform`) throws:
 * the schema is never silently looser than the validation.
 *
 * Where JSON Schema cannot say all a rule checks (UTF-8 bytes, the inner rules of a tool's
 * input_schema or of a host name) the fragment says the part it can, and `validateInput`
 * stays the judge. So does the pre-check of every value for NUL characters, nesting depth
 * and reserved keys inside free-form objects.
 */
export function inputJsonSchema(dto: Type<object>): JsonSchema {
  return objectSchema(dto, new Set());
}

function objectSchema(dto: Type<object>, seen: Set<Type<object>>): JsonSchema {
  if (seen.has(dto)) throw new Error(`inputJsonSchema: ${dto.name} contains itself`);
  const inner = new Set(seen).add(dto);
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const m of metadatas) byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);

  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const classRules: JsonSchema[] = [];
  for (const [property, rules] of byProperty) {
    const where = `${dto.name}.${property}`;
    if (property === CLASS_RULE_PROPERTY) {
      for (const r of rules) classRules.push(fragmentOf(r, where));
      continue;
    }
    checkTransforms(dto, property, where);
    const { schema, optional } = propertySchema(dto, property, rules, where, inner);
    properties[property] = schema;
    if (!optional) required.push(property);
  }
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
    ...(classRules.length === 1 ? classRules[0] : classRules.length ? { allOf: classRules } : {}),
  };
}

function propertySchema(
  dto: Type<object>,
  property: string,
  rules: ValidationMetadata[],
  where: string,
  seen: Set<Type<object>>,
): { schema: JsonSchema; optional: boolean } {
  let optional = false;
  let nullable = false;
  let own: JsonSchema = {};
  let items: JsonSchema | undefined;
  for (const rule of rules) {
    if (rule.groups?.length || rule.validateIf) throw unsupported(where, `${ruleName(rule)} with groups or validateIf`);
    switch (rule.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        if (rule.name === IS_OPTIONAL) [optional, nullable] = [true, true];
        else if (skipsOnlyWhenAbsent(rule, property)) optional = true;
        else throw unsupported(where, '@ValidateIf with a condition other than "value !== undefined"');
        continue;
      case ValidationTypes.IS_DEFINED:
        continue;
      case ValidationTypes.WHITELIST:
        continue;
      case ValidationTypes.NESTED_VALIDATION: {
        const type = defaultMetadataStorage.findTypeMetadata(dto, property)?.typeFunction();
        if (typeof type !== 'function') throw unsupported(where, '@ValidateNested without @Type(() => Class)');
        const nested = objectSchema(type as Type<object>, seen);
        if (rules.some((r) => r.name === IS_ARRAY)) items = merge(items ?? {}, nested, where);
        else own = merge(own, nested, where);
        continue;
      }
      default: {
        const fragment = fragmentOf(rule, where);
        if (rule.each) items = merge(items ?? {}, fragment, where);
        else own = merge(own, fragment, where);
      }
    }
  }
  if (items) own = merge(own, { type: 'array', items }, where);
  const doc = Reflect.getMetadata(SWAGGER_PROPERTY, dto.prototype, property) as
    { description?: string; default?: unknown } | undefined;
  if (nullable) own = withNull(own);
  if (doc?.description) own.description = doc.description;
  if (doc?.default !== undefined) own.default = doc.default;
  return { schema: own, optional };
}

function fragmentOf(rule: ValidationMetadata, where: string): SchemaFragment {
  if (rule.type !== ValidationTypes.CUSTOM_VALIDATION || !rule.name) throw unsupported(where, ruleName(rule));
  const constraints = rule.constraints ?? [];
  const fragment = BUILT_IN[rule.name]?.(constraints) ?? ruleSchemaFragment(rule.name, constraints);
  if (!fragment) throw unsupported(where, ruleName(rule));
  return fragment;
}

/** Two fragments of one property: both must hold. Types meet (integer within number); other keys must agree. */
function merge(a: JsonSchema, b: JsonSchema, where: string): JsonSchema {
  const out: JsonSchema = { ...a };
  for (const [key, value] of Object.entries(b)) {
    if (!(key in out)) out[key] = value;
    else if (key === 'type') out.type = meetTypes(out.type, value, where);
    else if (key === 'minimum' || key === 'minLength' || key === 'minItems')
      out[key] = Math.max(out[key] as number, value as number);
    else if (key === 'maximum' || key === 'maxLength' || key === 'maxItems')
      out[key] = Math.min(out[key] as number, value as number);
    else if (key === 'items') out.items = merge(out.items as JsonSchema, value as JsonSchema, where);
    else if (JSON.stringify(out[key]) !== JSON.stringify(value)) {
      out.allOf = [...((out.allOf as JsonSchema[]) ?? []), { [key]: value }];
    }
  }
  return out;
}

function meetTypes(a: unknown, b: unknown, where: string): unknown {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('integer') && pair.has('number')) return 'integer';
  throw new Error(`inputJsonSchema: ${where} has rules of two types (${String(a)} and ${String(b)})`);
}

function withNull(schema: JsonSchema): JsonSchema {
  const out = { ...schema };
  if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  if ('const' in out) return { anyOf: [out, { type: 'null' }] };
  return out;
}

/**
 * A `@ValidateIf` whose condition is "the value is not undefined" (OptionalNotNull, or the
 * mapped types' PartialType): the property may be left out, null is judged by the other rules.
 */
function skipsOnlyWhenAbsent(rule: ValidationMetadata, property: string): boolean {
  const condition = rule.constraints?.[0] as ((o: object, v: unknown) => boolean) | undefined;
  if (typeof condition !== 'function') return false;
  const probe = (v: unknown) => condition({ [property]: v }, v);
  return probe(undefined) === false && [null, 0, '', false, 'x', {}].every((v) => probe(v) === true);
}

function checkTransforms(dto: Type<object>, property: string, where: string): void {
  const transforms = defaultMetadataStorage.findTransformMetadatas(dto, property, TransformationType.PLAIN_TO_CLASS);
  for (const t of transforms)
    if (!NEUTRAL_TRANSFORMS.has(t.transformFn)) throw unsupported(where, 'a @Transform that changes values');
}

const ruleName = (rule: ValidationMetadata) => `@${rule.name ?? rule.type}`;

function unsupported(where: string, what: string): Error {
  return new Error(
    `inputJsonSchema: ${where} uses ${what}, which has no JSON Schema here; define the rule with defineInputRule (common/contract/input-rules.ts) so its schema is known`,
  );
}
