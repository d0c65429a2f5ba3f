import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { SourceClients } from '../../src/external-sources/source-clients';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, firstText, sleep, watchListChanged, type Era } from '../support/mcp';
import {
  bearerGate,
  fixtureTools,
  headerGate,
  PNG_1PX,
  startSource,
  type SourceKind,
  type TestSource,
} from '../support/mcp-sources';
import { allowHost, approveTool, createServerVia, setSecret, waitForRows } from './sandbox-fixtures';

/**
 * External MCP sources end to end (docs/architecture.md#external-sources, issue 18): real SDK servers on 127.0.0.1 —
 * 2026-07-28, a 2025 session server, an old HTTP+SSE server, one behind a bearer token —
 * added, discovered and imported through the Admin API and the management tools, approved,
 * and called as {server}__{tool} on /mcp with the source's results passed through.
 */
describe('external MCP sources', () => {
  let t: TestApp;
  let token: string;
  const sources: TestSource[] = [];
  const clients: Client[] = [];
  const calls: string[] = [];

  const source = async (kind: SourceKind, opts: Parameters<typeof startSource>[1] = { tools: fixtureTools(calls) }) => {
    const s = await startSource(kind, opts);
    sources.push(s);
    return s;
  };
  const mcp = async (era: Era = 'legacy') => {
    const c = await connectMcp(`${t.url}/mcp`, era);
    if (era === 'modern') await c.listen({ toolsListChanged: true });
    clients.push(c);
    return c;
  };
  const addSource = async (serverId: string, body: Record<string, unknown>) => {
    const res = await t.post(`/api/external-sources/servers/${serverId}/sources`, body, { token });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; status: string };
  };
  const discover = (id: string) => t.post(`/api/external-sources/sources/${id}/discover`, undefined, { token });
  const importTools = (id: string, names: string[]) =>
    t.post(`/api/external-sources/sources/${id}/import`, { tool_names: names }, { token });
  const start = async (serverId: string) => {
    const res = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(res.status, 200, res.text);
  };
  const sourceRow = async (id: string) => (await t.get(`/api/external-sources/sources/${id}`, { token })).body;
  // A modern client may keep a tools/list answer for its cache hint (ttlMs 10 s, mcp-server-factory.ts)
  // when it holds no listen stream: a change shows at the latest when that runs out.
  const waitFor = async (what: string, check: () => Promise<boolean>, ms = 13_000) => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  const listed = async (client: Client) => (await client.listTools()).tools.map((x) => x.name);

  /** Adds, discovers, imports, approves and starts: the whole path an admin walks. */
  async function wire(serverName: string, s: TestSource, extra: Record<string, unknown> = {}) {
    const serverId = await createServerVia(t, token, serverName);
    await allowHost(t, token, serverId, '127.0.0.1', s.port);
    const src = await addSource(serverId, {
      name: 'upstream',
      url: s.url,
      transport_type: s.kind === 'sse' ? 'sse' : 'streamable_http',
      ...extra,
    });
    return { serverId, sourceId: src.id };
  }

  async function importApproveStart(serverId: string, sourceId: string, names: string[]) {
    const res = await importTools(sourceId, names);
    assert.equal(res.status, 201, res.text);
    for (const tool of res.body.tools) await approveTool(t, token, tool.id);
    await start(serverId);
    return res.body.tools as { id: string; name: string; external_tool_name: string; approval_status: string }[];
  }

  before(async () => {
    t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
    token = await setupAdmin(t);
    Object.assign(t.app.get(SourceClients).tuning, {
      connectTimeoutMs: 3000,
      watchRetryMinMs: 50,
      watchRetryMaxMs: 200,
    });
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const s of sources) await s.stop().catch(() => undefined);
    await t?.close();
  });

  for (const kind of ['modern', 'session', 'sse'] as const) {
    it(`${kind}: discover, import (draft, derived names), approve, and call text, image, error and structured results`, async () => {
      const s = await source(kind);
      const { serverId, sourceId } = await wire(`via_${kind}`, s);

      const found = await discover(sourceId);
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.era, kind === 'modern' ? 'modern' : 'legacy');
      assert.deepEqual(
        found.body.tools.map((x: { name: string }) => x.name),
        ['Echo-Text', 'picture', 'fails', 'stats', 'slow'],
      );
      assert.ok(found.body.tools.every((x: { state: string }) => x.state === 'new'));
      assert.equal(found.body.source.tool_count, 5);
      assert.equal(found.body.source.status, 'active');

      const imported = await importTools(sourceId, ['Echo-Text', 'picture', 'fails', 'stats']);
      assert.equal(imported.status, 201, imported.text);
      const tools = imported.body.tools as Record<string, unknown>[];
      assert.deepEqual(
        tools.map((x) => [x.name, x.external_tool_name, x.tool_type, x.approval_status, x.external_source_id]),
        [
          ['echo_text', 'Echo-Text', 'mcp_passthrough', 'draft', sourceId],
          ['picture', 'picture', 'mcp_passthrough', 'draft', sourceId],
          ['fails', 'fails', 'mcp_passthrough', 'draft', sourceId],
          ['stats', 'stats', 'mcp_passthrough', 'draft', sourceId],
        ],
      );
      assert.equal(tools[0].description, 'Echoes its text argument');

      const client = await mcp(kind === 'modern' ? 'modern' : 'legacy');
      await start(serverId);
      // Drafts are never served.
      assert.ok(!(await listed(client)).includes(`via_${kind}__echo_text`));
      for (const tool of tools) await approveTool(t, token, tool.id as string);
      await waitFor('the approved tools on /mcp', async () =>
        (await listed(client)).includes(`via_${kind}__echo_text`),
      );
      const def = (await client.listTools()).tools.find((x) => x.name === `via_${kind}__echo_text`);
      assert.deepEqual(def?.inputSchema.required, ['text']);

      const text = await client.callTool({ name: `via_${kind}__echo_text`, arguments: { text: 'hi' } });
      assert.equal(firstText(text), 'echo: hi');
      assert.ok(!text.isError);

      const image = await client.callTool({ name: `via_${kind}__picture`, arguments: {} });
      assert.deepEqual(image.content, [
        { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
        { type: 'text', text: 'a pixel' },
      ]);

      const failed = await client.callTool({ name: `via_${kind}__fails`, arguments: {} });
      assert.equal(failed.isError, true);
      assert.equal(firstText(failed), 'the widget is broken');

      const stats = await client.callTool({ name: `via_${kind}__stats`, arguments: {} });
      assert.deepEqual(stats.structuredContent, { count: 'many' });

      // Logged like any call: one execution row and one tool_execution entry per call.
      await waitFor('the execution rows', async () => {
        const rows = await t.db.query('SELECT count(*)::int AS n FROM tool_execution_logs WHERE server_id = $1', [
          serverId,
        ]);
        return rows.rows[0].n === 4;
      });
      const rows = await t.db.query(
        'SELECT tool_name, success, result, error, executed_by FROM tool_execution_logs WHERE server_id = $1 ORDER BY created_at',
        [serverId],
      );
      assert.deepEqual(
        rows.rows.map((r) => [r.tool_name, r.success]),
        [
          ['echo_text', true],
          ['picture', true],
          ['fails', false],
          ['stats', true],
        ],
      );
      assert.match(rows.rows[0].result, /echo: hi/);
      assert.equal(rows.rows[2].error, 'the widget is broken');
      assert.match(rows.rows[0].executed_by, /^mcp/);
      await waitFor('the activity entries', async () => {
        const n = await t.db.query(
          "SELECT count(*)::int AS n FROM activity_logs WHERE server_id = $1 AND log_type = 'tool_execution'",
          [serverId],
        );
        return n.rows[0].n === 4;
      });
    });
  }

  it('names are de-duplicated within the server; importing a tool twice or an unknown name is refused', async () => {
    const first = await source('modern');
    const second = await source('modern');
    const { serverId, sourceId } = await wire('dedup', first);
    await allowHost(t, token, serverId, '127.0.0.1', second.port);
    const other = await addSource(serverId, { name: 'second', url: second.url });
    assert.equal((await importTools(sourceId, ['Echo-Text'])).status, 201);
    const again = await importTools(other.id, ['Echo-Text']);
    assert.equal(again.status, 201, again.text);
    assert.equal(again.body.tools[0].name, 'echo_text_2');
    assert.equal(again.body.tools[0].external_tool_name, 'Echo-Text');

    const twice = await importTools(sourceId, ['Echo-Text']);
    assert.equal(twice.status, 409, twice.text);
    assert.match(twice.body.message, /Already imported.*echo_text/);
    const unknown = await importTools(sourceId, ['Echo-Text', 'no-such-tool']);
    assert.equal(unknown.status, 400, unknown.text);
    assert.match(String(unknown.body.message), /no-such-tool/);
    const count = await t.db.query('SELECT count(*)::int AS n FROM tools WHERE server_id = $1', [serverId]);
    assert.equal(count.rows[0].n, 2, 'a refused import wrote nothing');
  });

  it('header: the named secret goes in the custom header; a header that routes or frames is refused', async () => {
    const s = await source('session', { tools: fixtureTools(), gate: headerGate('X-Api-Key', 'key-abc-123') });
    const { serverId, sourceId } = await wire('header', s, {
      auth_type: 'header',
      auth_secret_name: 'UPSTREAM_KEY',
      auth_header_name: 'X-Api-Key',
    });
    // No value yet: a 400 that says which secret to set, and nothing sent.
    const unset = await discover(sourceId);
    assert.equal(unset.status, 400, unset.text);
    assert.match(unset.body.message, /UPSTREAM_KEY/);
    assert.equal(s.connections, 0);
    await setSecret(t, token, serverId, 'UPSTREAM_KEY', 'key-abc-123');
    const found = await discover(sourceId);
    assert.equal(found.status, 200, found.text);
    assert.ok(s.headers.some((h) => h['x-api-key'] === 'key-abc-123'));
    for (const name of ['Host', 'Mcp-Session-Id', 'X-Forwarded-For', 'Cookie']) {
      const res = await t.put(`/api/external-sources/sources/${sourceId}`, { auth_header_name: name }, { token });
      assert.equal(res.status, 400, `${name}: ${res.text}`);
      assert.match(res.body.message, /auth_header_name/);
    }
  });

  it('bearer: the named secret is sent; a wrong token is a clear refusal and marks the source error', async () => {
    const s = await source('modern', { tools: fixtureTools(), gate: bearerGate('right-token-123') });
    const { serverId, sourceId } = await wire('bearer', s, { auth_type: 'bearer', auth_secret_name: 'UPSTREAM_TOKEN' });
    await setSecret(t, token, serverId, 'UPSTREAM_TOKEN', 'wrong-token-456');
    const refused = await discover(sourceId);
    assert.equal(refused.status, 503, refused.text);
    assert.doesNotMatch(refused.text, /wrong-token-456/);
    const row = await sourceRow(sourceId);
    assert.equal(row.status, 'error');
    assert.ok(row.status_message);

    await setSecret(t, token, serverId, 'UPSTREAM_TOKEN', 'right-token-123');
    const found = await discover(sourceId);
    assert.equal(found.status, 200, found.text);
    assert.equal((await sourceRow(sourceId)).status, 'active');
    assert.ok(s.headers.some((h) => h.authorization === 'Bearer right-token-123'));
    await importApproveStart(serverId, sourceId, ['Echo-Text']);
    const client = await mcp('modern');
    const res = await client.callTool({ name: 'bearer__echo_text', arguments: { text: 'secure' } });
    assert.equal(firstText(res), 'echo: secure');
    // A token that stops working: the call answers isError, the source goes to error.
    await setSecret(t, token, serverId, 'UPSTREAM_TOKEN', 'wrong-token-789');
    const denied = await client.callTool({ name: 'bearer__echo_text', arguments: { text: 'x' } });
    assert.equal(denied.isError, true);
    assert.doesNotMatch(firstText(denied), /wrong-token-789/);
    assert.equal((await sourceRow(sourceId)).status, 'error');
  });

  it("a server's secret values are redacted in the source's result and in the log, a changed value too", async () => {
    const s = await source('modern');
    const { serverId, sourceId } = await wire('redacts', s);
    await setSecret(t, token, serverId, 'API_KEY', 'first-secret-value-1');
    await discover(sourceId);
    await importApproveStart(serverId, sourceId, ['Echo-Text']);
    const client = await mcp('modern');
    await waitFor('the tool', async () => (await listed(client)).includes('redacts__echo_text'));
    const echo = async (text: string) =>
      firstText(await client.callTool({ name: 'redacts__echo_text', arguments: { text } }));
    assert.equal(await echo('key first-secret-value-1 here'), 'echo: key [REDACTED] here');
    // A new value counts from the next call on: the old one is shown again, the new one hidden.
    await setSecret(t, token, serverId, 'API_KEY', 'second-secret-value-2');
    assert.equal(await echo('key second-secret-value-2 here'), 'echo: key [REDACTED] here');
    assert.equal(await echo('old first-secret-value-1'), 'echo: old first-secret-value-1');
    const logged = await waitForRows(t, 3, 'server_id = $1', [serverId]);
    for (const row of logged.slice(0, 2)) {
      assert.doesNotMatch(`${JSON.stringify(row.input_args)} ${row.result}`, /secret-value/);
      assert.match(String(row.result), /\[REDACTED\]/);
    }
  });

  for (const kind of ['modern', 'session', 'sse'] as const)
    it(`${kind}: a source that restarts mid-session is reconnected; a source that is down answers isError, marks error and recovers by itself`, async () => {
      const s = await source(kind);
      const { serverId, sourceId } = await wire(`restarts_${kind}`, s);
      await discover(sourceId);
      await importApproveStart(serverId, sourceId, ['Echo-Text']);
      const client = await mcp('legacy');
      await waitFor('the tool', async () => (await listed(client)).includes(`restarts_${kind}__echo_text`));
      assert.equal(
        firstText(await client.callTool({ name: `restarts_${kind}__echo_text`, arguments: { text: 'a' } })),
        'echo: a',
      );
      await s.restart();
      assert.equal(
        firstText(await client.callTool({ name: `restarts_${kind}__echo_text`, arguments: { text: 'b' } })),
        'echo: b',
      );

      await s.stop();
      const down = await client.callTool({ name: `restarts_${kind}__echo_text`, arguments: { text: 'c' } });
      assert.equal(down.isError, true);
      assert.match(firstText(down), /127\.0\.0\.1/);
      const row = await sourceRow(sourceId);
      assert.equal(row.status, 'error');
      assert.ok(row.status_message);

      await s.start();
      assert.equal(
        firstText(await client.callTool({ name: `restarts_${kind}__echo_text`, arguments: { text: 'd' } })),
        'echo: d',
      );
      assert.equal((await sourceRow(sourceId)).status, 'active');
    });

  for (const kind of ['session', 'modern'] as const)
    it(`${kind}: pinning: a definition the source changes after approval stops being served, returns to pending_review with the diff, and clients hear list_changed`, async () => {
      const tools = fixtureTools();
      const s = await source(kind, { tools });
      const { serverId, sourceId } = await wire(`pinned_${kind}`, s);
      await discover(sourceId);
      const [echo] = await importApproveStart(serverId, sourceId, ['Echo-Text', 'picture']);
      const client = await mcp('legacy');
      await waitFor('the tools', async () => (await listed(client)).includes(`pinned_${kind}__echo_text`));
      const heard = watchListChanged(client);

      // The source changes the description and announces it (its own list_changed triggers a re-discovery).
      tools[0].definition.description = 'Echoes its text argument and sends it elsewhere';
      const next = heard.next(10_000);
      const pending = async () =>
        (await t.get(`/api/tools/${echo.id}`, { token })).body.approval_status === 'pending_review';
      for (let attempt = 0; attempt < 5 && !(await pending()); attempt++) {
        // The watch stream may still be opening: announce again until the change is seen.
        await s.notifyToolsChanged();
        const until = Date.now() + 1500;
        while (Date.now() < until && !(await pending())) await sleep(50);
      }
      assert.ok(await pending(), 'the re-discovery sent the tool back to review');
      await next;
      const tool = (await t.get(`/api/tools/${echo.id}`, { token })).body;
      assert.equal(tool.approval_status, 'pending_review');
      assert.deepEqual(tool.definition_diff.description, {
        before: 'Echoes its text argument',
        after: 'Echoes its text argument and sends it elsewhere',
      });
      assert.equal(tool.description, 'Echoes its text argument and sends it elsewhere');
      const names = await listed(client);
      assert.ok(!names.includes(`pinned_${kind}__echo_text`), 'no longer served');
      assert.ok(names.includes(`pinned_${kind}__picture`), 'unchanged tools stay');
      const refused = await client
        .callTool({ name: `pinned_${kind}__echo_text`, arguments: { text: 'x' } })
        .catch((e) => e);
      assert.match(String(refused.message ?? firstText(refused)), /pending review/);

      // The reviewer sees the diff in the queue.
      const queue = await t.get('/api/approvals/tools?status=pending_review', { token });
      const queued = queue.body.items.find((x: { id: string }) => x.id === echo.id);
      assert.ok(queued?.definition_diff?.description);

      // A manual discover reports it as changed; a tool the source added is listed as new, never served.
      tools.push({
        definition: { name: 'brand-new', description: 'added later', inputSchema: { type: 'object' } },
        run: () => ({ content: [{ type: 'text', text: 'new' }] }),
      });
      const found = await discover(sourceId);
      const states = Object.fromEntries(
        found.body.tools.map((x: { name: string; state: string }) => [x.name, x.state]),
      );
      assert.equal(states['Echo-Text'], 'changed');
      assert.equal(states.picture, 'imported');
      assert.equal(states['brand-new'], 'new');
      assert.ok(!(await listed(client)).some((n) => n.includes('brand')));

      // Approving the new definition serves it again.
      await approveTool(t, token, echo.id);
      await waitFor('served again', async () => (await listed(client)).includes(`pinned_${kind}__echo_text`));
    });

  it('deleting a source keeps its tools, unlinked, unloaded and with a note', async () => {
    const s = await source('modern');
    const { serverId, sourceId } = await wire('deleted', s);
    await discover(sourceId);
    const [echo] = await importApproveStart(serverId, sourceId, ['Echo-Text']);
    const client = await mcp('modern');
    await waitFor('the tool', async () => (await listed(client)).includes('deleted__echo_text'));
    // Disabled: not served; enabled again: served again.
    const off = await t.put(`/api/external-sources/sources/${sourceId}`, { status: 'disabled' }, { token });
    assert.equal(off.status, 200, off.text);
    await waitFor('disabled: gone', async () => !(await listed(client)).includes('deleted__echo_text'));
    await t.put(`/api/external-sources/sources/${sourceId}`, { status: 'active' }, { token });
    await waitFor('enabled: back', async () => (await listed(client)).includes('deleted__echo_text'));
    // A stopped server serves nothing; started again, it serves its passthrough tools again.
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/stop`, undefined, { token })).status, 200);
    await waitFor('stopped: gone', async () => !(await listed(client)).includes('deleted__echo_text'));
    await start(serverId);
    await waitFor('started: back', async () => (await listed(client)).includes('deleted__echo_text'));
    const gone = await client.callTool({ name: 'deleted__echo_text', arguments: { text: 'x' } });
    assert.equal(firstText(gone), 'echo: x');

    // The allowance is read live: removed, the next call is refused before connecting; added back, it works.
    const seen = s.connections;
    const removed = await t.request(
      'DELETE',
      `/api/servers/${serverId}/allowed-hosts`,
      { host: '127.0.0.1', port: s.port },
      { token },
    );
    assert.equal(removed.status, 200, removed.text);
    const refusedCall = await client.callTool({ name: 'deleted__echo_text', arguments: { text: 'x' } });
    assert.equal(refusedCall.isError, true);
    assert.match(firstText(refusedCall), /refused|not allowed/i);
    assert.equal(s.connections, seen, 'nothing connected');
    await allowHost(t, token, serverId, '127.0.0.1', s.port);
    assert.equal(firstText(await client.callTool({ name: 'deleted__echo_text', arguments: { text: 'y' } })), 'echo: y');

    const res = await t.delete(`/api/external-sources/sources/${sourceId}`, { token });
    assert.equal(res.status, 204, res.text);
    assert.equal((await t.get(`/api/external-sources/sources/${sourceId}`, { token })).status, 404);
    const tool = (await t.get(`/api/tools/${echo.id}`, { token })).body;
    assert.equal(tool.external_source_id, null);
    assert.equal(tool.external_tool_name, 'Echo-Text');
    assert.match(tool.source_note, /upstream.*deleted/);
    await waitFor('the tool gone from /mcp', async () => !(await listed(client)).includes('deleted__echo_text'));
    const refused = await client.callTool({ name: 'deleted__echo_text', arguments: { text: 'x' } }).catch((e) => e);
    assert.match(String(refused.message ?? firstText(refused)), /upstream.*deleted/);
  });

  it('a source URL at a blocked address, or at a host not allowed for the server, is refused before connecting', async () => {
    const serverId = await createServerVia(t, token, 'blocked');
    for (const url of ['http://169.254.169.254/mcp', 'http://10.1.2.3/mcp', 'http://[::ffff:169.254.169.254]/mcp']) {
      const src = await addSource(serverId, { name: `b${randomUUID().slice(0, 6)}`, url });
      const res = await discover(src.id);
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.message, /refused|not allowed|blocked/i);
      assert.equal((await sourceRow(src.id)).status, 'error');
    }
    // A loopback source the server has no allowance for: no connection is ever opened.
    const s = await source('modern');
    const src = await addSource(serverId, { name: 'not_allowed', url: s.url });
    const res = await discover(src.id);
    assert.equal(res.status, 400, res.text);
    assert.equal(s.connections, 0);
  });

  it('the management tools: add, list, discover and import through the same services', async () => {
    const s = await source('modern');
    const serverId = await createServerVia(t, token, 'by_llm');
    await allowHost(t, token, serverId, '127.0.0.1', s.port);
    const client = await mcp('modern');
    const call = async (name: string, args: Record<string, unknown>) => {
      const res = await client.callTool({ name, arguments: args });
      assert.ok(!res.isError, `${name}: ${firstText(res)}`);
      return res.structuredContent as Record<string, any>;
    };
    const added = await call('mcpbox_add_external_source', { server_id: serverId, name: 'upstream', url: s.url });
    assert.ok(added.id);
    const list = await call('mcpbox_list_external_sources', { server_id: serverId });
    assert.deepEqual(
      list.items.map((x: { name: string }) => x.name),
      ['upstream'],
    );
    const found = await call('mcpbox_discover_external_tools', { source_id: added.id });
    assert.equal(found.tools.length, 5);
    const imported = await call('mcpbox_import_external_tools', { source_id: added.id, tool_names: ['picture'] });
    assert.equal(imported.tools[0].name, 'picture');
    assert.equal(imported.tools[0].approval_status, 'draft');
    const bad = await client.callTool({ name: 'mcpbox_import_external_tools', arguments: { source_id: added.id } });
    assert.equal(bad.isError, true);
    assert.match(firstText(bad), /tool_names/);
  });

  it('refuses bad input with a clear 4xx and writes nothing', async () => {
    const serverId = await createServerVia(t, token, 'bad_inputs');
    const post = (body: unknown, id = serverId) =>
      t.post(`/api/external-sources/servers/${id}/sources`, body, { token });
    for (const [body, field] of [
      [{ name: 'x', url: 'ftp://example.com/mcp' }, /url/],
      [{ name: 'x', url: 'not a url' }, /url/],
      [{ name: 'x', url: 'http://user:pw@example.com/mcp' }, /credentials/],
      [{ name: 'Bad Name', url: 'http://example.com/mcp' }, /name/],
      [{ name: 'x', url: 'http://example.com/mcp', auth_type: 'magic' }, /auth_type/],
      [{ name: 'x', url: 'http://example.com/mcp', transport_type: 'ws' }, /transport_type/],
      [{ name: 'x', url: 'http://example.com/mcp', auth_type: 'bearer' }, /auth_secret_name/],
      [{ name: 'x', url: 'http://example.com/mcp', auth_type: 'header', auth_secret_name: 'K' }, /auth_header_name/],
      [{ name: 'x', url: 'http://example.com/mcp', surprise: 1 }, /surprise/],
    ] as const) {
      const res = await post(body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.match(JSON.stringify(res.body.message), field);
    }
    assert.equal((await post({ name: 'x', url: 'http://example.com/mcp' }, randomUUID())).status, 404);
    assert.equal((await post({ name: 'x', url: 'http://example.com/mcp' }, 'nope')).status, 400);
    const count = await t.db.query('SELECT count(*)::int AS n FROM external_mcp_sources WHERE server_id = $1', [
      serverId,
    ]);
    assert.equal(count.rows[0].n, 0);

    const ok = await post({ name: 'x', url: 'http://example.com/mcp' });
    assert.equal(ok.status, 201);
    assert.equal((await post({ name: 'x', url: 'http://example.com/other' })).status, 409);
    const id = ok.body.id;
    assert.equal((await t.put(`/api/external-sources/sources/${id}`, {}, { token })).status, 400);
    assert.equal((await t.put(`/api/external-sources/sources/${id}`, { status: 'needs_auth' }, { token })).status, 400);
    assert.equal((await t.get(`/api/external-sources/sources/${randomUUID()}`, { token })).status, 404);
    assert.equal((await importTools(id, [])).status, 400);
    assert.equal((await t.post(`/api/external-sources/sources/${id}/import`, {}, { token })).status, 400);
    assert.equal((await importTools(randomUUID(), ['a'])).status, 404);
    assert.equal((await discover(randomUUID())).status, 404);
    const renamed = await t.put(`/api/external-sources/sources/${id}`, { name: 'y' }, { token });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, 'y');
    const disabled = await t.put(`/api/external-sources/sources/${id}`, { status: 'disabled' }, { token });
    assert.equal(disabled.body.status, 'disabled');
    assert.equal((await discover(id)).status, 409);
  });
});
