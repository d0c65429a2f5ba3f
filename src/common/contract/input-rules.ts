import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import {
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateIf,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { NAME_MAX, NAME_PATTERN } from '../limits';

/**
 * Our own class-validator rules. Each says what it checks AND what it means in JSON
 * Schema, so the one definition of an input (its DTO class) gives both the validation
 * (`validateInput`) and the schema an MCP client sees (`inputJsonSchema`). The generator
 * knows class-validator's own decorators and the rules defined here; anything else makes
 * it throw instead of emitting a looser schema.
 */
export type SchemaFragment = Record<string, unknown>;
type Constraints = readonly unknown[];

interface RuleDefinition<C extends Constraints> {
  /** Unique: the name class-validator records and the generator looks up. */
  name: string;
  validate: (value: unknown, constraints: C, args: ValidationArguments) => boolean;
  /** The problem, naming the property; never quoting the value (it may be a secret). */
  message: (property: string, constraints: C, args: ValidationArguments) => string;
  schema: (constraints: C) => SchemaFragment;
}

const schemaFragments = new Map<string, (constraints: Constraints) => SchemaFragment>();

/** The JSON Schema fragment of a rule defined with `defineInputRule`, by its class-validator name. */
export function ruleSchemaFragment(name: string, constraints: Constraints): SchemaFragment | undefined {
  return schemaFragments.get(name)?.(constraints);
}

/** Defines a custom rule once (at module load); returns the factory of its property decorator. */
export function defineInputRule<C extends Constraints>(
  rule: RuleDefinition<C>,
): (constraints: C, options?: ValidationOptions) => PropertyDecorator {
  if (schemaFragments.has(rule.name)) throw new Error(`Input rule ${rule.name} is defined twice`);
  schemaFragments.set(rule.name, rule.schema as (c: Constraints) => SchemaFragment);
  return (constraints, options) => (target, propertyKey) =>
    registerDecorator({
      name: rule.name,
      target: target.constructor,
      propertyName: propertyKey as string,
      constraints: [...constraints],
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => rule.validate(value, constraints, args),
        defaultMessage: (args: ValidationArguments) => rule.message(args.property, constraints, args),
      },
    });
}

// ── absence ─────────────────────────────────────────────────────────────────────────

/**
 * The property may be left out, but null is not a value for it (class-validator's
 * `@IsOptional()` also lets null through: use that where null means something, e.g.
 * "no description" or "the server default").
 */
export const OptionalNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/**
 * A class-level rule is recorded on this pseudo-property, so that it travels with the
 * class's validation metadata (mapped types such as IntersectionType copy that metadata).
 * A client sending the key itself is refused like any unknown field.
 */
export const CLASS_RULE_PROPERTY = '$';

interface AtLeastOneOfConstraint {
  fields: readonly string[];
  message: string;
}

const AT_LEAST_ONE_OF = 'atLeastOneOf';
schemaFragments.set(AT_LEAST_ONE_OF, ([c]) => ({
  anyOf: (c as AtLeastOneOfConstraint).fields.map((f) => ({ required: [f] })),
}));

/** Class decorator: at least one of `fields` must be given (a patch that changes nothing is refused). */
export function AtLeastOneOf(fields: readonly string[], message: string): ClassDecorator {
  return (target) =>
    registerDecorator({
      name: AT_LEAST_ONE_OF,
      target,
      propertyName: CLASS_RULE_PROPERTY,
      constraints: [{ fields, message } satisfies AtLeastOneOfConstraint],
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          value === undefined && fields.some((f) => (args.object as Record<string, unknown>)[f] !== undefined),
        defaultMessage: (args: ValidationArguments) =>
          (args.object as Record<string, unknown>)[CLASS_RULE_PROPERTY] !== undefined
            ? `property ${CLASS_RULE_PROPERTY} should not exist`
            : message,
      },
    });
}

// ── text ────────────────────────────────────────────────────────────────────────────

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const isText = defineInputRule<[number | null]>({
  name: 'isText',
  validate: (v, [max]) => typeof v === 'string' && !v.includes('\u0000') && (max === null || codePoints(v) <= max),
  message: (p, [max]) => `${p} must be a string${max === null ? '' : ` of at most ${max} characters`}, without NUL`,
  schema: ([max]) => ({ type: 'string', pattern: '^[^\\u0000]*$', ...(max === null ? {} : { maxLength: max }) }),
});

/** A string without NUL characters (PostgreSQL text refuses them), at most `maxLength` characters. */
export const IsText = (opts: { maxLength?: number } = {}) => isText([opts.maxLength ?? null]);

const maxUtf8Bytes = defineInputRule<[number]>({
  name: 'maxUtf8Bytes',
  validate: (v, [max]) => typeof v === 'string' && Buffer.byteLength(v, 'utf8') <= max,
  message: (p, [max], args) =>
    typeof args.value === 'string'
      ? `${p} is ${Buffer.byteLength(args.value, 'utf8')} bytes of UTF-8; the limit is ${max} bytes`
      : `${p} must be a string`,
  // Characters ≤ bytes: the schema's maxLength is the part of the rule JSON Schema can say.
  schema: ([max]) => ({ type: 'string', maxLength: max }),
});

/** At most `max` bytes of UTF-8 (a limit characters cannot express: é is two bytes). */
export const MaxUtf8Bytes = (max: number) => maxUtf8Bytes([max]);

const maxUtf8BytesQuiet = defineInputRule<[number]>({
  name: 'maxUtf8BytesQuiet',
  validate: (v, [max]) => typeof v === 'string' && Buffer.byteLength(v, 'utf8') <= max,
  message: (p, [max]) => `${p} must be at most ${max} bytes`,
  schema: ([max]) => ({ type: 'string', maxLength: max }),
});

/** As MaxUtf8Bytes, without telling the size in the message (for secret values). */
export const MaxUtf8BytesQuiet = (max: number) => maxUtf8BytesQuiet([max]);

// ── names and ids ───────────────────────────────────────────────────────────────────

/** The name rule of servers, tools and sources (docs/architecture.md#servers). */
export const IsResourceName = () =>
  applyDecorators(
    IsString(),
    MaxLength(NAME_MAX),
    Matches(NAME_PATTERN, {
      message: `$property must match ${NAME_PATTERN.source} (lower case letters, digits, _; starting with a letter)`,
    }),
  );

const lowerCase = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.toLowerCase() : value);

/** Transforms that change no value's validity (the schema generator accepts only these). */
export const NEUTRAL_TRANSFORMS: ReadonlySet<unknown> = new Set([lowerCase]);

/**
 * An id (gen_random_uuid, v4), passed on in lower case as PostgreSQL writes it: services
 * echo it back, key in-memory state (running servers) by it and publish it to listeners.
 */
export const IsEntityId = () => applyDecorators(IsUUID('4'), Transform(lowerCase));
