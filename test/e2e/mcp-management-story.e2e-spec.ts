import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS, firstText, watchListChanged } from '../support/mcp';
import { waitForRows } from './sandbox-fixtures';

let t: TestApp;
let token: string;

before(async () => {
  t = await startApp();
  await t.post('/auth/setup', ADMIN);
  token = (await t.post('/auth/login', ADMIN)).body.access_token;
  await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
});
after(async () => t.close());

/** A management tool's JSON result (structuredContent, the same JSON as its text). */
async function use(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name, arguments: args });
  assert.notEqual(result.isError, true, `${name}: ${firstText(result)}`);
  assert.deepEqual(
    JSON.parse(firstText(result)),
    result.structuredContent,
    `${name}: text and structuredContent agree`,
  );
  return result.structuredContent;
}

async function refused(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `${name} should be refused: ${firstText(result)}`);
  return firstText(result);
}

for (const era of ERAS) {
  describe(`${era}: an LLM builds, tests and publishes a tool over /mcp`, () => {
    it('create → validate → test refused → publish → admin approves → start → call → logs → update → rollback → delete', async () => {
      const client = await connectMcp(`${t.url}/mcp`, era, { name: `story-${era}` });
      if (era === 'modern') await client.listen({ toolsListChanged: true });
      const heard = watchListChanged(client);
      const instructions = client.getInstructions() ?? '';
      assert.match(instructions, /mcpbox_create_tool → mcpbox_validate_code .* mcpbox_request_publish/);
      assert.match(instructions, /ES module exporting async function main/);
      assert.match(instructions, /you can never approve anything yourself/);
      const srvName = `story_${era}`;

      const server = await use(client, 'mcpbox_create_server', { name: srvName, description: 'the story' });
      assert.match(server.id, /^[0-9a-f-]{36}$/);
      const secret = await use(client, 'mcpbox_create_server_secret', { server_id: server.id, key_name: 'GREETING' });
      assert.match(secret.id, /^[0-9a-f-]{36}$/);
      assert.equal(secret.has_value, false);
      const code = 'export async function main({ name }) { return `${secrets.GREETING ?? "hello"}, ${name}` }';
      const check = await use(client, 'mcpbox_validate_code', { code });
      assert.equal(check.valid, true);
      assert.deepEqual(Object.keys(check.input_schema.properties), ['name']);
      const tool = await use(client, 'mcpbox_create_tool', {
        server_id: server.id,
        name: 'greet',
        description: 'Greets',
        code,
      });
      assert.equal(tool.approval_status, 'draft');

      const early = await refused(client, 'mcpbox_test_code', { tool_id: tool.id, arguments: { name: 'Ada' } });
      assert.match(
        early,
        /is a draft: request publication \(mcpbox_request_publish\); an admin must approve it before it can run/,
      );

      const published = await use(client, 'mcpbox_request_publish', { tool_id: tool.id, notes: 'please' });
      assert.equal(published.approval_status, 'pending_review');
      const pending = await refused(client, 'mcpbox_test_code', { tool_id: tool.id, arguments: { name: 'Ada' } });
      assert.match(pending, /pending review; an admin must approve it before it can run/);
      const queue = await use(client, 'mcpbox_list_pending_requests', { server_id: server.id });
      assert.deepEqual(
        queue.tools_pending_review.map((x: { name: string }) => x.name),
        ['greet'],
      );
      const status = await use(client, 'mcpbox_get_tool_status', { tool_id: tool.id });
      assert.equal(status.approval_status, 'pending_review');
      assert.match(status.next_step, /Wait for an admin/);

      // The admin decides over the Admin API; an LLM cannot.
      const approve = await t.post(`/api/approvals/tools/${tool.id}/action`, { action: 'approve' }, { token });
      assert.equal(approve.status, 200, approve.text);
      await t.put(`/api/servers/${server.id}/secrets/GREETING`, { value: 'Howdy' }, { token });

      const tested = await use(client, 'mcpbox_test_code', { tool_id: tool.id, arguments: { name: 'Ada' } });
      assert.equal(tested.success, true);
      assert.equal(tested.result, '[REDACTED], Ada', 'the secret value is redacted in what the LLM sees');

      const next = heard.next();
      const started = await use(client, 'mcpbox_start_server', { server_id: server.id });
      assert.equal(started.status, 'running');
      await next;
      const listed = (await client.listTools()).tools.map((x) => x.name);
      assert.ok(listed.includes(`${srvName}__greet`), listed.join(', '));
      const direct = await client.callTool({ name: `${srvName}__greet`, arguments: { name: 'Bob' } });
      assert.equal(firstText(direct), '[REDACTED], Bob');
      const viaCall = await client.callTool({
        name: 'mcpbox_call_tool',
        arguments: { name: `${srvName}__greet`, arguments: { name: 'Cy' } },
      });
      assert.equal(firstText(viaCall), '[REDACTED], Cy');
      const found = await use(client, 'mcpbox_search_tools', { query: 'greets' });
      assert.equal(found.results[0].name, `${srvName}__greet`);
      const served = await use(client, 'mcpbox_get_tool_status', { tool_id: tool.id });
      assert.equal(served.served, true);
      assert.equal(served.call_name, `${srvName}__greet`);

      await waitForRows(t, 3, 'tool_id = $1', [tool.id]);
      const logs = await use(client, 'mcpbox_get_tool_logs', { tool_id: tool.id, limit: 5 });
      assert.ok(logs.items.length >= 3);
      assert.ok(logs.items.some((r: { executed_by: string }) => r.executed_by === `mcp:story-${era}`));
      assert.ok(!JSON.stringify(logs).includes('Howdy'), 'no secret value in the logs');

      const unloaded = heard.next();
      const updated = await use(client, 'mcpbox_update_tool', {
        tool_id: tool.id,
        code: 'export async function main({ name }) { return `hi ${name}` }',
      });
      assert.equal(updated.approval_status, 'pending_review');
      assert.equal(updated.current_version, 2);
      await unloaded;
      assert.ok(!(await client.listTools()).tools.some((x) => x.name === `${srvName}__greet`));

      const versions = await use(client, 'mcpbox_list_tool_versions', { tool_id: tool.id });
      assert.deepEqual(
        versions.items.map((v: { version_number: number }) => v.version_number),
        [2, 1],
      );
      const rolled = await use(client, 'mcpbox_rollback_tool', { tool_id: tool.id, version: 1 });
      assert.equal(rolled.current_version, 3);
      assert.equal(rolled.code, code);
      assert.equal(rolled.approval_status, 'pending_review');

      const deleted = await use(client, 'mcpbox_delete_tool', { tool_id: tool.id });
      assert.deepEqual(deleted, { id: tool.id, deleted: true });
      const gone = await refused(client, 'mcpbox_get_tool', { tool_id: tool.id });
      assert.match(gone, /not found/);
      const audit = await t.db.query<{ message: string }>(
        `SELECT message FROM activity_logs WHERE log_type = 'audit' AND details->>'actor_kind' = 'llm' AND details->>'actor' = $1`,
        [`mcp:story-${era}`],
      );
      // create server, secret, tool; publish; start; update; rollback; delete tool (the server's own entries go with it).
      assert.ok(
        audit.rows.length >= 7,
        `LLM changes are audited with the client's name: ${audit.rows.map((r) => r.message).join(' | ')}`,
      );
      await use(client, 'mcpbox_delete_server', { server_id: server.id });

      await client.close();
    });
  });
}
