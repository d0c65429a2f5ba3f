import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityService } from '../../src/activity/activity.service';
import { ADMIN, setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp } from '../support/mcp';
import { approveTool, createServerVia, createToolVia } from './sandbox-fixtures';

interface EntryRow {
  log_type: string;
  level: string;
  message: string;
  details: Record<string, unknown> | null;
  request_id: string | null;
  server_id: string | null;
  duration_ms: number | null;
}

const NEW_PASSWORD = 'another long passphrase';

describe('what the activity trail records', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  let toolId: string;
  const tokens: string[] = [];

  const entries = async (where: string, params: unknown[] = []): Promise<EntryRow[]> => {
    await t.app.get(ActivityService).drain();
    return (await t.db.query<EntryRow>(`SELECT * FROM activity_logs WHERE ${where} ORDER BY created_at`, params)).rows;
  };

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    tokens.push(token);
    serverId = await createServerVia(t, token, 'covered');
    const tool = await createToolVia(t, token, serverId, {
      name: 'shout',
      code: 'export async function main({ text }) { return text.toUpperCase() }',
    });
    toolId = tool.id;
    await approveTool(t, token, tool.id);
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
  });
  after(() => t.close());

  it('auth events: login ok and failed, refresh reuse, password change (ok and refused), logout — no secret, no token', async () => {
    const failed = await t.post('/auth/login', { username: ADMIN.username, password: 'wrong password here' });
    assert.equal(failed.status, 401);
    const login = await t.post('/auth/login', ADMIN);
    const pair = login.body as { access_token: string; refresh_token: string };
    tokens.push(pair.access_token, pair.refresh_token);
    const rotated = await t.post('/auth/refresh', { refresh_token: pair.refresh_token });
    assert.equal(rotated.status, 200);
    tokens.push(rotated.body.access_token, rotated.body.refresh_token);
    assert.equal((await t.post('/auth/refresh', { refresh_token: pair.refresh_token })).status, 401);
    const wrong = await t.post(
      '/auth/change-password',
      { current_password: 'not the password', new_password: NEW_PASSWORD },
      { token },
    );
    assert.equal(wrong.status, 400);
    const changed = await t.post(
      '/auth/change-password',
      { current_password: ADMIN.password, new_password: NEW_PASSWORD },
      { token },
    );
    assert.equal(changed.status, 200, changed.text);
    token = changed.body.access_token;
    tokens.push(token, changed.body.refresh_token);
    assert.equal((await t.post('/auth/logout', undefined, { token })).status, 204);
    token = (await t.post('/auth/login', { username: ADMIN.username, password: NEW_PASSWORD })).body.access_token;
    tokens.push(token);

    const auth = await entries("log_type IN ('audit', 'alert') AND details->>'username' = $1", [ADMIN.username]);
    const messages = auth.map((e) => e.message);
    for (const expected of [
      /^Failed login$/,
      /^admin logged in$/,
      /^Refresh token reused: token family revoked$/,
      /^Password change refused for admin: wrong current password$/,
      /^admin changed the password$/,
      /^admin logged out$/,
    ])
      assert.ok(
        messages.some((m) => expected.test(m)),
        `${expected} in ${messages.join(' | ')}`,
      );
    const text = JSON.stringify(await entries('TRUE'));
    for (const secret of [ADMIN.password, NEW_PASSWORD, 'wrong password here', 'not the password', ...tokens])
      assert.ok(!text.includes(secret), `no secret or token in the trail (${secret.slice(0, 8)}…)`);
  });

  it('audit entries carry who, what, and the old and new values', async () => {
    const res = await t.patch(
      `/api/servers/${serverId}`,
      { description: 'after', default_timeout_ms: 5000 },
      { token },
    );
    assert.equal(res.status, 200, res.text);
    const [server] = await entries("log_type = 'audit' AND message LIKE 'Server covered updated%'");
    assert.equal(server.details?.actor, 'admin');
    assert.equal(server.details?.actor_kind, 'admin');
    assert.deepEqual(server.details?.changes, {
      description: { old: null, new: 'after' },
      default_timeout_ms: { old: 30000, new: 5000 },
    });
    assert.ok(server.request_id, 'with the request id');

    const edit = await t.patch(
      `/api/tools/${toolId}`,
      { description: 'louder', code: 'export async function main({ text }) { return text.toUpperCase() + "!" }' },
      { token },
    );
    assert.equal(edit.status, 200, edit.text);
    const [tool] = await entries("log_type = 'audit' AND message LIKE 'Tool shout updated%'");
    assert.deepEqual(tool.details?.changes, {
      description: { old: 'a test tool', new: 'louder' },
      version: { old: 1, new: 2 },
    });
    assert.deepEqual(tool.details?.approval_status, { from: 'approved', to: 'pending_review' });
    await approveTool(t, token, toolId);
  });

  it('a test run is one tool_execution entry with the request id of its request', async () => {
    const res = await t.post('/api/tools/test-code', { tool_id: toolId, arguments: { text: 'hi' } }, { token });
    assert.equal(res.status, 200, res.text);
    const requestId = res.headers.get('x-request-id');
    const rows = await entries("log_type = 'tool_execution' AND request_id = $1", [requestId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].details?.is_test, true);
    assert.equal(rows[0].details?.executed_by, 'admin');
    assert.equal(rows[0].server_id, serverId);
  });

  it('every MCP request is one mcp_request entry: management tools, refusals and protocol errors too', async () => {
    const client = await connectMcp(`${t.url}/mcp`, 'legacy', { name: 'coverage-client' });
    await client.callTool({ name: 'mcpbox_list_servers', arguments: {} });
    await assert.rejects(client.callTool({ name: 'covered__nothing_here', arguments: {} }));
    await client.close();
    const broken = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":',
    });
    assert.equal(broken.status, 400);
    const requestId = broken.headers.get('x-request-id');

    const rows = await entries("log_type = 'mcp_request'");
    const management = rows.find((r) => r.details?.tool === 'mcpbox_list_servers');
    assert.ok(management, 'the management tool call');
    assert.equal(management.details?.outcome, 'ok');
    assert.equal(management.details?.client, 'coverage-client');
    assert.equal(management.details?.era, 'legacy');
    const unknown = rows.find((r) => r.details?.tool === 'covered__nothing_here');
    assert.ok(unknown);
    assert.equal(unknown.details?.outcome, 'error');
    assert.equal(typeof unknown.details?.error_code, 'number');
    assert.equal(unknown.level, 'warning');
    const init = rows.filter((r) => r.details?.method === 'initialize' && r.details?.client === 'coverage-client');
    assert.equal(init.length, 1);
    const parse = rows.find((r) => r.request_id === requestId);
    assert.ok(parse, 'the unparsable request');
    assert.deepEqual([parse.details?.outcome, parse.details?.http_status], ['refused', 400]);
  });

  it('an unexpected server error is an error entry with its request id, naming the route, not the message', async () => {
    // A real failure: the database no longer matches what the code expects.
    await t.db.query('ALTER TABLE settings RENAME COLUMN description TO description_gone');
    try {
      const res = await t.get('/api/settings', { token });
      assert.equal(res.status, 500, res.text);
      const requestId = res.headers.get('x-request-id');
      const rows = await entries("log_type = 'error' AND request_id = $1", [requestId]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].level, 'error');
      assert.equal(rows[0].details?.route, '/api/settings');
      assert.doesNotMatch(rows[0].message, /description_gone|column|SELECT/i);
    } finally {
      await t.db.query('ALTER TABLE settings RENAME COLUMN description_gone TO description');
    }
  });
});
