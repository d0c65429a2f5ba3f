import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setupAdmin, startApp, type TestApp } from '../support/app';

/**
 * The whole life of a tool through the Admin API (issue 3, "shown when done"): every
 * state, current_version and version row is checked on the way, through export, delete
 * and import of its server.
 */
const V1 = 'export async function main({ city, units = "metric" }) {\n  return `${city} in ${units}`;\n}\n';
const V2 =
  'export async function main({ city, units = "metric", days = 3 }) {\n  return `${city} in ${units} for ${days} days`;\n}\n';
const V3 =
  'export async function main({ city, units = "metric", days = 5 }) {\n  return `${city} in ${units} for ${days} days`;\n}\n';

describe('tool lifecycle', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  let toolId: string;
  let exported: Record<string, any>;

  const tool = async () => {
    const res = await t.get(`/api/tools/${toolId}`, { token });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const versionRows = async () =>
    (
      await t.db.query(
        'SELECT version_number, change_source, code FROM tool_versions WHERE tool_id = $1 ORDER BY version_number',
        [toolId],
      )
    ).rows.map((r) => [r.version_number, r.change_source, r.code]);
  const expectState = async (status: string, version: number, rows: [number, string, string][]) => {
    const current = await tool();
    assert.equal(current.approval_status, status);
    assert.equal(current.current_version, version);
    assert.deepEqual(await versionRows(), rows);
    return current;
  };

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    const server = await t.post('/api/servers', { name: 'weather', description: 'Weather tools' }, { token });
    assert.equal(server.status, 201, server.text);
    serverId = server.body.id;
  });
  after(() => t.close());

  it('1. validate the code, then create the tool: draft, version 1', async () => {
    const check = await t.post('/api/tools/validate-code', { code: V1 }, { token });
    assert.equal(check.status, 200);
    assert.equal(check.body.valid, true);
    assert.deepEqual(check.body.input_schema, {
      type: 'object',
      properties: { city: {}, units: { type: 'string', default: 'metric' } },
      required: ['city'],
    });

    const created = await t.post(
      `/api/servers/${serverId}/tools`,
      { name: 'get_weather', description: 'Weather for a city', code: V1 },
      { token },
    );
    assert.equal(created.status, 201, created.text);
    toolId = created.body.id;
    assert.deepEqual(created.body.input_schema, check.body.input_schema);
    await expectState('draft', 1, [[1, 'manual', V1]]);
    assert.equal((await t.get(`/api/servers/${serverId}`, { token })).body.tool_count, 1);
  });

  it('2. edit the code: version 2, still draft, schema re-derived', async () => {
    const check = await t.post('/api/tools/validate-code', { code: V2 }, { token });
    assert.equal(check.body.valid, true);
    const res = await t.patch(`/api/tools/${toolId}`, { code: V2, change_summary: 'add days' }, { token });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.input_schema, check.body.input_schema);
    await expectState('draft', 2, [
      [1, 'manual', V1],
      [2, 'manual', V2],
    ]);
  });

  it('3. list and compare versions', async () => {
    const list = await t.get(`/api/tools/${toolId}/versions`, { token });
    assert.deepEqual(
      list.body.items.map((v: { version_number: number }) => v.version_number),
      [2, 1],
    );
    const cmp = await t.get(`/api/tools/${toolId}/versions/compare?from=1&to=2`, { token });
    assert.equal(cmp.status, 200);
    assert.deepEqual(cmp.body.changed_fields, ['code', 'input_schema']);
    assert.equal(cmp.body.from.version_number, 1);
    assert.equal(cmp.body.to.version_number, 2);
    assert.match(cmp.body.diff, /^-export async function main\(\{ city, units = "metric" \}\) \{$/m);
    assert.match(cmp.body.diff, /^\+export async function main\(\{ city, units = "metric", days = 3 \}\) \{$/m);
  });

  it('4. submit for review: pending_review', async () => {
    const res = await t.post(
      `/api/approvals/tools/${toolId}/action`,
      { action: 'submit_for_review', notes: 'ready for review' },
      { token },
    );
    assert.equal(res.status, 200, res.text);
    const current = await expectState('pending_review', 2, [
      [1, 'manual', V1],
      [2, 'manual', V2],
    ]);
    assert.equal(current.publish_notes, 'ready for review');
    const queue = await t.get('/api/approvals/tools', { token });
    assert.deepEqual(
      queue.body.items.map((x: { id: string }) => x.id),
      [toolId],
    );
  });

  it('5. reject: a reason is required; then rejected with it', async () => {
    const noReason = await t.post(`/api/approvals/tools/${toolId}/action`, { action: 'reject' }, { token });
    assert.equal(noReason.status, 400);
    await expectState('pending_review', 2, [
      [1, 'manual', V1],
      [2, 'manual', V2],
    ]);
    const res = await t.post(
      `/api/approvals/tools/${toolId}/action`,
      { action: 'reject', reason: 'days should default to 5' },
      { token },
    );
    assert.equal(res.status, 200);
    const current = await expectState('rejected', 2, [
      [1, 'manual', V1],
      [2, 'manual', V2],
    ]);
    assert.equal(current.rejection_reason, 'days should default to 5');
  });

  it('6. edit after rejection: version 3, back to pending_review', async () => {
    const res = await t.patch(`/api/tools/${toolId}`, { code: V3 }, { token });
    assert.equal(res.status, 200);
    await expectState('pending_review', 3, [
      [1, 'manual', V1],
      [2, 'manual', V2],
      [3, 'manual', V3],
    ]);
  });

  it('7. approve: approved by the reviewer from the JWT', async () => {
    const res = await t.post(`/api/approvals/tools/${toolId}/action`, { action: 'approve' }, { token });
    assert.equal(res.status, 200);
    const current = await expectState('approved', 3, [
      [1, 'manual', V1],
      [2, 'manual', V2],
      [3, 'manual', V3],
    ]);
    assert.equal(current.approved_by, 'admin');
    assert.equal(current.rejection_reason, null);
    const stats = await t.get('/api/approvals/stats', { token });
    assert.deepEqual(stats.body.tools, { draft: 0, pending_review: 0, approved: 1, rejected: 0 });
  });

  it('8. revoke: back to pending_review', async () => {
    const res = await t.post(`/api/approvals/tools/${toolId}/revoke`, {}, { token });
    assert.equal(res.status, 200);
    const current = await expectState('pending_review', 3, [
      [1, 'manual', V1],
      [2, 'manual', V2],
      [3, 'manual', V3],
    ]);
    assert.equal(current.approved_by, null);
  });

  it('9. approve again, then roll back to version 1: version 4 copied from 1, pending_review', async () => {
    await t.post(`/api/approvals/tools/${toolId}/action`, { action: 'approve' }, { token });
    await expectState('approved', 3, [
      [1, 'manual', V1],
      [2, 'manual', V2],
      [3, 'manual', V3],
    ]);
    assert.equal((await t.post(`/api/tools/${toolId}/versions/3/rollback`, undefined, { token })).status, 400);
    assert.equal((await t.post(`/api/tools/${toolId}/versions/4/rollback`, undefined, { token })).status, 404);
    await expectState('approved', 3, [
      [1, 'manual', V1],
      [2, 'manual', V2],
      [3, 'manual', V3],
    ]);
    const res = await t.post(`/api/tools/${toolId}/versions/1/rollback`, undefined, { token });
    assert.equal(res.status, 200, res.text);
    const current = await expectState('pending_review', 4, [
      [1, 'manual', V1],
      [2, 'manual', V2],
      [3, 'manual', V3],
      [4, 'rollback', V1],
    ]);
    assert.equal(current.code, V1);
    assert.deepEqual(current.input_schema, {
      type: 'object',
      properties: { city: {}, units: { type: 'string', default: 'metric' } },
      required: ['city'],
    });
    const cmp = await t.get(`/api/tools/${toolId}/versions/compare?from=1&to=4`, { token });
    assert.deepEqual(cmp.body.changed_fields, []);
  });

  it('10. export the server: signed, the tool at its current code and schema', async () => {
    const res = await t.get(`/api/export/servers/${serverId}`, { token });
    assert.equal(res.status, 200, res.text);
    exported = res.body;
    assert.match(exported.signature, /^[0-9a-f]{64}$/);
    assert.equal(exported.servers.length, 1);
    const [tool] = exported.servers[0].tools;
    assert.equal(tool.name, 'get_weather');
    assert.equal(tool.code, V1);
    assert.deepEqual(tool.input_schema, {
      type: 'object',
      properties: { city: {}, units: { type: 'string', default: 'metric' } },
      required: ['city'],
    });
  });

  it('11. delete: the tool and its versions are gone', async () => {
    const res = await t.delete(`/api/tools/${toolId}`, { token });
    assert.equal(res.status, 204);
    assert.equal((await t.get(`/api/tools/${toolId}`, { token })).status, 404);
    assert.deepEqual(await versionRows(), []);
    assert.equal((await t.get(`/api/servers/${serverId}`, { token })).body.tool_count, 0);
    const audit = await t.db.query(
      `SELECT count(*)::int AS n FROM activity_logs WHERE log_type = 'audit' AND details->>'tool_id' = $1`,
      [toolId],
    );
    // create, 2 edits, submit, reject, approve, revoke, approve, rollback, delete
    assert.equal(audit.rows[0].n, 10);
  });

  it('12. delete the server, then import the export: the tool is back, version 1 from the import, pending review', async () => {
    assert.equal((await t.delete(`/api/servers/${serverId}`, { token })).status, 204);
    assert.equal((await t.get(`/api/servers/${serverId}`, { token })).status, 404);
    // The document exported in step 10 still holds the tool deleted in step 11.
    const res = await t.post('/api/export/import', exported, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.created.servers, 1);
    assert.equal(res.body.created.tools, 1);
    const servers = await t.get('/api/servers', { token });
    const server = servers.body.items.find((s: { name: string }) => s.name === 'weather');
    assert.ok(server, 'the server is back');
    const tools = await t.get(`/api/servers/${server.id}/tools`, { token });
    assert.equal(tools.body.items.length, 1);
    toolId = tools.body.items[0].id;
    const current = await expectState('pending_review', 1, [[1, 'import', V1]]);
    assert.equal(current.name, 'get_weather');
    assert.equal(current.approved_by, null);
  });
});
