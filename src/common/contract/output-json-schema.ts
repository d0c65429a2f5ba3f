import 'reflect-metadata';
import type { Type } from '@nestjs/common';

/** A JSON Schema (draft 2020-12) object. */
export type JsonSchemaObject = Record<string, unknown>;

const PROPERTIES = 'swagger/apiModelPropertiesArray';
const PROPERTY = 'swagger/apiModelProperties';

interface ApiPropertyMeta {
  type?: unknown;
  isArray?: boolean;
  required?: boolean;
  nullable?: boolean;
  enum?: unknown[];
  items?: JsonSchemaObject;
  format?: string;
  description?: string;
  additionalProperties?: unknown;
  minimum?: number;
  maximum?: number;
}

export interface OutputSchemaOptions {
  /** Refuse properties the DTO does not declare (for tests that catch drift between mapper and DTO). */
  strict?: boolean;
}

/**
 * The JSON Schema of a response DTO, from its @ApiProperty metadata — the same description
 * Swagger publishes, so the MCP tools' `outputSchema` and the REST documentation cannot
 * disagree. Property types Swagger cannot describe precisely make this throw, rather than
 * publish a schema that clients would validate real results against and reject.
 */
export function outputJsonSchema(dto: Type<unknown>, opts: OutputSchemaOptions = {}): JsonSchemaObject {
  return objectSchema(dto, opts, new Set());
}

/** The list envelope `{items, total, page, page_size, pages}` around a DTO. */
export function pageJsonSchema(dto: Type<unknown>, opts: OutputSchemaOptions = {}): JsonSchemaObject {
  const int = { type: 'integer', minimum: 0 };
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: outputJsonSchema(dto, opts) },
      total: int,
      page: { type: 'integer', minimum: 1 },
      page_size: { type: 'integer', minimum: 1 },
      pages: int,
    },
    required: ['items', 'total', 'page', 'page_size', 'pages'],
    ...(opts.strict ? { additionalProperties: false } : {}),
  };
}

function objectSchema(dto: Type<unknown>, opts: OutputSchemaOptions, seen: Set<unknown>): JsonSchemaObject {
  if (seen.has(dto)) throw new Error(`${dto.name} refers to itself: a recursive output schema is not supported`);
  const keys = (Reflect.getMetadata(PROPERTIES, dto.prototype) as string[] | undefined) ?? [];
  if (!keys.length) throw new Error(`${dto.name} has no @ApiProperty: it cannot describe a result`);
  const inner = new Set(seen).add(dto);
  const properties: Record<string, JsonSchemaObject> = {};
  const required: string[] = [];
  for (const raw of keys) {
    const key = raw.replace(/^:/, '');
    const meta = (Reflect.getMetadata(PROPERTY, dto.prototype, key) ?? {}) as ApiPropertyMeta;
    properties[key] = propertySchema(meta, `${dto.name}.${key}`, opts, inner);
    if (meta.required !== false) required.push(key);
  }
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    ...(opts.strict ? { additionalProperties: false } : {}),
  };
}

function propertySchema(
  meta: ApiPropertyMeta,
  where: string,
  opts: OutputSchemaOptions,
  seen: Set<unknown>,
): JsonSchemaObject {
  let schema: JsonSchemaObject;
  if (meta.enum) schema = { enum: [...meta.enum, ...(meta.nullable ? [null] : [])] };
  else if (meta.isArray || meta.type === 'array') {
    const items = meta.items ? convertOpenApi(meta.items) : typeSchema(meta.type, meta, where, opts, seen);
    schema = nullable({ type: 'array', items }, meta.nullable);
  } else schema = nullable(typeSchema(meta.type, meta, where, opts, seen), meta.nullable);
  if (meta.description) schema.description = meta.description;
  return schema;
}

function typeSchema(
  type: unknown,
  meta: ApiPropertyMeta,
  where: string,
  opts: OutputSchemaOptions,
  seen: Set<unknown>,
): JsonSchemaObject {
  const format = meta.format ? { format: meta.format } : {};
  const bounds = {
    ...(meta.minimum !== undefined ? { minimum: meta.minimum } : {}),
    ...(meta.maximum !== undefined ? { maximum: meta.maximum } : {}),
  };
  if (type === String || type === 'string') return { type: 'string', ...format };
  if (type === Number || type === 'number') return { type: 'number', ...bounds };
  if (type === 'integer') return { type: 'integer', ...bounds };
  if (type === Boolean || type === 'boolean') return { type: 'boolean' };
  if (type === Date) return { type: 'string', format: 'date-time' };
  if (type === 'object') {
    if (meta.additionalProperties === true || meta.additionalProperties === undefined) return { type: 'object' };
    return { type: 'object', additionalProperties: convertOpenApi(meta.additionalProperties as JsonSchemaObject) };
  }
  // `unknown` and `any` reflect as Object: any JSON value, said honestly.
  if (type === Object || type === undefined) return {};
  if (typeof type === 'function') {
    const cls = type as Type<unknown>;
    if (Reflect.getMetadata(PROPERTIES, cls.prototype)) return objectSchema(cls, opts, seen);
    // A lazy `() => Dto` resolver.
    if (cls.length === 0 && !cls.prototype)
      return typeSchema((cls as unknown as () => unknown)(), meta, where, opts, seen);
  }
  throw new Error(
    `${where}: type ${String((type as { name?: string })?.name ?? type)} cannot be described as JSON Schema`,
  );
}

/** OpenAPI 3.0 `nullable` and friends → JSON Schema. */
function convertOpenApi(schema: JsonSchemaObject): JsonSchemaObject {
  const { nullable: isNullable, ...rest } = schema as JsonSchemaObject & { nullable?: boolean };
  return nullable(rest, isNullable);
}

function nullable(schema: JsonSchemaObject, isNullable: boolean | undefined): JsonSchemaObject {
  if (!isNullable) return schema;
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.enum))
    return schema.enum.includes(null) ? schema : { ...schema, enum: [...schema.enum, null] };
  if (Object.keys(schema).length === 0) return schema;
  return { anyOf: [schema, { type: 'null' }] };
}
