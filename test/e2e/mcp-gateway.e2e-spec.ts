import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS, firstText, nextListChanged } from '../support/mcp';
import { approveTool, createServerVia, createToolVia } from './sandbox-fixtures';

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
