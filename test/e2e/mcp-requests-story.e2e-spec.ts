import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { PackageInstaller } from '../../src/modules/packages/package-installer';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, firstText } from '../support/mcp';
import { startFixtureWorld, type FixtureWorld } from '../support/npm-fixtures';

/** A management tool's JSON result; text and structuredContent agree. */
async function use(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name, arguments: args });
  assert.notEqual(result.isError, true, `${name}: ${firstText(result)}`);
  assert.deepEqual(JSON.parse(firstText(result)), result.structuredContent, `${name}: text and structuredContent`);
  return result.structuredContent;
}

/**
 * The LLM's story over /mcp (issue 17): a tool needs `yaml` and a host outside its server's
 * allowance; the LLM asks for both, the admin approves both over the API, and the running
 * server serves the tool without a restart. The "outside" host is a peer on 127.0.0.1
 * (MCPBOX_TEST_ALLOW_LOOPBACK lifts only the loopback block, for approved hosts alone):
 * traffic never leaves the machine. The registry is a loopback one serving a real `yaml`.
 */
describe('an LLM asks for a module and a host, an admin approves both, the running tool follows', () => {
  let world: FixtureWorld;
  let t: TestApp;
  let token: string;
  let client: Client;
  let peer: Server;
  let peerPort: number;
  const hits: string[] = [];

  before(async () => {
    world = await startFixtureWorld();
    peer = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ config: 'city: Lisbon\nunits: metric\n' }));
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    peerPort = (peer.address() as AddressInfo).port;
    t = await startApp({ MCPBOX_NPM_REGISTRY: world.registry.url, MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
    token = await setupAdmin(t);
    await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
    client = await connectMcp(`${t.url}/mcp`, 'modern', { name: 'story-llm' });
  });
  after(async () => {
    await client?.close();
    await t?.close();
    peer?.closeAllConnections();
    await new Promise<void>((r) => (peer ? peer.close(() => r()) : r()));
    await world?.cleanup();
  });

  it('tells the LLM what is missing, takes its requests, and serves the tool once the admin approved them', async () => {
    const server = await use(client, 'mcpbox_create_server', { name: 'configs' });
    const fetchCode = `export async function main() {
  const res = await fetch("http://127.0.0.1:${peerPort}/config");
  return await res.json();
}`;
    const fetcher = await use(client, 'mcpbox_create_tool', {
      server_id: server.id,
      name: 'remote_config',
      description: 'Reads the remote configuration',
      code: fetchCode,
    });
    const parseCode = 'import { parse } from "yaml";\nexport async function main({ text }) { return parse(text); }';
    const check = await use(client, 'mcpbox_validate_code', { code: parseCode });
    assert.deepEqual(check.disallowed_imports, ['yaml'], 'validate-code says which import is not allowed');
    const parser = await use(client, 'mcpbox_create_tool', {
      server_id: server.id,
      name: 'parse_config',
      description: 'Parses YAML',
      code: parseCode,
    });
    for (const tool of [fetcher, parser]) await use(client, 'mcpbox_request_publish', { tool_id: tool.id });
    for (const tool of [fetcher, parser]) {
      const ok = await t.post(`/api/approvals/tools/${tool.id}/action`, { action: 'approve' }, { token });
      assert.equal(ok.status, 200, ok.text);
    }
    const started = await use(client, 'mcpbox_start_server', { server_id: server.id });
    const blocked = await client.callTool({ name: 'configs__remote_config', arguments: {} });
    assert.equal(blocked.isError, true);
    assert.match(firstText(blocked), /not in this server's allowed hosts|not approved/);
    assert.equal(hits.length, 0, 'nothing reached the peer');
    const unparsed = await client.callTool({ name: 'configs__parse_config', arguments: { text: 'a: 1' } });
    assert.equal(unparsed.isError, true);
    assert.match(firstText(unparsed), /module "yaml" is not approved: ask for it with mcpbox_request_module/);

    const hostRequest = await use(client, 'mcpbox_request_network_access', {
      tool_id: fetcher.id,
      host: '127.0.0.1',
      port: peerPort,
      justification: 'the configuration service',
    });
    const moduleRequest = await use(client, 'mcpbox_request_module', {
      tool_id: parser.id,
      module_name: 'yaml',
      justification: 'parse the configuration',
    });
    const pending = await use(client, 'mcpbox_list_pending_requests', { server_id: server.id });
    assert.deepEqual(
      pending.network_requests.map((r: { id: string; status: string }) => [r.id, r.status]),
      [[hostRequest.id, 'pending']],
    );
    assert.deepEqual(
      pending.module_requests.map((r: { id: string; status: string }) => [r.id, r.status]),
      [[moduleRequest.id, 'pending']],
    );
    // The LLM has no way to decide: no management tool takes an action, and the routes need an admin token.
    assert.equal((await t.post(`/api/approvals/network/${hostRequest.id}/action`, { action: 'approve' })).status, 401);

    const networkQueue = (await t.get('/api/approvals/network', { token })).body.items;
    const moduleQueue = (await t.get('/api/approvals/modules', { token })).body.items;
    assert.deepEqual(
      networkQueue.map((r: { id: string }) => r.id),
      [hostRequest.id],
    );
    assert.deepEqual(
      moduleQueue.map((r: { id: string }) => r.id),
      [moduleRequest.id],
    );
    const host = await t.post(`/api/approvals/network/${hostRequest.id}/action`, { action: 'approve' }, { token });
    assert.equal(host.status, 200, host.text);
    const module = await t.post(`/api/approvals/modules/${moduleRequest.id}/action`, { action: 'approve' }, { token });
    assert.equal(module.status, 200, module.text);

    const served = await client.callTool({ name: 'configs__remote_config', arguments: {} });
    assert.notEqual(served.isError, true, firstText(served));
    assert.deepEqual(served.structuredContent, { config: 'city: Lisbon\nunits: metric\n' });
    assert.equal(hits.length, 1);
    const status = (await t.get(`/api/sandbox/servers/${server.id}/status`, { token })).body;
    assert.equal(status.started_at, started.started_at, 'no restart');

    const fetcherStatus = await use(client, 'mcpbox_get_tool_status', { tool_id: fetcher.id });
    assert.equal(fetcherStatus.network_requests[0].status, 'approved');
    const parserStatus = await use(client, 'mcpbox_get_tool_status', { tool_id: parser.id });
    assert.equal(parserStatus.module_requests[0].status, 'approved');
    const modules = await use(client, 'mcpbox_get_server_modules', { server_id: server.id });
    assert.deepEqual(modules.allowed_modules, ['yaml']);
    assert.deepEqual((await use(client, 'mcpbox_validate_code', { code: parseCode })).disallowed_imports, []);
    const bundle = await t.app.get(PackageInstaller).readBundle('yaml');
    assert.equal(bundle?.module.version, world.yaml.version, 'the real yaml is in the module store for the sandbox');

    // The running parser imports the real yaml now, without a restart.
    const config = (served.structuredContent as { config: string }).config;
    const parsed = await client.callTool({ name: 'configs__parse_config', arguments: { text: config } });
    assert.notEqual(parsed.isError, true, firstText(parsed));
    assert.deepEqual(JSON.parse(firstText(parsed)), { city: 'Lisbon', units: 'metric' });
    const after = (await t.get(`/api/sandbox/servers/${server.id}/status`, { token })).body;
    assert.equal(after.started_at, started.started_at, 'still no restart');
  });
});
