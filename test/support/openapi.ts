/** Walking the app's OpenAPI document (3.0) in tests. */
import type { INestApplication } from '@nestjs/common';
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';

export const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type Method = (typeof METHODS)[number];
/** Methods whose request may carry a body that Fastify parses (so: 400 malformed JSON, 415). */
export const BODY_METHODS: readonly Method[] = ['post', 'put', 'patch', 'delete'];

export interface SchemaObject {
  [key: string]: unknown;
}
export interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: SchemaObject }>;
}
export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: SchemaObject;
}
export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaObject }> };
  responses?: Record<string, OpenApiResponse>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Partial<Record<Method, OpenApiOperation>>>;
  components?: {
    schemas?: Record<string, SchemaObject>;
    securitySchemes?: Record<string, { type: string; scheme?: string; bearerFormat?: string }>;
  };
}

export interface Operation {
  /** `GET /api/tools/{id}` */
  route: string;
  method: Method;
  path: string;
  op: OpenApiOperation;
}

export function operations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({
      route: `${method.toUpperCase()} ${path}`,
      method,
      path,
      op: item[method] as OpenApiOperation,
    })),
  );
}

export const isMcpPath = (path: string): boolean => /^\/mcp(\/|$)/.test(path);

/** Every schema object in `value` (components, parameters, bodies, responses), nested ones included. */
export function* schemasIn(value: unknown, at = '#'): Generator<{ at: string; schema: SchemaObject }> {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* schemasIn(v, `${at}/${i}`);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as SchemaObject;
  if ('type' in obj || 'oneOf' in obj || 'allOf' in obj || 'anyOf' in obj || '$ref' in obj) yield { at, schema: obj };
  for (const [k, v] of Object.entries(obj)) if (k !== 'example' && k !== 'default') yield* schemasIn(v, `${at}/${k}`);
}

/**
 * An OpenAPI 3.0 schema as JSON Schema 2020-12, for Ajv: `nullable` becomes a `null`
 * alternative, examples go, and component references point into `$defs`.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { nullable, example, ...rest } = schema as SchemaObject;
  void example;
  const out: SchemaObject = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace('#/components/schemas/', '#/$defs/');
    else if (k === 'properties' || k === 'patternProperties')
      out[k] = Object.fromEntries(Object.entries(v as SchemaObject).map(([p, s]) => [p, toJsonSchema(s)]));
    else out[k] = toJsonSchema(v);
  }
  if (nullable !== true) return out;
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

/** A response's schema as a standalone JSON Schema (the components as `$defs`). */
export function responseSchema(doc: OpenApiDocument, response: OpenApiResponse): object | undefined {
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return undefined;
  const defs = Object.fromEntries(
    Object.entries(doc.components?.schemas ?? {}).map(([name, s]) => [name, toJsonSchema(s)]),
  );
  return { $defs: defs, ...(toJsonSchema(schema) as object) };
}

export interface JsonSchemaLike {
  type?: string | string[];
}

/** The body and query DTO classes of every route of the app's controllers, with the route in the document's terms. */
export function inputDtos(app: INestApplication): { route: string; dto: Type<object>; where: 'body' | 'query' }[] {
  const out: { route: string; dto: Type<object>; where: 'body' | 'query' }[] = [];
  for (const module of app.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<object> | null;
      if (!controller) continue;
      const base = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat()[0] ?? '';
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (sub === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const path = `/${[base, [sub].flat()[0]].filter((x) => x && x !== '/').join('/')}`
          .replace(/\/+/g, '/')
          .replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? []) as unknown[];
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
          string,
          { index: number; data?: unknown }
        >;
        for (const [key, arg] of Object.entries(args)) {
          const kind = Number(key.split(':')[0]);
          const where = kind === RouteParamtypes.BODY ? 'body' : kind === RouteParamtypes.QUERY ? 'query' : undefined;
          const dto = types[arg.index];
          if (!where || arg.data !== undefined || typeof dto !== 'function' || dto === Object) continue;
          out.push({ route: `${method} ${path}`, dto: dto as Type<object>, where });
        }
      }
    }
  return out;
}

/** The fields of a body DTO (its component schema) or of a query DTO (the operation's query parameters). */
export function documentedFields(
  doc: OpenApiDocument,
  route: string,
  dto: Type<object>,
  where: 'body' | 'query',
): { fields: Record<string, { type?: unknown; nullable?: unknown }>; required: Set<string> } | undefined {
  if (where === 'body') {
    const schema = doc.components?.schemas?.[dto.name] as
      { properties?: Record<string, { type?: unknown; nullable?: unknown }>; required?: string[] } | undefined;
    return schema && { fields: schema.properties ?? {}, required: new Set(schema.required ?? []) };
  }
  const [method, path] = route.split(' ');
  const op = doc.paths[path]?.[method.toLowerCase() as Method];
  if (!op) return undefined;
  const query = (op.parameters ?? []).filter((p) => p.in === 'query');
  return {
    fields: Object.fromEntries(query.map((p) => [p.name, p.schema ?? {}])),
    required: new Set(query.filter((p) => p.required).map((p) => p.name)),
  };
}
