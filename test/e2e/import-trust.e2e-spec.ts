import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const CODE = 'export async function main({ city }) {\n  return city;\n}\n';

/** A document as another MCPBox (or anyone) could write it: no signature this MCPBox can verify. */
const unsignedDocument = (name: string, extra: Record<string, unknown> = {}) => ({
  format_version: 1,
  exported_at: new Date().toISOString(),
  module_records: ['lodash-es', '@scope/helper'],
  servers: [
    {
      name,
      description: 'from elsewhere',
      tools: [{ name: 'echo', description: 'd', code: CODE }],
      secrets: [{ key_name: 'API_KEY', description: null }],
      network_records: [
        { host: '10.0.0.5', port: null },
        { host: 'api.example.com', port: 443 },
      ],
    },
  ],
  ...extra,
});

describe('import: an unsigned document grants nothing (issue 13)', () => {
  let t: TestApp;
  let token: string;
  const opts = () => ({ token });
  const serverNamed = async (name: string) =>
    (await t.db.query('SELECT id, allowed_hosts FROM servers WHERE name = $1', [name])).rows[0] as
      { id: string; allowed_hosts: unknown[] } | undefined;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
  });
  after(() => t.close());

  it('opens no address: its network records arrive as pending requests, the allowed hosts stay empty', async () => {
    const res = await t.post('/api/export/import?allow_unsigned=true', unsignedDocument('elsewhere'), opts());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.signature_verified, false);
    const server = await serverNamed('elsewhere');
    assert.ok(server);
    assert.deepEqual(server.allowed_hosts, [], 'an unsigned file must not open private addresses to a server');
    const records = (
      await t.db.query(
        `SELECT host, port, status, source, requested_by, justification, reviewed_by, tool_id
           FROM network_access_requests WHERE server_id = $1 ORDER BY host`,
        [server.id],
      )
    ).rows;
    assert.deepEqual(
      records.map((r) => [r.host, r.port, r.status, r.source, r.reviewed_by, r.tool_id]),
      [
        ['10.0.0.5', null, 'pending', 'import', null, null],
        ['api.example.com', 443, 'pending', 'import', null, null],
      ],
    );
    for (const r of records) {
      assert.equal(r.requested_by, 'import by admin');
      assert.match(r.justification, /signature did not verify/);
    }
    assert.equal(res.body.created.network_records, 0);
    assert.deepEqual(
      res.body.pending_requests.map((p: { kind: string; name: string }) => `${p.kind}:${p.name}`).sort(),
      [
        'module_record:@scope/helper',
        'module_record:lodash-es',
        'network_record:elsewhere:10.0.0.5',
        'network_record:elsewhere:api.example.com:443',
      ],
    );
    const detail = await t.get(`/api/servers/${server.id}`, opts());
    assert.deepEqual(detail.body.allowed_hosts, []);
    const tool = detail.body.tools[0];
    assert.equal(tool.approval_status, 'pending_review', 'its tools wait for review too');
  });

  it('allows no module: module records become pending module requests, the allowed list stays empty', async () => {
    const modules = (
      await t.db.query(
        `SELECT module_name, status, source, requested_by, server_id, tool_id FROM module_requests ORDER BY module_name`,
      )
    ).rows;
    assert.deepEqual(modules, [
      {
        module_name: '@scope/helper',
        status: 'pending',
        source: 'import',
        requested_by: 'import by admin',
        server_id: null,
        tool_id: null,
      },
      {
        module_name: 'lodash-es',
        status: 'pending',
        source: 'import',
        requested_by: 'import by admin',
        server_id: null,
        tool_id: null,
      },
    ]);
    const config = (await t.db.query('SELECT allowed_modules FROM global_config')).rows;
    assert.ok(config.every((r) => (r.allowed_modules as unknown[]).length === 0));
    const stats = await t.get('/api/approvals/stats', opts());
    assert.equal(stats.body.network.pending, 2);
    assert.equal(stats.body.modules.pending, 2);
    // The same document again (under another name): the pending module requests are not repeated.
    const again = await t.post('/api/export/import?allow_unsigned=true', unsignedDocument('elsewhere_two'), opts());
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(
      again.body.skipped
        .filter((s: { kind: string }) => s.kind === 'module_record')
        .map((s: { reason: string }) => s.reason),
      ['a request for the module is already pending', 'a request for the module is already pending'],
    );
  });

  it('keeps a signed document’s behaviour: its network records are allowances, its module records skipped', async () => {
    const created = await t.post('/api/servers', { name: 'signed_src' }, opts());
    await t.post(`/api/servers/${created.body.id}/allowed-hosts`, { host: '10.1.1.1' }, opts());
    const exported = (await t.get(`/api/export/servers/${created.body.id}`, opts())).body;
    assert.equal((await t.delete(`/api/servers/${created.body.id}`, opts())).status, 204);
    const res = await t.post('/api/export/import', exported, opts());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.signature_verified, true);
    assert.equal(res.body.created.network_records, 1);
    assert.deepEqual(res.body.pending_requests, []);
    assert.deepEqual((await serverNamed('signed_src'))?.allowed_hosts, [{ host: '10.1.1.1', port: null }]);
  });

  it('answers counts of created, skipped and failed items besides the lists', async () => {
    const doc = unsignedDocument('counted', { module_records: [] });
    (doc.servers[0].tools as unknown[]).push({
      name: 'passthrough',
      description: 'd',
      tool_type: 'mcp_passthrough',
      external_source_name: 'up',
    });
    const res = await t.post('/api/export/import?allow_unsigned=true', doc, opts());
    assert.equal(res.status, 200, res.text);
    // server + tool + secret created; the passthrough tool skipped; two network records left as requests.
    assert.deepEqual(res.body.counts, { created: 3, skipped: 1, failed: 0, pending_requests: 2 });
    assert.equal(res.body.counts.skipped, res.body.skipped.length);
    const bad = await t.post(
      '/api/export/import?allow_unsigned=true',
      unsignedDocument('refused', { module_records: ['Not A Module'] }),
      opts(),
    );
    assert.equal(bad.status, 400, bad.text);
    assert.deepEqual(bad.body.details.counts, { created: 0, skipped: 0, failed: 1, pending_requests: 0 });
    assert.equal(bad.body.details.failed[0].kind, 'module_record');
    assert.equal(await serverNamed('refused'), undefined, 'nothing of a refused import is kept');
  });
});

describe('GET /health/services', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  it('answers in the list shape of every other list', async () => {
    const res = await t.get('/health/services');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['items', 'page', 'page_size', 'pages', 'total']);
    assert.equal(res.body.total, res.body.items.length);
    assert.ok(res.body.items.some((s: { name: string }) => s.name === 'database'));
    const paged = await t.get('/health/services?page=1&page_size=1');
    assert.equal(paged.body.items.length, 1);
    assert.equal(paged.body.pages, res.body.total);
    assert.equal((await t.get('/health/services?page_size=101')).status, 400);
  });
});
