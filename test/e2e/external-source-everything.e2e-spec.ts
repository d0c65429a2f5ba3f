import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { startEverything, type EverythingServer, type EverythingTransport } from '../support/everything-server';
import { connectMcp, ERAS, firstText, sleep } from '../support/mcp';
import { allowHost, approveTool, createServerVia, waitForRows } from './sandbox-fixtures';

/**
 * The official reference MCP server, `@modelcontextprotocol/server-everything` (pinned in
 * package.json), attached as an external source over Streamable HTTP and over the old
 * HTTP+SSE transport: discovered, imported, approved, started and called through /mcp by 2026
 * and 2025 clients. Unlike the sources of external-sources.e2e-spec.ts, nothing of it is
 * ours: it is built on the 1.x SDK, speaks 2025-11-25 with sessions, and behaves as servers
 * in the wild do (draft-07 input schemas, validation errors as isError results, a 400 for a
 * session it does not know).
 */
const TRANSPORTS: { type: 'streamable_http' | 'sse'; child: EverythingTransport; server: string }[] = [
  { type: 'streamable_http', child: 'streamableHttp', server: 'everything_http' },
  { type: 'sse', child: 'sse', server: 'everything_sse' },
];

/**
 * Its tools for a client that declares no sampling, elicitation or roots capability, as
 * MCPBox's source client does: the tools that need them (trigger-sampling-request,
 * trigger-elicitation-request, get-roots-list, …) are registered per session only when the
 * client declares the capability, so they are never offered to MCPBox.
 */
const REFERENCE_TOOLS = [
  'echo',
  'get-annotated-message',
  'get-env',
  'get-resource-links',
  'get-resource-reference',
  'get-structured-content',
  'get-sum',
  'get-tiny-image',
  'gzip-file-as-resource',
  'toggle-simulated-logging',
  'toggle-subscriber-updates',
  'trigger-long-running-operation',
  'simulate-research-query',
];

/**
 * What is imported: results of every kind it has (text, numbers, an image, structured content,
 * annotations, resource links) and a tool that reports progress. Not imported: get-env (the
 * child's environment), gzip-file-as-resource (fetches a URL on the internet), the toggles
 * (they start timers on whichever pooled session runs them), and simulate-research-query,
 * which the source runs only as a task (execution.taskSupport "required"): MCPBox makes
 * plain calls, so discovery says why it cannot be imported and import refuses it.
 */
const IMPORTED: [source: string, mcpbox: string][] = [
  ['echo', 'echo'],
  ['get-sum', 'get_sum'],
  ['get-tiny-image', 'get_tiny_image'],
  ['get-structured-content', 'get_structured_content'],
  ['get-annotated-message', 'get_annotated_message'],
  ['get-resource-links', 'get_resource_links'],
  ['trigger-long-running-operation', 'trigger_long_running_operation'],
];

const PNG_SIGNATURE = '89504e470d0a1a0a';

describe('the reference MCP server (server-everything) as an external source', () => {
  let t: TestApp;
  let token: string;
  const children = new Map<EverythingTransport, EverythingServer>();
  const clients: Client[] = [];

  before(async () => {
    // Started before the app, which puts its own settings (database, encryption key) into
    // process.env: the children inherit the environment and have a tool that prints it.
    const started = await Promise.allSettled(TRANSPORTS.map((x) => startEverything(x.child)));
    for (const result of started) if (result.status === 'fulfilled') children.set(result.value.transport, result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
    token = await setupAdmin(t);
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const child of children.values()) await child.stop();
    await t?.close();
  });

  const child = (transport: EverythingTransport) => children.get(transport) as EverythingServer;

  /** Server, allowance for the child's port, and the source: what an admin sets up first. */
  async function attach(serverName: string, transport: (typeof TRANSPORTS)[number]) {
    const serverId = await createServerVia(t, token, serverName);
    await allowHost(t, token, serverId, '127.0.0.1', child(transport.child).port);
    const added = await t.post(
      `/api/external-sources/servers/${serverId}/sources`,
      { name: 'everything', url: child(transport.child).url, transport_type: transport.type },
      { token },
    );
    assert.equal(added.status, 201, added.text);
    return { serverId, sourceId: added.body.id as string };
  }

  const discover = (sourceId: string) =>
    t.post(`/api/external-sources/sources/${sourceId}/discover`, undefined, { token });

  async function importApproveStart(serverId: string, sourceId: string, names: string[]) {
    const imported = await t.post(`/api/external-sources/sources/${sourceId}/import`, { tool_names: names }, { token });
    assert.equal(imported.status, 201, imported.text);
    for (const tool of imported.body.tools) await approveTool(t, token, tool.id);
    const started = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(started.status, 200, started.text);
    return imported.body.tools as Record<string, unknown>[];
  }

  /** Waits until /mcp lists the tool (the served set reloads right after the start). */
  async function untilListed(client: Client, name: string): Promise<void> {
    const until = Date.now() + 5000;
    for (;;) {
      const tools = (await client.listTools(undefined, { cacheMode: 'bypass' })).tools;
      if (tools.some((x) => x.name === name)) return;
      if (Date.now() > until) assert.fail(`${name} is not listed on /mcp: ${tools.map((x) => x.name).join(', ')}`);
      await sleep(50);
    }
  }

  /** The same call straight to the reference server, for what "unchanged" means. */
  async function callDirectly(transport: EverythingTransport, name: string, args: Record<string, unknown>) {
    const direct = new Client({ name: 'direct', version: '1.0.0' });
    const url = new URL(child(transport).url);
    await direct.connect(transport === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url));
    try {
      return await direct.callTool({ name, arguments: args });
    } finally {
      await direct.close();
    }
  }

  for (const transport of TRANSPORTS) {
    it(`${transport.type}: discovery lists the reference tools with their definitions, as a 2025-11-25 source`, async () => {
      const { sourceId } = await attach(`listed_${transport.type}`, transport);
      const found = await discover(sourceId);
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.era, 'legacy');
      assert.equal(found.body.protocol_version, '2025-11-25');
      assert.deepEqual(found.body.server_info, {
        name: 'mcp-servers/everything',
        title: 'Everything Reference Server',
        version: '2.0.0',
      });
      assert.deepEqual(
        found.body.tools.map((x: { name: string }) => x.name),
        REFERENCE_TOOLS,
      );
      assert.ok(found.body.tools.every((x: { state: string }) => x.state === 'new'));
      assert.equal(found.body.source.status, 'active');
      assert.equal(found.body.source.tool_count, REFERENCE_TOOLS.length);
      const sum = found.body.tools.find((x: { name: string }) => x.name === 'get-sum');
      assert.equal(sum.title, 'Get Sum Tool');
      assert.equal(sum.description, 'Returns the sum of two numbers');
      assert.deepEqual(sum.input_schema, {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: {
          a: { type: 'number', description: 'First number' },
          b: { type: 'number', description: 'Second number' },
        },
        required: ['a', 'b'],
      });
      assert.deepEqual(sum.annotations, {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      });
      // A task-only tool is listed with the reason it cannot be imported, and import refuses it.
      const unsupported = found.body.tools.filter((x: { unsupported: string | null }) => x.unsupported !== null);
      assert.deepEqual(
        unsupported.map((x: { name: string }) => x.name),
        ['simulate-research-query'],
      );
      assert.match(unsupported[0].unsupported, /only be called as a task/);
      const refused = await t.post(
        `/api/external-sources/sources/${sourceId}/import`,
        { tool_names: ['echo', 'simulate-research-query'] },
        { token },
      );
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.body.message, /simulate-research-query: it can only be called as a task/);
      const none = await t.db.query('SELECT count(*)::int AS n FROM tools WHERE external_source_id = $1', [sourceId]);
      assert.equal(none.rows[0].n, 0, 'nothing imported');
    });

    it(`${transport.type}: imported and approved, its tools answer through /mcp in both eras with the source's results unchanged, each call logged`, async () => {
      const serverName = transport.server;
      const q = (tool: string) => `${serverName}__${tool}`;
      const { serverId, sourceId } = await attach(serverName, transport);
      assert.equal((await discover(sourceId)).status, 200);
      const tools = await importApproveStart(
        serverId,
        sourceId,
        IMPORTED.map(([name]) => name),
      );
      assert.deepEqual(
        tools.map((x) => [x.external_tool_name, x.name, x.tool_type]),
        IMPORTED.map(([source, mcpbox]) => [source, mcpbox, 'mcp_passthrough']),
      );
      const image = await callDirectly(transport.child, 'get-tiny-image', {});

      for (const era of ERAS) {
        const client = await connectMcp(`${t.url}/mcp`, era);
        clients.push(client);
        await untilListed(client, q('trigger_long_running_operation'));
        // The draft-07 schema is served as the source wrote it.
        const sum = (await client.listTools()).tools.find((x) => x.name === q('get_sum'));
        assert.equal(sum?.inputSchema.$schema, 'http://json-schema.org/draft-07/schema#');
        assert.deepEqual(sum?.inputSchema.required, ['a', 'b']);

        const echo = await client.callTool({ name: q('echo'), arguments: { message: `hello from ${era}` } });
        assert.deepEqual(echo.content, [{ type: 'text', text: `Echo: hello from ${era}` }]);
        assert.ok(!echo.isError);

        const added = await client.callTool({ name: q('get_sum'), arguments: { a: 2.5, b: 40 } });
        assert.deepEqual(added.content, [{ type: 'text', text: 'The sum of 2.5 and 40 is 42.5.' }]);

        const tiny = await client.callTool({ name: q('get_tiny_image'), arguments: {} });
        assert.deepEqual(tiny.content, image.content);
        const blocks = tiny.content as { type: string; text?: string; data?: string; mimeType?: string }[];
        assert.deepEqual(
          blocks.map((b) => b.type),
          ['text', 'image', 'text'],
        );
        assert.equal(blocks[0].text, "Here's the image you requested:");
        assert.equal(blocks[1].mimeType, 'image/png');
        const png = Buffer.from(blocks[1].data as string, 'base64');
        assert.equal(png.subarray(0, 8).toString('hex'), PNG_SIGNATURE);
        // IHDR: a 20 x 20 picture.
        assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [20, 20]);

        const weather = await client.callTool({
          name: q('get_structured_content'),
          arguments: { location: 'Los Angeles' },
        });
        const losAngeles = { temperature: 73, conditions: 'Sunny / Clear', humidity: 48 };
        assert.deepEqual(weather.structuredContent, losAngeles);
        assert.deepEqual(JSON.parse(firstText(weather)), losAngeles);

        const annotated = await client.callTool({
          name: q('get_annotated_message'),
          arguments: { messageType: 'error', includeImage: true },
        });
        const [note, picture] = annotated.content as Record<string, unknown>[];
        assert.deepEqual(note, {
          type: 'text',
          text: 'Error: Operation failed',
          annotations: { priority: 1, audience: ['user', 'assistant'] },
        });
        assert.deepEqual(picture.annotations, { priority: 0.5, audience: ['user'] });

        const links = await client.callTool({ name: q('get_resource_links'), arguments: { count: 2 } });
        assert.deepEqual(links.content, [
          { type: 'text', text: 'Here are 2 resource links to resources available in this server:' },
          {
            type: 'resource_link',
            uri: 'demo://resource/dynamic/blob/1',
            name: 'Blob Resource 1',
            description: 'Resource 1: plaintext resource',
            mimeType: 'text/plain',
          },
          {
            type: 'resource_link',
            uri: 'demo://resource/dynamic/text/2',
            name: 'Text Resource 2',
            description: 'Resource 2: plaintext resource',
            mimeType: 'text/plain',
          },
        ]);

        // MCPBox forwards the arguments as given; the source checks them and answers isError.
        const wrong = await client.callTool({ name: q('get_sum'), arguments: { a: 'two', b: 3 } });
        assert.equal(wrong.isError, true);
        assert.match(
          firstText(wrong),
          /^MCP error -32602: Input validation error: Invalid arguments for tool get-sum: .*expected number, received string at a/,
        );

        // The source reports progress only for a request with a progress token: MCPBox asks for it
        // when its own caller did, and relays each step to that caller.
        const progress: number[] = [];
        const long = await client.callTool(
          { name: q('trigger_long_running_operation'), arguments: { duration: 0.2, steps: 2 } },
          { onprogress: (p) => void progress.push(p.progress) },
        );
        assert.equal(firstText(long), 'Long running operation completed. Duration: 0.2 seconds, Steps: 2.');
        assert.deepEqual(progress, [1, 2]);
      }

      const perEra = [
        ['echo', true],
        ['get_sum', true],
        ['get_tiny_image', true],
        ['get_structured_content', true],
        ['get_annotated_message', true],
        ['get_resource_links', true],
        ['get_sum', false],
        ['trigger_long_running_operation', true],
      ];
      const rows = await waitForRows(t, perEra.length * 2, 'server_id = $1', [serverId]);
      assert.deepEqual(
        rows.map((r) => [r.tool_name, r.success]),
        [...perEra, ...perEra],
      );
      assert.deepEqual([...new Set(rows.map((r) => r.executed_by))], ['mcp:test-modern', 'mcp:test-legacy']);
      assert.match(rows[0].result ?? '', /Echo: hello from modern/);
      assert.deepEqual(rows[1].input_args, { a: 2.5, b: 40 });
      assert.equal(rows[6].result, null);
      assert.match(rows[6].error ?? '', /Input validation error: Invalid arguments for tool get-sum/);
    });

    it(`${transport.type}: after the reference server restarts, the next call through /mcp runs on a new session`, async () => {
      const serverName = `restarts_${transport.type}`;
      const { serverId, sourceId } = await attach(serverName, transport);
      assert.equal((await discover(sourceId)).status, 200);
      await importApproveStart(serverId, sourceId, ['echo']);
      const client = await connectMcp(`${t.url}/mcp`, 'legacy');
      clients.push(client);
      await untilListed(client, `${serverName}__echo`);
      const echo = async (message: string) => client.callTool({ name: `${serverName}__echo`, arguments: { message } });
      assert.equal(firstText(await echo('before')), 'Echo: before');

      // Same port, every session forgotten. Over Streamable HTTP it answers MCPBox's old session
      // with 400 "No valid session ID provided" (not the spec's 404).
      const old = child(transport.child);
      await old.stop();
      children.set(transport.child, await startEverything(transport.child, { port: old.port }));

      for (const message of ['after', 'again']) {
        const res = await echo(message);
        assert.ok(!res.isError, firstText(res));
        assert.equal(firstText(res), `Echo: ${message}`);
      }
      const row = await t.get(`/api/external-sources/sources/${sourceId}`, { token });
      assert.equal(row.body.status, 'active');
      const rows = await waitForRows(t, 3, 'server_id = $1', [serverId]);
      assert.deepEqual(
        rows.map((r) => r.success),
        [true, true, true],
      );
    });
  }
});
