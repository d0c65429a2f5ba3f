import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ExportSigner } from '../../src/export/export-signer';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const FORECAST = 'export async function main({ city, days = 3 }) {\n  return `${city} for ${days} days`;\n}\n';
const CONVERT =
  'export async function main(args: { celsius: number }): Promise<number> {\n  return args.celsius * 9 / 5 + 32;\n}\n';
const CONVERT_SCHEMA = {
  type: 'object',
  properties: { celsius: { type: 'number', description: 'degrees' } },
  required: ['celsius'],
};
const SECRET_VALUE = `export-canary-${randomUUID()}`;

type Doc = {
  format_version: number;
  exported_at: string;
  servers: any[];
  module_records: string[];
  signature?: string;
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('export and import', () => {
  let t: TestApp;
  let token: string;
  let weatherId: string;
  const opts = () => ({ token });
  const count = async (table: string) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
  const snapshot = async () => ({
    servers: await count('servers'),
    tools: await count('tools'),
    versions: await count('tool_versions'),
    secrets: await count('server_secrets'),
    sources: await count('external_mcp_sources'),
    network: await count('network_access_requests'),
  });
  const importDoc = (doc: unknown, query = '') => t.post(`/api/export/import${query}`, doc, opts());
  const setPolicy = async (mode: string) =>
    assert.equal((await t.patch('/api/settings/security-policy', { tool_approval_mode: mode }, opts())).status, 200);

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    const server = await t.post(
      '/api/servers',
      { name: 'weather', description: 'Weather tools', default_timeout_ms: 20000 },
      opts(),
    );
    assert.equal(server.status, 201, server.text);
    weatherId = server.body.id;
    const a = await t.post(
      `/api/servers/${weatherId}/tools`,
      { name: 'forecast', description: 'Forecast for a city', code: FORECAST },
      opts(),
    );
    assert.equal(a.status, 201, a.text);
    const b = await t.post(
      `/api/servers/${weatherId}/tools`,
      {
        name: 'convert',
        description: 'C to F',
        code: CONVERT,
        language: 'typescript',
        input_schema: CONVERT_SCHEMA,
        timeout_ms: 5000,
        enabled: false,
      },
      opts(),
    );
    assert.equal(b.status, 201, b.text);
    assert.equal(
      (
        await t.post(
          `/api/servers/${weatherId}/secrets`,
          { key_name: 'API_KEY', description: 'weather API key' },
          opts(),
        )
      ).status,
      201,
    );
    assert.equal(
      (await t.put(`/api/servers/${weatherId}/secrets/API_KEY`, { value: SECRET_VALUE }, opts())).status,
      200,
    );
    assert.equal((await t.post(`/api/servers/${weatherId}/secrets`, { key_name: 'EMPTY_KEY' }, opts())).status, 201);
    assert.equal(
      (await t.post(`/api/servers/${weatherId}/allowed-hosts`, { host: 'api.weather.example', port: 443 }, opts()))
        .status,
      201,
    );
    assert.equal((await t.post(`/api/servers/${weatherId}/allowed-hosts`, { host: '10.0.0.5' }, opts())).status, 201);
    // Records an export must NOT carry: an approved tool request, and a source's URL credentials.
    await t.db.query(
      `INSERT INTO network_access_requests (server_id, host, status, source, requested_by) VALUES ($1, 'llm.example', 'approved', 'llm', 'llm')`,
      [weatherId],
    );
    const src = await t.db.query(
      `INSERT INTO external_mcp_sources (server_id, name, url, auth_type, auth_secret_name, transport_type) VALUES ($1, 'upstream', 'https://bob:hunter2@mcp.example/mcp', 'bearer', 'API_KEY', 'streamable_http') RETURNING id`,
      [weatherId],
    );
    await t.db.query(
      `INSERT INTO tools (server_id, name, description, tool_type, external_source_id, external_tool_name, input_schema) VALUES ($1, 'remote_search', 'forwarded', 'mcp_passthrough', $2, 'search', '{"type":"object"}')`,
      [weatherId, src.rows[0].id],
    );
    await t.db.query(
      `INSERT INTO module_requests (module_name, status, source, requested_by) VALUES ('lodash-es', 'approved', 'admin', 'admin')`,
    );
  });
  after(() => t.close());

  let signed: Doc;

  it('exports one server, signed, with code, schemas, secret names only and admin records', async () => {
    const res = await t.get(`/api/export/servers/${weatherId}`, opts());
    assert.equal(res.status, 200, res.text);
    signed = res.body;
    assert.equal(signed.format_version, 1);
    assert.match(signed.signature ?? '', /^[0-9a-f]{64}$/);
    assert.ok(!Number.isNaN(Date.parse(signed.exported_at)));
    assert.deepEqual(signed.module_records, ['lodash-es']);
    assert.equal(signed.servers.length, 1);
    const [s] = signed.servers;
    assert.equal(s.name, 'weather');
    assert.equal(s.description, 'Weather tools');
    assert.equal(s.default_timeout_ms, 20000);
    assert.deepEqual(
      s.tools.map((x: { name: string }) => x.name),
      ['convert', 'forecast', 'remote_search'],
    );
    const convert = s.tools[0];
    assert.deepEqual(convert, {
      name: 'convert',
      description: 'C to F',
      language: 'typescript',
      code: CONVERT,
      input_schema: CONVERT_SCHEMA,
      enabled: false,
      timeout_ms: 5000,
      tool_type: 'code',
      external_tool_name: null,
      external_source_name: null,
    });
    assert.equal(s.tools[2].external_source_name, 'upstream');
    assert.deepEqual(s.secrets, [
      { key_name: 'API_KEY', description: 'weather API key' },
      { key_name: 'EMPTY_KEY', description: null },
    ]);
    assert.deepEqual(s.external_sources, [
      {
        name: 'upstream',
        url: 'https://mcp.example/mcp',
        auth_type: 'bearer',
        auth_secret_name: 'API_KEY',
        auth_header_name: null,
        transport_type: 'streamable_http',
      },
    ]);
    assert.deepEqual(
      s.network_records,
      [
        { host: '10.0.0.5', port: null },
        { host: 'api.weather.example', port: 443 },
      ],
      'admin records only',
    );
    assert.ok(!res.text.includes(SECRET_VALUE));
    assert.ok(!res.text.includes('hunter2'));
    assert.ok(!res.text.includes('llm.example'));

    const all = await t.get('/api/export/servers', opts());
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.servers.map((x: { name: string }) => x.name),
      ['weather'],
    );
    assert.equal((await t.get(`/api/export/servers/${randomUUID()}`, opts())).status, 404);
    assert.equal((await t.get('/api/export/servers/not-a-uuid', opts())).status, 400);
    assert.equal((await t.get('/api/export/servers')).status, 401);
  });

  it('documents every route of secrets, allowed hosts and export in /docs-json', async () => {
    const docs = await t.get('/docs-json');
    const paths = docs.body.paths as Record<string, Record<string, unknown>>;
    for (const [path, method] of [
      ['/api/servers/{id}/secrets', 'get'],
      ['/api/servers/{id}/secrets', 'post'],
      ['/api/servers/{id}/secrets/{key}', 'put'],
      ['/api/servers/{id}/secrets/{key}', 'delete'],
      ['/api/servers/{id}/allowed-hosts', 'post'],
      ['/api/servers/{id}/allowed-hosts', 'delete'],
      ['/api/export/servers', 'get'],
      ['/api/export/servers/{id}', 'get'],
      ['/api/export/import', 'post'],
    ]) {
      assert.ok(paths[path]?.[method], `${method.toUpperCase()} ${path} is missing from /docs-json`);
      assert.ok(t.routes.includes(`${method.toUpperCase()} ${path}`), `${method.toUpperCase()} ${path} is not served`);
    }
    assert.ok(
      paths['/api/export/import'].post && JSON.stringify(paths['/api/export/import'].post).includes('allow_unsigned'),
    );
  });

  it('refuses a tampered, foreign or missing signature with 400 and writes nothing', async () => {
    const before = await snapshot();
    const tampered = clone(signed);
    tampered.servers[0].name = 'weather_copy';
    tampered.servers[0].tools[1].code = FORECAST.replace('days`', 'days!`');
    const res = await importDoc(tampered);
    assert.equal(res.status, 400);
    assert.match(res.body.message, /signature/);
    assert.match(res.body.message, /allow_unsigned=true/);
    assert.equal(
      (
        await importDoc({
          ...clone(signed),
          servers: [{ ...clone(signed).servers[0], name: 'weather_copy' }],
          signature: 'ab'.repeat(32),
        })
      ).status,
      400,
    );
    const { signature: _s, ...unsigned } = clone(signed);
    unsigned.servers[0].name = 'weather_copy';
    assert.equal((await importDoc(unsigned)).status, 400);
    assert.equal((await importDoc(tampered, '?allow_unsigned=false')).status, 400);
    assert.deepEqual(await snapshot(), before);
  });

  it('refuses a newer format_version even with allow_unsigned, and malformed documents', async () => {
    const before = await snapshot();
    const newer = { ...clone(signed), format_version: 2 };
    newer.servers[0].name = 'weather_v2';
    for (const q of ['', '?allow_unsigned=true']) {
      const res = await importDoc(newer, q);
      assert.equal(res.status, 400);
      assert.match(res.body.message, /format_version 2 is newer/);
    }
    for (const bad of [
      { ...clone(signed), format_version: 0 },
      { ...clone(signed), format_version: '1' },
      { format_version: 1, servers: 'nope' },
      { format_version: 1, servers: [{ name: 'x', tools: [{ name: 't', code: 42 }] }] },
      { format_version: 1, servers: [{ name: 'x', secrets: [{ key_name: 'K', value: 'leak' }] }] },
      [1, 2, 3],
    ]) {
      const res = await importDoc(bad, '?allow_unsigned=true');
      assert.equal(res.status, 400, JSON.stringify(bad).slice(0, 80) + ' ' + res.text);
    }
    assert.equal((await importDoc(signed, '?allow_unsigned=maybe')).status, 400);
    assert.equal((await importDoc(signed, '?other=1')).status, 400);
    assert.deepEqual(await snapshot(), before);
  });

  it('reports a name clash as skipped and never overwrites the existing server', async () => {
    const before = await snapshot();
    const res = await importDoc(signed);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.signature_verified, true);
    assert.deepEqual(res.body.created, { servers: 0, tools: 0, secrets: 0, external_sources: 0, network_records: 0 });
    assert.ok(
      res.body.skipped.some(
        (s: { kind: string; name: string; reason: string }) =>
          s.kind === 'server' && s.name === 'weather' && s.reason === 'a server named weather exists',
      ),
    );
    assert.deepEqual(res.body.failed, []);
    assert.deepEqual(await snapshot(), before);
    const code = (await t.db.query(`SELECT code FROM tools WHERE server_id = $1 AND name = 'forecast'`, [weatherId]))
      .rows[0].code;
    assert.equal(code, FORECAST);
  });

  it('rolls back everything when an item fails half way (second server has a syntax error)', async () => {
    const before = await snapshot();
    const doc = {
      format_version: 1,
      exported_at: new Date().toISOString(),
      module_records: [],
      servers: [
        {
          name: 'first_ok',
          description: null,
          default_timeout_ms: 30000,
          tools: [{ name: 'good', description: 'fine', code: FORECAST }],
          secrets: [{ key_name: 'TOKEN', description: null }],
          external_sources: [],
          network_records: [{ host: 'first.example', port: null }],
        },
        {
          name: 'second_bad',
          tools: [
            { name: 'fine_too', description: 'ok', code: FORECAST },
            { name: 'broken', description: 'syntax error', code: 'export async function main( {\n  return 1;\n' },
            { name: 'Bad-Name', description: 'bad name', code: FORECAST },
          ],
          secrets: [{ key_name: 'lower_case' }],
          network_records: [{ host: 'http://not-a-host/' }],
        },
      ],
    };
    const res = await importDoc(doc, '?allow_unsigned=true');
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.message, /nothing was imported/);
    const failed = res.body.details.failed as { kind: string; name: string; reason: string }[];
    const names = failed.map((f) => `${f.kind}:${f.name}`).sort();
    assert.deepEqual(names, [
      'network_record:second_bad:http://not-a-host/',
      'secret:second_bad.lower_case',
      'tool:second_bad.Bad-Name',
      'tool:second_bad.broken',
    ]);
    assert.match(failed.find((f) => f.name === 'second_bad.broken')!.reason, /Syntax error.*line 2, column 3/);
    assert.deepEqual(res.body.details.created, {
      servers: 0,
      tools: 0,
      secrets: 0,
      external_sources: 0,
      network_records: 0,
    });
    assert.deepEqual(
      await snapshot(),
      before,
      'no server, tool, version, secret, source or record of the document exists',
    );
    assert.equal(
      (await t.db.query(`SELECT count(*)::int AS n FROM servers WHERE name IN ('first_ok', 'second_bad')`)).rows[0].n,
      0,
    );
    assert.equal(
      (await t.db.query(`SELECT count(*)::int AS n FROM activity_logs WHERE message LIKE '%first_ok%'`)).rows[0].n,
      0,
      'no audit entry of the rolled-back work',
    );

    const dupes = await importDoc({ ...doc, servers: [doc.servers[0], doc.servers[0]] }, '?allow_unsigned=true');
    assert.equal(dupes.status, 400);
    assert.deepEqual(await snapshot(), before);
  });

  it('lands every tool of an unsigned import in pending_review, even under auto_approve', async () => {
    await setPolicy('auto_approve');
    try {
      const doc = clone(signed);
      doc.servers[0].name = 'weather_unsigned';
      const res = await importDoc(doc, '?allow_unsigned=true');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.signature_verified, false);
      const rows = (
        await t.db.query(
          `SELECT t.approval_status FROM tools t JOIN servers s ON s.id = t.server_id WHERE s.name = 'weather_unsigned'`,
        )
      ).rows;
      assert.equal(rows.length, 2);
      assert.ok(rows.every((r) => r.approval_status === 'pending_review'));

      // A verified document from this MCPBox follows the policy.
      const signedCopy = await t.get(`/api/export/servers/${weatherId}`, opts());
      const renamed = clone(signedCopy.body as Doc);
      renamed.servers[0].name = 'weather_signed';
      renamed.signature = t.app.get(ExportSigner).sign(renamed as unknown as Record<string, unknown>);
      const ok = await importDoc(renamed);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.signature_verified, true);
      const approved = (
        await t.db.query(
          `SELECT t.approval_status FROM tools t JOIN servers s ON s.id = t.server_id WHERE s.name = 'weather_signed'`,
        )
      ).rows;
      assert.ok(approved.length === 2 && approved.every((r) => r.approval_status === 'approved'));
    } finally {
      await setPolicy('require_approval');
    }
  });

  it('round trip: export, delete, import gives back the tools, code, schemas, secret names and allowed hosts', async () => {
    const before = (await t.get(`/api/servers/${weatherId}`, opts())).body;
    const toolsBefore = await Promise.all(
      before.tools
        .filter((x: { tool_type: string }) => x.tool_type === 'code')
        .map(async (x: { id: string }) => (await t.get(`/api/tools/${x.id}`, opts())).body),
    );
    assert.equal((await t.delete(`/api/servers/${weatherId}`, opts())).status, 204);

    const res = await importDoc(signed);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.signature_verified, true);
    assert.deepEqual(res.body.created, { servers: 1, tools: 2, secrets: 2, external_sources: 1, network_records: 2 });
    assert.deepEqual(res.body.failed, []);
    const skipped = res.body.skipped.map((s: { kind: string; name: string }) => `${s.kind}:${s.name}`).sort();
    assert.deepEqual(skipped, ['module_record:lodash-es', 'tool:weather.remote_search']);

    const list = await t.get('/api/servers?page_size=100', opts());
    const restored = list.body.items.find((s: { name: string }) => s.name === 'weather');
    assert.ok(restored);
    assert.notEqual(restored.id, weatherId);
    assert.equal(restored.status, 'imported');
    assert.equal(restored.description, 'Weather tools');
    assert.equal(restored.default_timeout_ms, 20000);
    assert.deepEqual(restored.allowed_hosts, [
      { host: '10.0.0.5', port: null },
      { host: 'api.weather.example', port: 443 },
    ]);

    const detail = (await t.get(`/api/servers/${restored.id}`, opts())).body;
    const toolsAfter = await Promise.all(
      detail.tools.map(async (x: { id: string }) => (await t.get(`/api/tools/${x.id}`, opts())).body),
    );
    const pick = (x: Record<string, unknown>) => ({
      name: x.name,
      description: x.description,
      code: x.code,
      language: x.language,
      input_schema: x.input_schema,
      enabled: x.enabled,
      timeout_ms: x.timeout_ms,
      tool_type: x.tool_type,
    });
    assert.deepEqual(toolsAfter.map(pick), toolsBefore.map(pick));
    for (const tool of toolsAfter) {
      assert.equal(tool.approval_status, 'pending_review');
      assert.equal(tool.current_version, 1);
    }
    const versions = (
      await t.db.query(
        `SELECT v.change_source FROM tool_versions v JOIN tools t ON t.id = v.tool_id WHERE t.server_id = $1`,
        [restored.id],
      )
    ).rows;
    assert.deepEqual(
      versions.map((v) => v.change_source),
      ['import', 'import'],
    );

    const secrets = (await t.get(`/api/servers/${restored.id}/secrets`, opts())).body.items;
    assert.deepEqual(
      secrets.map((s: { key_name: string; has_value: boolean; description: string | null }) => [
        s.key_name,
        s.has_value,
        s.description,
      ]),
      [
        ['API_KEY', false, 'weather API key'],
        ['EMPTY_KEY', false, null],
      ],
    );
    const records = (
      await t.db.query(
        `SELECT host, port, source, status, reviewed_by FROM network_access_requests WHERE server_id = $1 ORDER BY host`,
        [restored.id],
      )
    ).rows;
    assert.deepEqual(records, [
      { host: '10.0.0.5', port: null, source: 'admin', status: 'approved', reviewed_by: 'admin' },
      { host: 'api.weather.example', port: 443, source: 'admin', status: 'approved', reviewed_by: 'admin' },
    ]);
    const source = (
      await t.db.query(`SELECT url, auth_type, auth_secret_name FROM external_mcp_sources WHERE server_id = $1`, [
        restored.id,
      ])
    ).rows;
    assert.deepEqual(source, [{ url: 'https://mcp.example/mcp', auth_type: 'bearer', auth_secret_name: 'API_KEY' }]);

    // A second export of the restored server equals the first one (apart from time, signature and the skipped passthrough tool).
    const again = (await t.get(`/api/export/servers/${restored.id}`, opts())).body as Doc;
    const strip = (d: Doc) => ({
      ...d.servers[0],
      tools: d.servers[0].tools.filter((x: { tool_type: string }) => x.tool_type === 'code'),
    });
    assert.deepEqual(strip(again), strip(signed));
    const audit = (
      await t.db.query(`SELECT message FROM activity_logs WHERE log_type = 'audit' AND message LIKE 'Import by admin%'`)
    ).rows;
    assert.ok(audit.length >= 1);
    const everything = (
      await t.db.query(
        `SELECT coalesce(string_agg(message || coalesce(details::text, ''), ''), '') AS t FROM activity_logs`,
      )
    ).rows[0].t as string;
    assert.ok(!everything.includes(SECRET_VALUE));
  });
});
