import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityService } from '../../src/activity/activity.service';
import { ModernEndpoints } from '../../src/mcp/modern-endpoints';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS, firstText, nextListChanged } from '../support/mcp';
import { approveTool, createServerVia, createToolVia, waitForRows } from './sandbox-fixtures';

let t: TestApp;
let token: string;

before(async () => {
  t = await startApp();
  await t.post('/auth/setup', ADMIN);
  token = (await t.post('/auth/login', ADMIN)).body.access_token;
});
after(async () => t.close());

describe('the MCP gateway serves approved tools of running servers in both eras', () => {
  for (const era of ERAS) {
    it(`${era}: lists, hears list_changed after an approval and start, and calls {server}__{tool}`, async () => {
      const name = `gw_${era}`;
      const client = await connectMcp(`${t.url}/mcp`, era);
      assert.equal(client.getNegotiatedProtocolVersion(), era === 'modern' ? '2026-07-28' : '2025-11-25');
      if (era === 'modern') await client.listen({ toolsListChanged: true });
      const before = await client.listTools();
      assert.ok(!before.tools.some((x) => x.name.startsWith(`${name}__`)));

      const serverId = await createServerVia(t, token, name);
      const tool = await createToolVia(t, token, serverId, {
        name: 'add',
        code: 'export async function main({ a, b }) { return { sum: a + b } }',
        input_schema: {
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
          required: ['a', 'b'],
        },
      });
      await approveTool(t, token, tool.id);
      const changed = nextListChanged(client);
      const started = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
      assert.equal(started.status, 200, started.text);
      await changed;

      const listed = await client.listTools();
      const add = listed.tools.find((x) => x.name === `${name}__add`);
      assert.ok(add, JSON.stringify(listed.tools.map((x) => x.name)));
      assert.equal(add.description, 'a test tool');
      const result = await client.callTool({ name: `${name}__add`, arguments: { a: 2, b: 3 } });
      assert.equal(result.isError, undefined);
      assert.deepEqual(result.structuredContent, { sum: 5 });
      assert.equal(JSON.parse(firstText(result)).sum, 5);

      const scoped = await connectMcp(`${t.url}/mcp/${name}`, era);
      const own = await scoped.listTools();
      assert.deepEqual(
        own.tools.map((x) => x.name),
        ['add'],
      );
      const direct = await scoped.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
      assert.deepEqual(direct.structuredContent, { sum: 2 });
      await scoped.close();
      await client.close();
    });
  }
});

describe("every call's arguments are checked against the tool's input schema before it runs", () => {
  let serverId: string;
  let toolId: string;
  const schema = {
    type: 'object',
    properties: {
      city: { type: 'string', pattern: '^[A-Z][a-z]{1,40}$' },
      days: { type: 'integer', minimum: 1, maximum: 7 },
    },
    required: ['city'],
    additionalProperties: false,
  };

  before(async () => {
    serverId = await createServerVia(t, token, 'checked');
    const tool = await createToolVia(t, token, serverId, {
      name: 'forecast',
      // The code trusts its arguments: a call that reaches it with a bad one would say so.
      code: 'export async function main({ city, days = 1 }) { return { city: city.toUpperCase(), days } }',
      input_schema: schema,
    });
    toolId = tool.id;
    await approveTool(t, token, tool.id);
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
  });

  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /arguments must have required property 'city'/],
    [{ city: 7 }, /arguments\/city must be string/],
    [{ city: 'oslo' }, /arguments\/city must match pattern/],
    [{ city: 'Oslo', days: 1.5 }, /arguments\/days must be integer/],
    [{ city: 'Oslo', days: 9 }, /arguments\/days must be <= 7/],
    [{ city: 'Oslo', extra: true }, /arguments must NOT have additional properties/],
  ];

  for (const era of ERAS) {
    it(`${era}: a call that does not fit is an isError result saying what is wrong, logged; one that fits runs`, async () => {
      const client = await connectMcp(`${t.url}/mcp`, era);
      for (const [args, why] of cases) {
        const result = await client.callTool({ name: 'checked__forecast', arguments: args });
        assert.equal(result.isError, true, JSON.stringify(args));
        assert.match(firstText(result), /^Input validation error: Invalid arguments for tool forecast: /);
        assert.match(firstText(result), why, JSON.stringify(args));
      }
      const ok = await client.callTool({ name: 'checked__forecast', arguments: { city: 'Oslo', days: 3 } });
      assert.deepEqual(ok.structuredContent, { city: 'OSLO', days: 3 });
      // Through the management tool too (one code path).
      const managed = await client.callTool({
        name: 'mcpbox_call_tool',
        arguments: { name: 'checked__forecast', arguments: { city: 'oslo' } },
      });
      assert.match(JSON.stringify(managed), /Input validation error: .*arguments\/city must match pattern/);
      await client.close();
    });
  }

  it('the refused calls are in the execution log as failures, and test-code checks the same way', async () => {
    const rows = await waitForRows(t, 1, `tool_id = $1 AND success = false`, [toolId]);
    assert.ok(
      rows.some((r) => /arguments\/days must be integer/.test(r.error ?? '')),
      JSON.stringify(rows),
    );
    const tested = await t.post('/api/tools/test-code', { tool_id: toolId, arguments: { city: 7 } }, { token });
    assert.equal(tested.status, 200, tested.text);
    assert.equal(tested.body.success, false);
    assert.match(tested.body.error, /arguments\/city must be string/);
  });

  it('a schema whose pattern cannot be checked in linear time is refused when saved, over the API and MCP', async () => {
    const body = {
      name: 'lookahead',
      code: 'export async function main() { return 1 }',
      input_schema: { type: 'object', properties: { p: { type: 'string', pattern: '^(?=.*\\d).{8,}$' } } },
    };
    const res = await t.post(`/api/servers/${serverId}/tools`, { description: 'd', ...body }, { token });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /pattern .* is not one RE2 can check in linear time/);
    const client = await connectMcp(`${t.url}/mcp`, 'modern');
    const viaMcp = await client.callTool({
      name: 'mcpbox_create_tool',
      arguments: { server_id: serverId, description: 'd', ...body },
    });
    assert.equal(viaMcp.isError, true);
    assert.match(firstText(viaMcp), /RE2/);
    await client.close();
    const count = await t.db.query(`SELECT count(*)::int AS n FROM tools WHERE name = 'lookahead'`);
    assert.equal(count.rows[0].n, 0);
  });
});

describe('a call its client cancels is stopped in the sandbox and logged as cancelled', () => {
  let toolId: string;
  before(async () => {
    const serverId = await createServerVia(t, token, 'slow');
    const tool = await createToolVia(t, token, serverId, {
      name: 'ticks',
      code: 'export async function main({ n = 200 }) { for (let i = 0; i < n; i++) { await new Promise((r) => setTimeout(r, 25)); console.log("tick " + i); } return "finished"; }',
      timeout_ms: 30_000,
    });
    toolId = tool.id;
    await approveTool(t, token, tool.id);
    const spin = await createToolVia(t, token, serverId, {
      name: 'spin',
      code: 'export async function main() { const end = Date.now() + 10000; while (Date.now() < end) {} return "spun"; }',
      timeout_ms: 30_000,
    });
    await approveTool(t, token, spin.id);
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
  });

  it('a cancelled call spinning the CPU is stopped too: the next call of its server does not wait for it', async () => {
    const client = await connectMcp(`${t.url}/mcp`, 'legacy');
    const aborts = new AbortController();
    const call = client.callTool({ name: 'slow__spin', arguments: {} }, { signal: aborts.signal });
    setTimeout(() => aborts.abort(), 300);
    await assert.rejects(call);
    const started = performance.now();
    const next = await client.callTool({ name: 'slow__ticks', arguments: { n: 2 } });
    assert.equal(firstText(next), 'finished');
    assert.ok(performance.now() - started < 3000, `the next call took ${performance.now() - started} ms`);
    await client.close();
  });

  for (const era of ERAS) {
    it(`${era}: cancelling a 5 s call after 300 ms ends it at once; the next call runs`, async () => {
      const client = await connectMcp(`${t.url}/mcp`, era);
      const aborts = new AbortController();
      const startedAt = new Date();
      const call = client.callTool({ name: 'slow__ticks', arguments: {} }, { signal: aborts.signal });
      setTimeout(() => aborts.abort('the user pressed stop'), 300);
      await assert.rejects(call);
      const rows = await waitForRows(t, 1, `tool_id = $1 AND created_at >= $2`, [toolId, startedAt]);
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.equal(rows[0].success, false);
      assert.match(rows[0].error ?? '', /cancelled the call/);
      assert.ok(rows[0].duration_ms < 2000, `stopped after ${rows[0].duration_ms} ms`);
      assert.ok((rows[0].stdout ?? '').split('\n').filter(Boolean).length < 60, rows[0].stdout ?? '');
      const next = await client.callTool({ name: 'slow__ticks', arguments: { n: 2 } });
      assert.equal(firstText(next), 'finished');
      await client.close();
    });
  }
});

describe('calls carrying text PostgreSQL refuses are still logged, and cost no other entry', () => {
  for (const era of ERAS) {
    it(`${era}: NUL and lone surrogates in the client name, arguments, output and result become U+FFFD in the log`, async () => {
      const serverId = await createServerVia(t, token, `nul_${era}`);
      const tool = await createToolVia(t, token, serverId, {
        name: 'echo',
        code: 'export async function main(args) { console.log("out\\u0000put \\ud800"); return { got: args, s: "ret\\u0000urn" }; }',
      });
      await approveTool(t, token, tool.id);
      assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
      const client = await connectMcp(`${t.url}/mcp`, era, { name: `nul\u0000client-${era}` });
      const args = { 'k\u0000': 'v\u0000', lone: 'x\ud800y' };
      const result = await client.callTool({ name: `nul_${era}__echo`, arguments: args });
      assert.deepEqual(
        (result.structuredContent as { got: unknown }).got,
        args,
        'the tool itself gets the text as sent',
      );
      const rows = await waitForRows(t, 1, 'tool_id = $1', [tool.id]);
      assert.equal(rows.length, 1, 'the row is written');
      assert.equal(rows[0].executed_by, `mcp:nul\uFFFDclient-${era}`);
      assert.deepEqual(rows[0].input_args, { 'k\uFFFD': 'v\uFFFD', lone: 'x\uFFFDy' });
      assert.match(rows[0].stdout ?? '', /^out\uFFFDput /);
      assert.match(rows[0].result ?? '', /ret(\uFFFD|\\u0000)urn/);
      await t.app.get(ActivityService).drain();
      const entries = await t.db.query(
        `SELECT log_type FROM activity_logs WHERE server_id = $1 AND log_type IN ('mcp_request', 'tool_execution')`,
        [serverId],
      );
      assert.deepEqual(entries.rows.map((r) => r.log_type).sort(), ['mcp_request', 'tool_execution']);
      await client.close();
    });
  }
});

describe('tools/list is one page', () => {
  for (const era of ERAS) {
    it(`${era}: no nextCursor; a cursor this server never gave is -32602`, async () => {
      const client = await connectMcp(`${t.url}/mcp`, era);
      const page = await client.listTools();
      assert.equal(page.nextCursor, undefined);
      assert.ok(page.tools.length > 0);
      const err = await client.listTools({ cursor: 'page-2' }).catch((e: { code?: number; message: string }) => e);
      assert.equal((err as { code?: number }).code, -32602, JSON.stringify(err));
      assert.match((err as Error).message, /Invalid cursor/);
      await client.close();
    });
  }
});

describe("a deleted server's endpoint is dropped, so endpoints do not pile up", () => {
  it('modern: /mcp/{server} is closed when its server is deleted, and serves again when the name is taken again', async () => {
    const endpoints = t.app.get(ModernEndpoints);
    const serverId = await createServerVia(t, token, 'fleeting');
    const client = await connectMcp(`${t.url}/mcp/fleeting`, 'modern');
    await client.listTools();
    const before = endpoints.size;
    assert.equal((await t.delete(`/api/servers/${serverId}`, { token })).status, 204);
    for (let i = 0; i < 100 && endpoints.size >= before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(endpoints.size, before - 1, 'the endpoint of the deleted server is gone');
    await client.close();
    await createServerVia(t, token, 'fleeting');
    const again = await connectMcp(`${t.url}/mcp/fleeting`, 'modern');
    assert.deepEqual((await again.listTools()).tools, []);
    assert.equal(endpoints.size, before);
    await again.close();
  });
});

describe('a tool the caller cannot call is the spec error naming it, with the reason', () => {
  for (const era of ERAS) {
    it(`${era}: draft, pending review, rejected, disabled, stopped server, unknown tool and server`, async () => {
      const srv = `why_${era}`;
      const serverId = await createServerVia(t, token, srv);
      const mk = (name: string) =>
        createToolVia(t, token, serverId, { name, code: 'export async function main() { return 1 }' });
      const draft = await mk('drafty');
      const pending = await mk('pending');
      await t.post(`/api/approvals/tools/${pending.id}/action`, { action: 'submit_for_review' }, { token });
      const rejected = await mk('rejected');
      await t.post(`/api/approvals/tools/${rejected.id}/action`, { action: 'submit_for_review' }, { token });
      await t.post(
        `/api/approvals/tools/${rejected.id}/action`,
        { action: 'reject', reason: 'uses too much memory' },
        { token },
      );
      const disabled = await mk('off');
      await approveTool(t, token, disabled.id);
      await t.patch(`/api/tools/${disabled.id}`, { enabled: false }, { token });
      const ready = await mk('ready');
      await approveTool(t, token, ready.id);
      void draft;

      const client = await connectMcp(`${t.url}/mcp`, era);
      const expectError = async (name: string, pattern: RegExp) => {
        const err = await client.callTool({ name, arguments: {} }).then(
          (r) => assert.fail(`${name} answered ${JSON.stringify(r)}`),
          (e: { code?: number; message: string }) => e,
        );
        assert.equal(err.code, -32602, `${name}: ${err.message}`);
        assert.match(err.message, pattern, name);
        assert.match(err.message, new RegExp(`Unknown tool: ${name}`));
      };
      await expectError(`${srv}__drafty`, /draft: request publication \(mcpbox_request_publish\)/);
      await expectError(`${srv}__pending`, /pending review; an admin must approve it before it can run/);
      await expectError(`${srv}__rejected`, /rejected by an admin: uses too much memory/);
      await expectError(`${srv}__off`, /disabled/);
      await expectError(`${srv}__ready`, new RegExp(`Server "${srv}" is not running \\(status ready\\); start it`));
      await expectError(`${srv}__nothing`, new RegExp(`Server "${srv}" has no tool named "nothing"`));
      await expectError('nosuchserver__x', /No server matches the name/);
      await expectError('plainname', /named \{server\}__\{tool\}/);
      await client.close();

      const scoped = await connectMcp(`${t.url}/mcp/${srv}`, era);
      const err = await scoped.callTool({ name: 'pending', arguments: {} }).catch((e: Error) => e);
      assert.match((err as Error).message, /pending review/);
      await scoped.close();
    });
  }
});

describe('results: content blocks pass through, thrown errors are isError, the list is sorted', () => {
  for (const era of ERAS) {
    it(`${era}: text, JSON, image, resource, error; deterministic order`, async () => {
      const srv = `res_${era}`;
      const serverId = await createServerVia(t, token, srv);
      const tools: Record<string, string> = {
        zeta_text: 'export async function main() { return "plain" }',
        alpha_json: 'export async function main() { return [1, 2] }',
        mid_image:
          'export async function main() { return { content: [{ type: "image", data: "aGk=", mimeType: "image/png" }, { type: "resource", resource: { uri: "test://r", text: "t", mimeType: "text/plain" } }] } }',
        beta_throw: 'export async function main() { throw new TypeError("no good") }',
      };
      for (const [name, code] of Object.entries(tools))
        await approveTool(t, token, (await createToolVia(t, token, serverId, { name, code })).id);
      await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
      const client = await connectMcp(`${t.url}/mcp/${srv}`, era);
      const listed = (await client.listTools()).tools.map((x) => x.name);
      assert.deepEqual(listed, ['alpha_json', 'beta_throw', 'mid_image', 'zeta_text']);
      const text = await client.callTool({ name: 'zeta_text', arguments: {} });
      assert.deepEqual(text.content, [{ type: 'text', text: 'plain' }]);
      const json = await client.callTool({ name: 'alpha_json', arguments: {} });
      assert.equal(firstText(json), '[1,2]');
      assert.equal(json.structuredContent, undefined, 'an array is not structured content (MCP wants an object)');
      const image = await client.callTool({ name: 'mid_image', arguments: {} });
      assert.deepEqual(image.content, [
        { type: 'image', data: 'aGk=', mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://r', text: 't', mimeType: 'text/plain' } },
      ]);
      const thrown = await client.callTool({ name: 'beta_throw', arguments: {} });
      assert.equal(thrown.isError, true);
      assert.match(firstText(thrown), /no good/);
      assert.doesNotMatch(firstText(thrown), /at main|\.js:\d+/, 'no stack trace');
      await client.close();
    });
  }

  it('modern: server/discover names the server in result _meta and the cache hints are set', async () => {
    const res = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'server/discover',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'server/discover',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.result._meta['io.modelcontextprotocol/serverInfo'].name, 'mcpbox');
    assert.ok(body.result.supportedVersions.includes('2026-07-28'));
    assert.equal(body.result.capabilities.tools.listChanged, true);
    assert.equal(body.result.cacheScope, 'public');
    assert.equal(typeof body.result.ttlMs, 'number');
    assert.equal(body.result.resultType, 'complete');
  });
});
