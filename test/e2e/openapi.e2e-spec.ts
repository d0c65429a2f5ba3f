import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
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
]);
const isPublic = (route: string) => PUBLIC_ROUTES.has(route);
const isMcp = (route: string) => / \/mcp(\/|$)/.test(route);

interface OpenApiOperation {
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], OpenApiOperation>>>;
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string; bearerFormat?: string }> };
}

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
