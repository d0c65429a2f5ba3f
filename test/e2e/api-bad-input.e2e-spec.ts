// @test-alone: measures how long the app takes under heavy input (scripts/test.mjs runs it after the rest, on its own).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ServerChangesService } from '../../src/server-changes/server-changes.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const CODE = 'export async function main({ city }) {\n  return city;\n}\n';
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);

/**
 * Bad input a demanding client sends: each is a clear 4xx that names the problem, never
 * a 500, and nothing is written.
 */
describe('Admin API: bad input is a 4xx, never a 500', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  let toolId: string;
  const changes: { serverId: string; kind: string }[] = [];
  const rowCounts = async () => {
    const out: Record<string, number> = {};
    for (const table of [
      'servers',
      'tools',
      'tool_versions',
      'server_secrets',
      'external_mcp_sources',
      'activity_logs',
    ]) {
      out[table] = Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
    }
    return out;
  };
  const expect4xx = async (label: string, res: { status: number; text: string }, status = 400, pattern?: RegExp) => {
    assert.equal(res.status, status, `${label}: ${res.text}`);
    assert.doesNotMatch(res.text, /\bat [\w.]+ \(|node_modules|QueryFailedError/, `${label}: no stack or driver error`);
    if (pattern) assert.match(res.text, pattern, label);
  };

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    serverId = (await t.post('/api/servers', { name: 'weather' }, { token })).body.id;
    toolId = (
      await t.post(`/api/servers/${serverId}/tools`, { name: 'forecast', description: 'd', code: CODE }, { token })
    ).body.id;
    t.app.get(ServerChangesService).subscribe((c) => void changes.push(c));
  });
  after(() => t.close());

  it('refuses page numbers that are huge, not plain digits or repeated, on every list', async () => {
    const lists = [
      '/api/servers',
      `/api/servers/${serverId}/tools`,
      `/api/tools/${toolId}/versions`,
      '/api/approvals/tools',
      `/api/servers/${serverId}/secrets`,
      `/api/sandbox/servers/${serverId}/logs`,
      '/api/settings',
    ];
    for (const list of lists) {
      for (const q of [
        'page=1e20',
        'page=99999999999999999999',
        'page=1000001',
        'page=1e300',
        'page=0x10',
        'page=1.0',
        'page=-1',
        'page=0',
        'page=1&page=2',
        'page_size=0',
        'page_size=101',
        'page_size=1e1',
      ]) {
        await expect4xx(`${list}?${q}`, await t.get(`${list}?${q}`, { token }), 400, /page/);
      }
      const ok = await t.get(`${list}?page=1000000&page_size=100`, { token });
      assert.equal(ok.status, 200, `${list}: ${ok.text}`);
      assert.deepEqual(ok.body.items, []);
    }
  });

  it('refuses version numbers beyond a PostgreSQL integer, or not plain digits, writing nothing', async () => {
    const before = await rowCounts();
    for (const v of ['2147483648', '99999999999999999999', '1e3', '0x1', '-1', '0']) {
      await expect4xx(`get ${v}`, await t.get(`/api/tools/${toolId}/versions/${v}`, { token }), 400, /version/);
      await expect4xx(
        `rollback ${v}`,
        await t.post(`/api/tools/${toolId}/versions/${v}/rollback`, undefined, { token }),
        400,
        /version/,
      );
    }
    for (const q of ['from=1&to=2147483648', 'from=1&to=1e300', 'from=1e0&to=1', 'from=1&from=2&to=1']) {
      await expect4xx(
        `compare ${q}`,
        await t.get(`/api/tools/${toolId}/versions/compare?${q}`, { token }),
        400,
        /from|to/,
      );
    }
    assert.equal((await t.get(`/api/tools/${toolId}/versions/2147483647`, { token })).status, 404);
    assert.deepEqual(await rowCounts(), before);
  });

  it('refuses a NUL character in any text field, query or document, writing nothing', async () => {
    const before = await rowCounts();
    const nul = 'a\u0000b';
    const cases: [string, string, string, unknown][] = [
      ['server description', 'POST', '/api/servers', { name: 'nul_desc', description: nul }],
      ['server patch', 'PATCH', `/api/servers/${serverId}`, { description: nul }],
      [
        'tool description',
        'POST',
        `/api/servers/${serverId}/tools`,
        { name: 'nul_tool', description: nul, code: CODE },
      ],
      [
        'tool code',
        'POST',
        `/api/servers/${serverId}/tools`,
        { name: 'nul_code', description: 'd', code: `export function main() { return "${nul}"; }` },
      ],
      [
        'tool schema value',
        'POST',
        `/api/servers/${serverId}/tools`,
        { name: 'nul_s', description: 'd', code: CODE, input_schema: { type: 'object', description: nul } },
      ],
      [
        'tool schema key',
        'POST',
        `/api/servers/${serverId}/tools`,
        { name: 'nul_k', description: 'd', code: CODE, input_schema: { type: 'object', properties: { [nul]: {} } } },
      ],
      ['change summary', 'PATCH', `/api/tools/${toolId}`, { description: 'x', change_summary: nul }],
      ['tool patch', 'PATCH', `/api/tools/${toolId}`, { description: nul }],
      ['publish notes', 'POST', `/api/approvals/tools/${toolId}/action`, { action: 'submit_for_review', notes: nul }],
      ['secret description', 'POST', `/api/servers/${serverId}/secrets`, { key_name: 'API_KEY', description: nul }],
      [
        'import',
        'POST',
        '/api/export/import?allow_unsigned=true',
        { format_version: 1, servers: [{ name: 'imported', description: nul }] },
      ],
      [
        'import tool',
        'POST',
        '/api/export/import?allow_unsigned=true',
        { format_version: 1, servers: [{ name: 'imported', tools: [{ name: 't', code: CODE, description: nul }] }] },
      ],
      [
        'import source',
        'POST',
        '/api/export/import?allow_unsigned=true',
        {
          format_version: 1,
          servers: [{ name: 'imported', external_sources: [{ name: 'src', url: `http://a.example/${nul}` }] }],
        },
      ],
    ];
    for (const [label, method, path, body] of cases)
      await expect4xx(label, await t.request(method, path, body, { token }), 400, /NUL/);
    await expect4xx('search', await t.get('/api/approvals/tools?search=%00', { token }), 400, /NUL/);
    assert.deepEqual(await rowCounts(), before);
    assert.equal((await t.get(`/api/tools/${toolId}`, { token })).body.approval_status, 'draft');
  });

  it('refuses absurdly deep JSON anywhere in a body (nothing recurses itself to death)', async () => {
    const before = await rowCounts();
    const bodies: [string, string, string][] = [
      ['top level', '/api/servers', deepArray(100_000)],
      ['unknown field', '/api/servers', `{"name":"deep","x":${deepArray(5000)}}`],
      [
        'input_schema',
        `/api/servers/${serverId}/tools`,
        `{"name":"deep","description":"d","code":${JSON.stringify(CODE)},"input_schema":{"type":"object","x":${deepArray(3000)}}}`,
      ],
      [
        'import',
        '/api/export/import',
        `{"format_version":1,"servers":[],"signature":"${'0'.repeat(64)}","x":${deepArray(100_000)}}`,
      ],
    ];
    for (const [label, path, raw] of bodies)
      await expect4xx(label, await t.post(path, undefined, { token, raw }), 400, /nested|JSON/);
    assert.deepEqual(await rowCounts(), before);
    // A legitimately nested schema (32 levels of properties) still passes.
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 31; i++) schema = { type: 'object', properties: { x: schema } };
    const ok = await t.post(
      `/api/servers/${serverId}/tools`,
      { name: 'nested_ok', description: 'd', code: CODE, input_schema: { type: 'object', properties: { x: schema } } },
      { token },
    );
    assert.equal(ok.status, 201, ok.text);
    await t.delete(`/api/tools/${ok.body.id}`, { token });
  });

  it('checks code with long member and call chains without overflowing the stack', async () => {
    for (const [code, language] of [
      [`export function main() { return a${'.b'.repeat(45_000)}; }`, 'javascript'],
      [`export function main() { return a${'()'.repeat(45_000)}; }`, 'javascript'],
      [`export function main() { return a${'.b'.repeat(45_000)}; }`, 'typescript'],
    ]) {
      const res = await t.post('/api/tools/validate-code', { code, language }, { token });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.equal(res.body.valid, true);
    }
    const imports = await t.post(
      '/api/tools/validate-code',
      { code: `import x from "dayjs";\nexport function main() { return x${'.b'.repeat(10)}(import("lodash")); }` },
      { token },
    );
    assert.deepEqual(imports.body.imports, ['dayjs', 'lodash'], 'imports are still found in source order');
  });

  it('refuses an imported source whose auth_secret_name is longer than a secret key may be', async () => {
    const before = await rowCounts();
    const res = await t.post(
      '/api/export/import?allow_unsigned=true',
      {
        format_version: 1,
        servers: [
          {
            name: 'imported',
            external_sources: [
              { name: 'src', url: 'https://a.example/mcp', auth_type: 'bearer', auth_secret_name: 'K'.repeat(129) },
            ],
          },
        ],
      },
      { token },
    );
    await expect4xx('long auth_secret_name', res, 400, /auth_secret_name/);
    assert.equal(res.body.details.failed[0].kind, 'external_source');
    assert.deepEqual(await rowCounts(), before);
  });

  it('takes upper-case UUIDs in paths and answers, stores and publishes them in lower case', async () => {
    changes.length = 0;
    const res = await t.post(
      `/api/servers/${serverId.toUpperCase()}/tools`,
      { name: 'upper', description: 'd', code: CODE },
      { token },
    );
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.server_id, serverId);
    assert.deepEqual(
      changes.map((c) => c.serverId),
      [serverId],
    );
    const got = await t.get(`/api/tools/${String(res.body.id).toUpperCase()}`, { token });
    assert.equal(got.body.id, res.body.id);
    const listed = await t.get(`/api/servers/${serverId.toUpperCase()}/tools`, { token });
    assert.ok(listed.body.items.some((i: { id: string }) => i.id === res.body.id));
  });

  it('GET /api/settings answers with the pagination envelope like every list', async () => {
    const all = await t.get('/api/settings', { token });
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(Object.keys(all.body).sort(), ['items', 'page', 'page_size', 'pages', 'total']);
    assert.equal(all.body.total, all.body.items.length);
    const second = await t.get('/api/settings?page=2&page_size=3', { token });
    assert.deepEqual(
      second.body.items.map((i: { key: string }) => i.key),
      all.body.items.slice(3, 6).map((i: { key: string }) => i.key),
    );
    assert.equal(second.body.pages, Math.ceil(all.body.total / 3));
  });
});
