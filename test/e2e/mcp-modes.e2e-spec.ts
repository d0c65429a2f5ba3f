import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppConfig } from '../../src/config/app-config';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS } from '../support/mcp';
import { approveTool, createServerVia, createToolVia, waitForRows } from './sandbox-fixtures';

const SERVICE_TOKEN = 's'.repeat(40);
const ACCEPT = 'application/json, text/event-stream';
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('remote mode: the service token and the user email', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await startApp({ MCPBOX_MODE: 'remote', MCPBOX_SERVICE_TOKEN: SERVICE_TOKEN });
    await t.post('/auth/setup', ADMIN);
    token = (await t.post('/auth/login', ADMIN)).body.access_token;
    await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
    const serverId = await createServerVia(t, token, 'remote_srv');
    const tool = await createToolVia(t, token, serverId, {
      name: 'hello',
      code: 'export async function main() { return "hi" }',
    });
    await approveTool(t, token, tool.id);
    await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
  });
  after(async () => t.close());

  it('refuses a request without the token, or with a wrong one, with 401 and a JSON-RPC error', async () => {
    for (const headers of [
      {},
      { 'x-mcpbox-service-token': 'wrong' },
      { 'x-mcpbox-service-token': SERVICE_TOKEN.slice(1) },
    ]) {
      const res = await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
        body: initialize,
      });
      assert.equal(res.status, 401);
      const body = (await res.json()) as any;
      assert.equal(body.jsonrpc, '2.0');
      assert.match(body.error.message, /X-MCPbox-Service-Token/);
    }
  });

  for (const era of ERAS) {
    it(`${era}: tools/list and tools/call need the user email; with it the call is logged with the user and the client`, async () => {
      const anonymous = await connectMcp(`${t.url}/mcp`, era, { headers: { 'x-mcpbox-service-token': SERVICE_TOKEN } });
      await assert.rejects(anonymous.listTools(), /X-MCPbox-User-Email/);
      await assert.rejects(anonymous.callTool({ name: 'remote_srv__hello', arguments: {} }), /X-MCPbox-User-Email/);
      await anonymous.close();

      const email = `${era}@example.com`;
      const client = await connectMcp(`${t.url}/mcp`, era, {
        name: `client-${era}`,
        headers: { 'x-mcpbox-service-token': SERVICE_TOKEN, 'x-mcpbox-user-email': email },
      });
      const listed = await client.listTools();
      assert.ok(listed.tools.some((x) => x.name === 'remote_srv__hello'));
      const result = await client.callTool({ name: 'remote_srv__hello', arguments: {} });
      assert.equal(result.isError, undefined);
      const rows = await waitForRows(t, 1, 'executed_by LIKE $1', [`${email}%`]);
      assert.equal(rows[0].executed_by, `${email} (mcp:client-${era})`);
      await client.close();
    });
  }
});

describe('local mode', () => {
  it('needs no token and listens on loopback by default', async () => {
    assert.equal(
      AppConfig.fromEnvironment({ MCPBOX_ENCRYPTION_KEY: 'a'.repeat(64), DATA_DIR: '/tmp/x' }).host,
      '127.0.0.1',
    );
    assert.equal(
      AppConfig.fromEnvironment({
        MCPBOX_ENCRYPTION_KEY: 'a'.repeat(64),
        DATA_DIR: '/tmp/x',
        MCPBOX_MODE: 'remote',
        MCPBOX_SERVICE_TOKEN: SERVICE_TOKEN,
      }).host,
      '0.0.0.0',
    );
  });
});

describe('the MCP rate limit (mcp_rate_limit_rpm per client)', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
    await t.post('/auth/setup', ADMIN);
    const token = (await t.post('/auth/login', ADMIN)).body.access_token;
    const res = await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 5 }, { token });
    assert.equal(res.status, 200, res.text);
  });
  after(async () => t.close());

  it('answers 429 with Retry-After and a JSON-RPC -32000 error that says when to retry', async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: ACCEPT },
        body: initialize,
      });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.text();
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.ok(refused);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    const body = (await refused.json()) as any;
    assert.equal(body.error.code, -32000);
    assert.match(body.error.message, new RegExp(`retry after ${retryAfter} s`));
  });

  it('in local mode a client cannot escape its limit by sending a new X-MCPbox-User-Email each time', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: ACCEPT, 'x-mcpbox-user-email': `u${i}@example.com` },
        body: initialize,
      });
      statuses.push(res.status);
      await res.text();
    }
    assert.deepEqual(statuses, [429, 429, 429], 'the same address, already over its limit');
  });
});
