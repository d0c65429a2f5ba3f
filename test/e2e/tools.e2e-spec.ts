import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { ServerChangesService } from '../../src/server-changes/server-changes.service';
import { ToolsService } from '../../src/tools/tools.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const CODE = 'export async function main({ city, units = "metric" }) {\n  return `${city} ${units}`;\n}\n';
const DERIVED = {
  type: 'object',
  properties: { city: {}, units: { type: 'string', default: 'metric' } },
  required: ['city'],
};

describe('tools API', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  let otherServerId: string;
  const count = async (table: string, where = 'TRUE', params: unknown[] = []) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n);
  const create = (body: Record<string, unknown>, server = serverId) =>
    t.post(`/api/servers/${server}/tools`, body, { token });

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    serverId = (await t.post('/api/servers', { name: 'weather' }, { token })).body.id;
    otherServerId = (await t.post('/api/servers', { name: 'other' }, { token })).body.id;
  });
  after(() => t.close());

  it('creates a draft tool with version 1 and the input schema derived from main', async () => {
    const res = await create({ name: 'get_weather', description: 'Weather for a city', code: CODE });
    assert.equal(res.status, 201, res.text);
    const tool = res.body;
    assert.equal(tool.server_id, serverId);
    assert.equal(tool.approval_status, 'draft');
    assert.equal(tool.current_version, 1);
    assert.equal(tool.language, 'javascript');
    assert.equal(tool.tool_type, 'code');
    assert.equal(tool.enabled, true);
    assert.equal(tool.timeout_ms, null);
    assert.equal(tool.created_by, 'admin');
    assert.equal(tool.code, CODE);
    assert.equal(tool.approved_by, null);
    assert.deepEqual(tool.input_schema, DERIVED);
    const versions = await t.db.query(
      'SELECT version_number, name, code, change_source, input_schema, enabled FROM tool_versions WHERE tool_id = $1',
      [tool.id],
    );
    assert.equal(versions.rows.length, 1);
    assert.deepEqual(versions.rows[0], {
      version_number: 1,
      name: 'get_weather',
      code: CODE,
      change_source: 'manual',
      input_schema: DERIVED,
      enabled: true,
    });
  });

  it('keeps an explicit input_schema, language and timeout', async () => {
    const schema = { type: 'object', properties: { n: { type: 'number', description: 'a number' } }, required: ['n'] };
    const res = await create({
      name: 'typed',
      description: 'd',
      code: 'export const main = ({ n }: { n: number }) => n * 2;',
      language: 'typescript',
      input_schema: schema,
      timeout_ms: 5000,
      enabled: false,
    });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body.input_schema, schema);
    assert.equal(res.body.language, 'typescript');
    assert.equal(res.body.timeout_ms, 5000);
    assert.equal(res.body.enabled, false);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const tools = await count('tools');
    const versions = await count('tool_versions');
    const audits = await count('activity_logs');
    const base = { name: 'fine', description: 'd', code: CODE };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, name: 'Bad' }, /name/],
      [{ ...base, name: '9lives' }, /name/],
      [{ ...base, name: 'has-dash' }, /name/],
      [{ ...base, name: 'a'.repeat(65) }, /name/],
      [{ ...base, name: '' }, /name/],
      [{ ...base, code: `export function main() { return "${'x'.repeat(100 * 1024)}"; }` }, /code/],
      [{ ...base, code: `export function main() { return "${'é'.repeat(51 * 1024)}"; }` }, /code/], // < 100 K characters, > 100 KB
      [{ ...base, input_schema: { type: 'string' } }, /input_schema/],
      [{ ...base, input_schema: { type: 'object', properties: [] } }, /input_schema/],
      [{ ...base, input_schema: { type: 'object', properties: { a: 5 } } }, /input_schema/],
      [{ ...base, input_schema: { type: 'object', properties: { a: { type: 'text' } } } }, /input_schema/],
      [{ ...base, input_schema: { type: 'object', required: 'a' } }, /input_schema/],
      [{ ...base, input_schema: [] }, /input_schema/],
      [{ ...base, input_schema: 'object' }, /input_schema/],
      [{ ...base, timeout_ms: 0 }, /timeout_ms/],
      [{ ...base, timeout_ms: 300001 }, /timeout_ms/],
      [{ ...base, language: 'python' }, /language/],
      [{ ...base, enabled: 'yes' }, /enabled/],
      [{ name: 'fine', code: CODE }, /description/],
      [{ name: 'fine', description: 'd' }, /code/],
      [{ ...base, approval_status: 'approved' }, /approval_status/],
      [{ ...base, code: 'export function main( {' }, /code is not valid: Syntax error/],
      [{ ...base, code: 'export function run() {}' }, /No exported main/],
      [{ ...base, code: "import fs from 'fs';\nexport function main() { return fs; }" }, /Node built-in/],
      [{ ...base, code: "export function main() { return require('x'); }" }, /require\(\) is not available/],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 120)} → ${res.status} ${res.text.slice(0, 300)}`);
      assert.match(JSON.stringify(res.body.message), field, res.text.slice(0, 300));
    }
    const syntax = await create({ ...base, code: 'export function main() {\n  return 1 +;\n}' });
    assert.deepEqual(syntax.body.details.fields, ['code']);
    assert.equal(syntax.body.details.errors[0].line, 2);
    assert.equal(syntax.body.details.errors[0].column, 13);
    assert.equal(await count('tools'), tools);
    assert.equal(await count('tool_versions'), versions);
    assert.equal(await count('activity_logs'), audits);
  });

  it('accepts code of exactly 100 KB', async () => {
    const prefix = 'export function main() { return "';
    const suffix = '"; }';
    const code = prefix + 'x'.repeat(100 * 1024 - prefix.length - suffix.length) + suffix;
    assert.equal(Buffer.byteLength(code), 100 * 1024);
    const res = await create({ name: 'big', description: '', code });
    assert.equal(res.status, 201, res.text.slice(0, 300));
  });

  it('refuses a duplicate name in the same server (409) but not in another', async () => {
    const dup = await create({ name: 'get_weather', description: 'again', code: CODE });
    assert.equal(dup.status, 409);
    assert.match(dup.body.message, /already has a tool named "get_weather"/);
    assert.equal(await count('tools', 'server_id = $1 AND name = $2', [serverId, 'get_weather']), 1);
    const elsewhere = await create({ name: 'get_weather', description: 'd', code: CODE }, otherServerId);
    assert.equal(elsewhere.status, 201);
  });

  it('answers 400 for non-UUID ids and 404 for unknown ones, writing nothing', async () => {
    const before = await count('tools');
    assert.equal(
      (await t.post('/api/servers/nope/tools', { name: 'x', description: '', code: CODE }, { token })).status,
      400,
    );
    const unknown = await t.post(
      `/api/servers/${randomUUID()}/tools`,
      { name: 'x', description: '', code: CODE },
      { token },
    );
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /Server .* not found/);
    assert.equal((await t.get('/api/servers/nope/tools', { token })).status, 400);
    assert.equal((await t.get(`/api/servers/${randomUUID()}/tools`, { token })).status, 404);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { description: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      assert.equal((await t.request(method, '/api/tools/123', body, { token })).status, 400);
      const missing = await t.request(method, `/api/tools/${randomUUID()}`, body, { token });
      assert.equal(missing.status, 404, missing.text);
      assert.match(missing.body.message, /Tool .* not found/);
    }
    assert.equal(await count('tools'), before);
  });

  it("lists a server's tools by name, paginated, without code", async () => {
    const res = await t.get(`/api/servers/${serverId}/tools?page_size=2`, { token });
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 3);
    assert.equal(res.body.pages, 2);
    assert.deepEqual(
      res.body.items.map((x: { name: string }) => x.name),
      ['big', 'get_weather'],
    );
    assert.equal('code' in res.body.items[0], false);
    const page2 = await t.get(`/api/servers/${serverId}/tools?page=2&page_size=2`, { token });
    assert.deepEqual(
      page2.body.items.map((x: { name: string }) => x.name),
      ['typed'],
    );
  });

  it('gets a tool with its code', async () => {
    const id = (await t.db.query('SELECT id FROM tools WHERE server_id = $1 AND name = $2', [serverId, 'get_weather']))
      .rows[0].id;
    const res = await t.get(`/api/tools/${id}`, { token });
    assert.equal(res.status, 200);
    assert.equal(res.body.code, CODE);
    assert.equal(res.body.name, 'get_weather');
  });

  describe('PATCH', () => {
    let id: string;
    const versions = async () =>
      (
        await t.db.query(
          'SELECT version_number, change_source, name, code, input_schema, description FROM tool_versions WHERE tool_id = $1 ORDER BY version_number',
          [id],
        )
      ).rows;

    before(async () => {
      id = (await create({ name: 'editable', description: 'first', code: CODE })).body.id;
    });

    it('a description, enabled or timeout change writes no version', async () => {
      const res = await t.patch(
        `/api/tools/${id}`,
        { description: 'second', enabled: false, timeout_ms: 1000 },
        { token },
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.description, 'second');
      assert.equal(res.body.enabled, false);
      assert.equal(res.body.timeout_ms, 1000);
      assert.equal(res.body.current_version, 1);
      assert.equal((await versions()).length, 1);
      const back = await t.patch(`/api/tools/${id}`, { timeout_ms: null, enabled: true }, { token });
      assert.equal(back.body.timeout_ms, null);
    });

    it('a code change writes version 2 and re-derives a derived schema', async () => {
      const code = 'export async function main({ city, days = 3 }) { return city + days; }';
      const res = await t.patch(`/api/tools/${id}`, { code, change_summary: 'forecast days' }, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.current_version, 2);
      assert.deepEqual(res.body.input_schema, {
        type: 'object',
        properties: { city: {}, days: { type: 'number', default: 3 } },
        required: ['city'],
      });
      const v = await versions();
      assert.deepEqual(
        v.map((r) => [r.version_number, r.change_source]),
        [
          [1, 'manual'],
          [2, 'manual'],
        ],
      );
      assert.equal(v[1].code, code);
      assert.equal(v[1].description, 'second');
      const summary = await t.db.query(
        'SELECT change_summary FROM tool_versions WHERE tool_id = $1 AND version_number = 2',
        [id],
      );
      assert.equal(summary.rows[0].change_summary, 'forecast days');
    });

    it('an explicit schema change writes a version, and sticks across a later code change', async () => {
      const schema = {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer' } },
        required: ['city'],
      };
      const res = await t.patch(`/api/tools/${id}`, { input_schema: schema }, { token });
      assert.equal(res.body.current_version, 3);
      assert.deepEqual(res.body.input_schema, schema);
      // Same schema with the keys in another order: not a change.
      const same = await t.patch(
        `/api/tools/${id}`,
        {
          input_schema: {
            required: ['city'],
            properties: { days: { type: 'integer' }, city: { type: 'string' } },
            type: 'object',
          },
        },
        { token },
      );
      assert.equal(same.body.current_version, 3);
      const code = 'export async function main({ city, days = 5 }) { return city + days; }';
      const next = await t.patch(`/api/tools/${id}`, { code }, { token });
      assert.equal(next.body.current_version, 4);
      assert.deepEqual(next.body.input_schema, schema);
      // null = derive from the code again
      const derived = await t.patch(`/api/tools/${id}`, { input_schema: null }, { token });
      assert.equal(derived.body.current_version, 5);
      assert.deepEqual(derived.body.input_schema.properties.days, { type: 'number', default: 5 });
    });

    it('a rename writes a version; a duplicate name is 409', async () => {
      const res = await t.patch(`/api/tools/${id}`, { name: 'renamed' }, { token });
      assert.equal(res.body.name, 'renamed');
      assert.equal(res.body.current_version, 6);
      const dup = await t.patch(`/api/tools/${id}`, { name: 'get_weather' }, { token });
      assert.equal(dup.status, 409);
      assert.equal((await versions()).length, 6);
    });

    it('bad patches change nothing', async () => {
      const before = (await t.get(`/api/tools/${id}`, { token })).body;
      for (const body of [
        {},
        { name: 'Bad' },
        { code: 'export function main( {' },
        { code: 'export const nope = 1;' },
        { code: 'x'.repeat(100 * 1024 + 1) },
        { input_schema: { type: 'array' } },
        { timeout_ms: 0 },
        { server_id: otherServerId },
        { current_version: 1 },
        { language: 'typescript', code: 'export function main( {' },
      ]) {
        const res = await t.patch(`/api/tools/${id}`, body, { token });
        assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${res.status} ${res.text.slice(0, 200)}`);
      }
      const after = (await t.get(`/api/tools/${id}`, { token })).body;
      assert.deepEqual(after, before);
      assert.equal((await versions()).length, 6);
    });
  });

  describe('versions', () => {
    let id: string;
    const V1 = 'export function main({ a }) {\n  return a;\n}\n';
    const V2 = 'export function main({ a, b = 2 }) {\n  return a + b;\n}\n';
    const V3 = 'export function main({ a, b = 3 }) {\n  return a * b;\n}\n';
    const rows = async () =>
      (
        await t.db.query(
          'SELECT version_number, change_source, code FROM tool_versions WHERE tool_id = $1 ORDER BY version_number',
          [id],
        )
      ).rows;

    before(async () => {
      id = (await create({ name: 'versioned', description: 'v', code: V1 })).body.id;
      await t.patch(`/api/tools/${id}`, { code: V2 }, { token });
      await t.patch(`/api/tools/${id}`, { code: V3, description: 'v3' }, { token });
    });

    it('lists versions newest first, paginated, without code', async () => {
      const res = await t.get(`/api/tools/${id}/versions`, { token });
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.items.map((v: { version_number: number }) => v.version_number),
        [3, 2, 1],
      );
      assert.equal('code' in res.body.items[0], false);
      assert.equal(res.body.items[0].description, 'v3');
      const page = await t.get(`/api/tools/${id}/versions?page=2&page_size=2`, { token });
      assert.deepEqual(
        page.body.items.map((v: { version_number: number }) => v.version_number),
        [1],
      );
      assert.equal(page.body.total, 3);
    });

    it('gets one version with its code', async () => {
      const res = await t.get(`/api/tools/${id}/versions/2`, { token });
      assert.equal(res.status, 200);
      assert.equal(res.body.code, V2);
      assert.equal(res.body.version_number, 2);
      assert.equal(res.body.change_source, 'manual');
      assert.equal((await t.get(`/api/tools/${id}/versions/9`, { token })).status, 404);
      assert.equal((await t.get(`/api/tools/${id}/versions/abc`, { token })).status, 400);
      assert.equal((await t.get(`/api/tools/${id}/versions/0`, { token })).status, 400);
      assert.equal((await t.get(`/api/tools/${randomUUID()}/versions/1`, { token })).status, 404);
      assert.equal((await t.get('/api/tools/xyz/versions', { token })).status, 400);
      assert.equal((await t.get(`/api/tools/${randomUUID()}/versions`, { token })).status, 404);
    });

    it('compares two versions: snapshots, changed fields and a unified diff of the code', async () => {
      const res = await t.get(`/api/tools/${id}/versions/compare?from=1&to=3`, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.from.code, V1);
      assert.equal(res.body.to.code, V3);
      assert.deepEqual(res.body.changed_fields, ['description', 'code', 'input_schema']);
      assert.match(res.body.diff, /^-export function main\(\{ a \}\) \{$/m);
      assert.match(res.body.diff, /^\+export function main\(\{ a, b = 3 \}\) \{$/m);
      assert.match(res.body.diff, /^@@ /m);
      const same = await t.get(`/api/tools/${id}/versions/compare?from=2&to=2`, { token });
      assert.deepEqual(same.body.changed_fields, []);
      for (const q of ['from=1', 'to=1', 'from=a&to=1', 'from=0&to=1', 'from=1&to=2&x=1']) {
        assert.equal((await t.get(`/api/tools/${id}/versions/compare?${q}`, { token })).status, 400, q);
      }
      const missing = await t.get(`/api/tools/${id}/versions/compare?from=1&to=7`, { token });
      assert.equal(missing.status, 404);
      assert.match(missing.body.message, /no version 7/);
    });

    it('refuses a rollback to the current, a future or a missing version, writing nothing', async () => {
      const before = (await t.get(`/api/tools/${id}`, { token })).body;
      const current = await t.post(`/api/tools/${id}/versions/3/rollback`, undefined, { token });
      assert.equal(current.status, 400);
      assert.match(current.body.message, /already at version 3/);
      const future = await t.post(`/api/tools/${id}/versions/4/rollback`, undefined, { token });
      assert.equal(future.status, 404);
      assert.match(future.body.message, /no version 4 \(the current version is 3\)/);
      assert.equal((await t.post(`/api/tools/${id}/versions/x/rollback`, undefined, { token })).status, 400);
      assert.equal((await t.post(`/api/tools/${id}/versions/-1/rollback`, undefined, { token })).status, 400);
      assert.equal((await t.post(`/api/tools/${randomUUID()}/versions/1/rollback`, undefined, { token })).status, 404);
      assert.equal((await t.post('/api/tools/nope/versions/1/rollback', undefined, { token })).status, 400);
      assert.deepEqual((await t.get(`/api/tools/${id}`, { token })).body, before);
      assert.equal((await rows()).length, 3);
    });

    it('rolls back by writing a new version copied from the old one, and resets approval', async () => {
      const res = await t.post(`/api/tools/${id}/versions/1/rollback`, undefined, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.current_version, 4);
      assert.equal(res.body.code, V1);
      assert.equal(res.body.description, 'v');
      assert.equal(res.body.approval_status, 'pending_review');
      assert.deepEqual(
        (await rows()).map((r) => [r.version_number, r.change_source]),
        [
          [1, 'manual'],
          [2, 'manual'],
          [3, 'manual'],
          [4, 'rollback'],
        ],
      );
      const v4 = await t.get(`/api/tools/${id}/versions/4`, { token });
      assert.equal(v4.body.code, V1);
      assert.equal(v4.body.change_summary, 'Rolled back to version 1');
    });

    it('refuses a rollback whose name another tool has taken (409)', async () => {
      await t.patch(`/api/tools/${id}`, { name: 'versioned_two' }, { token });
      const squatter = await create({ name: 'versioned', description: '', code: V1 });
      assert.equal(squatter.status, 201);
      const res = await t.post(`/api/tools/${id}/versions/4/rollback`, undefined, { token });
      assert.equal(res.status, 409);
      assert.match(res.body.message, /"versioned" is now used by another tool/);
      assert.equal((await rows()).length, 5);
    });
  });

  it('concurrent edits get distinct version numbers; concurrent creates of one name give one tool', async () => {
    const id = (await create({ name: 'raced', description: '', code: CODE })).body.id;
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => t.patch(`/api/tools/${id}`, { code: CODE.replace('metric', `m${n}`) }, { token })),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200, 200],
    );
    const v = await t.db.query('SELECT version_number FROM tool_versions WHERE tool_id = $1 ORDER BY version_number', [
      id,
    ]);
    assert.deepEqual(
      v.rows.map((r) => r.version_number),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal((await t.get(`/api/tools/${id}`, { token })).body.current_version, 6);
    const creates = await Promise.all(
      [1, 2, 3, 4].map(() => create({ name: 'same_name', description: '', code: CODE })),
    );
    assert.deepEqual(creates.map((r) => r.status).sort(), [201, 409, 409, 409]);
    assert.equal(await count('tools', 'server_id = $1 AND name = $2', [serverId, 'same_name']), 1);
  });

  it('creates approved tools under tool_approval_mode=auto_approve (recorded as such)', async () => {
    assert.equal(
      (await t.patch('/api/settings/security-policy', { tool_approval_mode: 'auto_approve' }, { token })).status,
      200,
    );
    try {
      const res = await create({ name: 'auto', description: '', code: CODE });
      assert.equal(res.status, 201);
      assert.equal(res.body.approval_status, 'approved');
      assert.equal(res.body.approved_by, 'auto_approve');
      assert.ok(res.body.approved_at);
    } finally {
      await t.patch('/api/settings/security-policy', { tool_approval_mode: 'require_approval' }, { token });
    }
    const res = await create({ name: 'manual_again', description: '', code: CODE });
    assert.equal(res.body.approval_status, 'draft');
  });

  it('deletes a tool with its versions and publishes the change', async () => {
    const seen: unknown[] = [];
    const unsubscribe = t.app.get(ServerChangesService).subscribe((c) => void seen.push(c));
    try {
      const id = (await create({ name: 'short_lived', description: '', code: CODE })).body.id;
      const res = await t.delete(`/api/tools/${id}`, { token });
      assert.equal(res.status, 204);
      assert.equal(await count('tools', 'id = $1', [id]), 0);
      assert.equal(await count('tool_versions', 'tool_id = $1', [id]), 0);
      assert.deepEqual(seen.at(-1), { serverId, kind: 'tools', toolId: id });
      assert.equal((await t.get(`/api/tools/${id}`, { token })).status, 404);
    } finally {
      unsubscribe();
    }
  });

  describe('POST /api/tools/validate-code', () => {
    it('reports a valid module with its imports and derived schema, running nothing', async () => {
      const res = await t.post('/api/tools/validate-code', { code: `import dayjs from 'dayjs';\n${CODE}` }, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.valid, true);
      assert.deepEqual(res.body.errors, []);
      assert.deepEqual(res.body.imports, ['dayjs']);
      assert.deepEqual(res.body.disallowed_imports, ['dayjs']);
      assert.match(res.body.warnings[0].message, /dayjs/);
      assert.deepEqual(res.body.input_schema, DERIVED);
    });

    it('honours the allowed module list (global_config.allowed_modules)', async () => {
      await t.db.query(`INSERT INTO global_config (allowed_modules) VALUES ('["dayjs"]'::jsonb)`);
      try {
        const res = await t.post(
          '/api/tools/validate-code',
          { code: `import dayjs from 'dayjs';\nimport os from 'node:os';\n${CODE}` },
          { token },
        );
        assert.deepEqual(res.body.imports, ['dayjs', 'node:os']);
        assert.deepEqual(res.body.disallowed_imports, ['node:os']);
        assert.equal(res.body.valid, false);
      } finally {
        await t.db.query('DELETE FROM global_config');
      }
    });

    it('reports syntax errors with line and column, and a missing main', async () => {
      const bad = await t.post(
        '/api/tools/validate-code',
        { code: 'export function main() {\n  let = ;\n}' },
        { token },
      );
      assert.equal(bad.status, 200);
      assert.equal(bad.body.valid, false);
      assert.equal(bad.body.errors[0].line, 2);
      assert.equal(typeof bad.body.errors[0].column, 'number');
      assert.equal(bad.body.input_schema, null);
      const noMain = await t.post('/api/tools/validate-code', { code: 'export const helper = 1;' }, { token });
      assert.equal(noMain.body.valid, false);
      assert.match(noMain.body.errors[0].message, /No exported main/);
      const ts = await t.post(
        '/api/tools/validate-code',
        { code: 'export function main({ a }: { a: string }): string {\n  return a +;\n}', language: 'typescript' },
        { token },
      );
      assert.equal(ts.body.valid, false);
      assert.equal(ts.body.errors[0].line, 2);
    });

    it('refuses a missing code or an unknown language with 400', async () => {
      assert.equal((await t.post('/api/tools/validate-code', {}, { token })).status, 400);
      assert.equal((await t.post('/api/tools/validate-code', { code: 5 }, { token })).status, 400);
      assert.equal(
        (await t.post('/api/tools/validate-code', { code: CODE, language: 'python' }, { token })).status,
        400,
      );
      assert.equal((await t.post('/api/tools/validate-code', { code: CODE })).status, 401);
    });
  });

  it('ToolsService refuses the same bad input when called directly, and an LLM actor gets change_source llm', async () => {
    const tools = t.app.get(ToolsService);
    const llm = { kind: 'llm' as const, name: 'claude' };
    await assert.rejects(tools.create('nope', { name: 'x', description: '', code: CODE }, llm), {
      kind: 'invalid',
      message: 'server_id must be a UUID',
    });
    await assert.rejects(
      tools.create(serverId, { name: 'x', description: '', code: CODE, input_schema: { type: 'string' } }, llm),
      (e: { kind: string; details: { fields: string[] } }) =>
        e.kind === 'invalid' && e.details.fields.includes('input_schema'),
    );
    await assert.rejects(
      tools.create(serverId, { name: 'x', description: '', code: 'x'.repeat(102401) }, llm),
      (e: { kind: string; details: { fields: string[] } }) => e.kind === 'invalid' && e.details.fields[0] === 'code',
    );
    await assert.rejects(tools.findOrFail('nope'), { kind: 'invalid' });
    const tool = await tools.create(serverId, { name: 'by_llm', description: '', code: CODE }, llm);
    assert.equal(tool.createdBy, 'claude');
    const v = await t.db.query('SELECT change_source FROM tool_versions WHERE tool_id = $1', [tool.id]);
    assert.equal(v.rows[0].change_source, 'llm');
  });

  it('create joins a caller transaction with an import change source and explicit state; a rollback leaves nothing', async () => {
    const tools = t.app.get(ToolsService);
    const admin = { kind: 'admin' as const, name: 'admin' };
    await assert.rejects(
      t.app.get(DataSource).transaction(async (tx) => {
        const tool = await tools.create(serverId, { name: 'imported', description: '', code: CODE }, admin, {
          manager: tx,
          changeSource: 'import',
          approvalStatus: 'pending_review',
        });
        assert.equal(tool.approvalStatus, 'pending_review');
        assert.ok(tool.approvalRequestedAt);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(await count('tools', 'name = $1', ['imported']), 0);
    const kept = await t.app.get(DataSource).transaction((tx) =>
      tools.create(serverId, { name: 'imported', description: '', code: CODE }, admin, {
        manager: tx,
        changeSource: 'import',
        approvalStatus: 'pending_review',
      }),
    );
    const v = await t.db.query('SELECT change_source FROM tool_versions WHERE tool_id = $1', [kept.id]);
    assert.equal(v.rows[0].change_source, 'import');
  });
});
