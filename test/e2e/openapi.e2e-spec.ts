import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { inputJsonSchema } from '../../src/common/contract/input-json-schema';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import {
  BODY_METHODS,
  documentedFields,
  inputDtos,
  isMcpPath,
  type JsonSchemaLike,
  METHODS,
  operations,
  schemasIn,
  type OpenApiDocument,
  type Operation,
} from '../support/openapi';

/** Loaded when used: it loads the app's modules, which read the environment startApp sets. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openapi = () => require('../../src/openapi') as typeof import('../../src/openapi');

const REGENERATE = 'run `npm run openapi` and commit docs/openapi.json';
/** Routes a client may call without a token (docs/architecture.md#api-conventions); `/mcp` has its own gate (docs/architecture.md#modes-and-the-front-door). */
const PUBLIC_ROUTES = new Set([
  'POST /auth/setup',
  'POST /auth/login',
  'POST /auth/refresh',
  'GET /auth/status',
  'GET /health',
  'GET /health/detail',
  'GET /health/services',
  // Open to loopback callers (the tests are); others need METRICS_TOKEN, proved in metrics.e2e-spec.ts.
  'GET /metrics',
  // The OAuth redirect from a source's authorization server: the state binds it (external-sources e2e).
  'GET /api/external-sources/oauth/callback',
  'GET /api/external-sources/oauth/client-metadata.json',
]);
const isPublic = (route: string) => PUBLIC_ROUTES.has(route);
const isMcp = (route: string) => / \/mcp(\/|$)/.test(route);

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let apiRoutes: string[];

  before(async () => {
    t = await startApp();
    const res = await t.get('/docs-json');
    assert.equal(res.status, 200, res.text);
    doc = res.body as OpenApiDocument;
    // Every route the app registered, except the documentation's own and the CORS preflight.
    apiRoutes = [...new Set(t.routes)]
      .filter((r) => !r.startsWith('HEAD ') && !r.startsWith('OPTIONS ') && !/ \/docs([-/]|$)/.test(r))
      .sort();
  });
  after(() => t.close());

  it('is served at /docs-json with the bearer security scheme', () => {
    assert.match(doc.openapi, /^3\./);
    const schemes = Object.values(doc.components?.securitySchemes ?? {});
    assert.ok(
      schemes.some((s) => s.type === 'http' && s.scheme === 'bearer'),
      JSON.stringify(doc.components?.securitySchemes),
    );
  });

  it('sees the routes the app registered (sanity check of the harness)', () => {
    for (const r of ['POST /auth/login', 'GET /health', 'GET /api/config', 'PATCH /api/settings/security-policy'])
      assert.ok(apiRoutes.includes(r), `${r} in ${apiRoutes.join(', ')}`);
  });

  it('documents every route the app serves, with its method', () => {
    const missing = apiRoutes.filter((route) => {
      const [method, path] = route.split(' ');
      const item = doc.paths[path];
      return !item || !(method.toLowerCase() in item);
    });
    assert.deepEqual(missing, [], `undocumented routes:\n  ${missing.join('\n  ')}`);
  });

  it('documents no route the app does not serve', () => {
    const served = new Set(apiRoutes);
    const extra = Object.entries(doc.paths)
      .flatMap(([path, item]) => METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`))
      .filter((r) => !served.has(r));
    assert.deepEqual(extra, []);
  });

  it('marks every route but the public ones as needing the bearer token, with its 401', () => {
    const wrong: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const m of METHODS) {
        const op = item[m];
        if (!op) continue;
        const route = `${m.toUpperCase()} ${path}`;
        if (isPublic(route) || isMcp(route)) continue;
        const bearer = (op.security ?? []).some((s) => Object.keys(s).length > 0);
        if (!bearer || !op.responses?.['401']) wrong.push(route);
      }
    }
    assert.deepEqual(wrong, [], `routes without bearer security or 401 in the document:\n  ${wrong.join('\n  ')}`);
  });

  it('gives every operation at least one documented success response', () => {
    const without = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m] && !Object.keys(item[m]!.responses ?? {}).some((c) => /^2\d\d$/.test(c))).map(
        (m) => `${m.toUpperCase()} ${path}`,
      ),
    );
    assert.deepEqual(without, []);
  });

  it('serves the Swagger UI at /docs', async () => {
    const res = await t.get('/docs');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.text, /swagger-ui/i);
  });
});

describe('the committed OpenAPI document (docs/openapi.json)', () => {
  let t: TestApp;
  let served: OpenApiDocument;
  before(async () => {
    t = await startApp();
    served = (await t.get('/docs-json')).body as OpenApiDocument;
  });
  after(() => t.close());

  it('is the document the app serves at /docs-json', () => {
    const { OPENAPI_FILE, serializeOpenApi } = openapi();
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    // Compared as text, as written: a stale file is a diff in review, not a surprise.
    assert.ok(
      committed === serializeOpenApi(served as never),
      `docs/openapi.json is stale (it differs from what the app serves): ${REGENERATE}`,
    );
  });

  it('is what `npm run openapi` writes, without a database', async () => {
    const { generateOpenApiDocument, serializeOpenApi } = openapi();
    const generated = serializeOpenApi(await generateOpenApiDocument());
    assert.ok(
      generated === serializeOpenApi(served as never),
      'the document generated in preview mode differs from the one the app serves: look at src/openapi.ts',
    );
  });
});

/**
 * Rules every operation follows, whoever adds it. They read the document the app serves
 * (equal to the committed file, above), so a failure names the route to fix.
 */
describe('every operation of the OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let ops: Operation[];
  before(async () => {
    t = await startApp();
    doc = (await t.get('/docs-json')).body as OpenApiDocument;
    ops = operations(doc);
  });
  after(() => t.close());

  const failIf = (wrong: string[], what: string) =>
    assert.deepEqual(wrong, [], `${what}:\n  ${wrong.join('\n  ')}\nFix the decorators, then ${REGENERATE}.`);

  it('has a summary and a description of its rules', () => {
    assert.ok(ops.length >= 50, `${ops.length} operations`);
    failIf(
      ops.filter(({ op }) => !op.summary?.trim() || !op.description?.trim()).map((o) => o.route),
      'operations without a summary or a description (@ApiOperation({ summary, description }))',
    );
  });

  it('describes every response', () => {
    failIf(
      ops.flatMap(({ route, op }) =>
        Object.entries(op.responses ?? {})
          .filter(([, response]) => !response.description?.trim())
          .map(([status]) => `${route} ${status}`),
      ),
      'responses without a description (ApiOkResponse({ type, description }))',
    );
  });

  it('answers every error with the error schema (JSON-RPC errors on /mcp)', () => {
    const schemas = doc.components?.schemas ?? {};
    assert.deepEqual(Object.keys(schemas.ErrorResponseDto?.properties ?? {}), [
      'statusCode',
      'error',
      'message',
      'details',
    ]);
    assert.deepEqual(schemas.ErrorResponseDto?.required, ['statusCode', 'error', 'message']);
    // The one error status whose body is not an error: /health/detail answers its own body with 503.
    const ownBody = new Set(['GET /health/detail 503']);
    const wrong: string[] = [];
    for (const { route, path, op } of ops)
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!/^[45]\d\d$/.test(status) || ownBody.has(`${route} ${status}`)) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        const expected = isMcpPath(path) ? 'JsonRpcErrorResponse' : 'ErrorResponseDto';
        if (ref !== `#/components/schemas/${expected}`) wrong.push(`${route} ${status}: ${String(ref)}`);
      }
    failIf(wrong, 'error responses without the error schema (use @ApiErrors)');
  });

  it('documents the errors any request of its kind can meet, and no 400 or 415 where none can happen', () => {
    const wrong: string[] = [];
    for (const { route, method, op } of ops) {
      const codes = new Set(Object.keys(op.responses ?? {}));
      const hasBody = BODY_METHODS.includes(method);
      const takesInput = hasBody || (op.parameters ?? []).length > 0;
      // The body limit holds for every request, whatever its method.
      if (!codes.has('413')) wrong.push(`${route}: no 413`);
      // Malformed JSON or a wrong content type can only meet a method whose body is parsed.
      if (hasBody !== codes.has('415')) wrong.push(`${route}: 415 ${hasBody ? 'missing' : 'cannot happen'}`);
      if (takesInput !== codes.has('400')) wrong.push(`${route}: 400 ${takesInput ? 'missing' : 'cannot happen'}`);
    }
    failIf(wrong, 'operations whose error statuses do not match what can happen');
  });

  it('does not document errors the issue found impossible (403 on /auth/me, 400 on /auth/status)', () => {
    assert.equal(doc.paths['/auth/me']?.get?.responses?.['403'], undefined);
    assert.equal(doc.paths['/auth/status']?.get?.responses?.['400'], undefined);
  });

  it('gives every id-like path parameter format uuid', () => {
    const wrong: string[] = [];
    for (const { route, op } of ops)
      for (const p of op.parameters ?? [])
        if (p.in === 'path' && /(^id$|_id$|Id$)/.test(p.name) && p.schema?.format !== 'uuid')
          wrong.push(`${route} {${p.name}}: ${JSON.stringify(p.schema)}`);
    failIf(wrong, 'id path parameters without format uuid (use @ApiIdParam)');
  });

  it('describes every tag it uses, in the top-level tag list', () => {
    const described = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description ?? '']));
    const used = new Set(ops.flatMap(({ op }) => op.tags ?? []));
    failIf(
      [...used].filter((tag) => !described.get(tag)?.trim()),
      'tags without a description (add them to TAGS in src/openapi.ts)',
    );
    failIf(
      [...described.keys()].filter((tag) => !used.has(tag)),
      'described tags no operation uses (remove them from TAGS in src/openapi.ts)',
    );
  });

  it('documents each input field with the type, nullability and requiredness its validation has', () => {
    const wrong: string[] = [];
    for (const { route, dto, where } of inputDtos(t.app)) {
      let rules: { properties: Record<string, JsonSchemaLike>; required?: string[] };
      try {
        rules = inputJsonSchema(dto) as typeof rules;
      } catch (err) {
        if (!(dto.name in NO_JSON_SCHEMA)) wrong.push(`${route}: ${dto.name}: ${(err as Error).message.slice(0, 160)}`);
        continue;
      }
      const documented = documentedFields(doc, route, dto, where);
      if (!documented) {
        wrong.push(`${route}: ${dto.name} (${where}) is not in the document`);
        continue;
      }
      for (const [name, rule] of Object.entries(rules.properties)) {
        const field = documented.fields[name];
        if (!field) {
          wrong.push(`${route} ${dto.name}.${name}: validated, not documented`);
          continue;
        }
        const types = [rule.type ?? []].flat().filter((x) => x !== 'null');
        if (types.length === 1 && field.type !== types[0])
          wrong.push(`${route} ${dto.name}.${name}: documented ${String(field.type)}, validated ${types[0]}`);
        // A query string cannot say null: only a body's nullability is compared.
        const nullable = [rule.type ?? []].flat().includes('null');
        if (where === 'body' && nullable !== (field.nullable === true))
          wrong.push(
            `${route} ${dto.name}.${name}: nullable documented ${field.nullable === true}, validated ${nullable}`,
          );
        const required = (rules.required ?? []).includes(name);
        if (required !== documented.required.has(name))
          wrong.push(`${route} ${dto.name}.${name}: required documented ${!required}, validated ${required}`);
      }
      for (const name of Object.keys(documented.fields))
        if (!(name in rules.properties)) wrong.push(`${route} ${dto.name}.${name}: documented, refused by validation`);
    }
    failIf(wrong, 'input fields whose documentation disagrees with their validation');
  });

  it('never gives a schema keywords of another type (e.g. maxLength on an object)', () => {
    const STRING_ONLY = ['maxLength', 'minLength', 'pattern'];
    const NUMBER_ONLY = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
    const wrong: string[] = [];
    for (const { at, schema } of schemasIn({ paths: doc.paths, components: doc.components })) {
      const type = schema.type;
      if (typeof type !== 'string') continue;
      for (const k of STRING_ONLY) if (k in schema && type !== 'string') wrong.push(`${at}: ${k} on type ${type}`);
      for (const k of NUMBER_ONLY)
        if (k in schema && type !== 'number' && type !== 'integer') wrong.push(`${at}: ${k} on type ${type}`);
    }
    failIf(wrong, 'schemas with keywords of another type');
  });
});

// The guard is global: prove it on every route the app serves, whoever added it.
describe('every non-public route refuses a request without a token', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
  });
  after(() => t.close());

  it('answers 401 before touching anything', async () => {
    const routes = [...new Set(t.routes)].filter(
      (r) =>
        !r.startsWith('HEAD ') && !r.startsWith('OPTIONS ') && !/ \/docs([-/]|$)/.test(r) && !isPublic(r) && !isMcp(r),
    );
    assert.ok(routes.length >= 5);
    const before = await counts(t);
    const open: string[] = [];
    for (const route of routes) {
      const [method, pattern] = route.split(' ');
      const path = pattern.replace(/\{[^}]+\}/g, randomUUID()).replace(/\*/g, 'x');
      const res = await t.request(method, path, ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined);
      if (res.status !== 401) open.push(`${route} → ${res.status}`);
      const bad = await t.request(method, path, ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined, {
        token: `${token}x`,
      });
      if (bad.status !== 401) open.push(`${route} (bad signature) → ${bad.status}`);
    }
    assert.deepEqual(open, [], `routes that did not answer 401 without a valid token:\n  ${open.join('\n  ')}`);
    assert.deepEqual(await counts(t), before, 'no table changed');
  });
});

/** Input DTOs whose rules `inputJsonSchema` cannot state (inputs of the Admin API only, never of an MCP tool). */
const NO_JSON_SCHEMA: Record<string, string> = {
  RefreshDto: 'refresh_token is checked with @IsJWT, which has no JSON Schema fragment',
};

/** Row counts of every table, to prove refused requests wrote nothing. */
async function counts(t: TestApp): Promise<Record<string, number>> {
  const tables = await t.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY table_name",
  );
  const out: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    // Background 'system' entries (start-up, restores) may land at any time; they are not writes of a request.
    const where = table_name === 'activity_logs' ? " WHERE log_type <> 'system'" : '';
    out[table_name] = (
      await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}"${where}`)
    ).rows[0].n;
  }
  return out;
}
