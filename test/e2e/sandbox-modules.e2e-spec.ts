import { rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Actor } from '../../src/common/actor';
import { AppConfig } from '../../src/config/app-config';
import { moduleStoreDir } from '../../src/health/checks/module-store.check';
import { ModulesService } from '../../src/modules/modules.service';
import { ServerChangesService } from '../../src/server-changes/server-changes.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, firstText } from '../support/mcp';
import { startFixtureWorld, type FixtureWorld } from '../support/npm-fixtures';
import { approveTool, createServerVia, createToolVia } from './sandbox-fixtures';

const ADMIN: Actor = { kind: 'admin', name: 'admin' };

const YAML_TOOL = `import { parse } from "yaml";
export async function main({ text = "" }) {
  return parse(text);
}`;

/**
 * Approved modules over the MCP call path of a RUNNING server: installed into the app's
 * module store (<DATA_DIR>/modules) from a loopback registry, allowed and revoked through
 * ModulesService, and the change announced as "modules changed" — never a restart.
 */
describe('sandbox: a running tool gains and loses an npm module without a restart', () => {
  let t: TestApp;
  let token: string;
  let world: FixtureWorld;
  let client: Client;
  let serverId: string;
  let startedAt: string;

  /** The admin's allow-list edit; ModulesService announces "modules changed" after it. */
  async function allowList(change: { add_modules?: string[]; remove_modules?: string[] }): Promise<string[]> {
    return (await t.app.get(ModulesService).updateAllowList(ADMIN, change)).allowed_modules;
  }

  const callYaml = async (text: string) => {
    const res = await client.callTool({ name: 'docs__read_yaml', arguments: { text } });
    return { isError: res.isError === true, text: firstText(res) };
  };

  before(async () => {
    world = await startFixtureWorld();
    t = await startApp({ MCPBOX_NPM_REGISTRY: world.registry.url });
    token = await setupAdmin(t);
    serverId = await createServerVia(t, token, 'docs');
    const tool = await createToolVia(t, token, serverId, { name: 'read_yaml', code: YAML_TOOL });
    await approveTool(t, token, tool.id);
    const started = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(started.body.tools_loaded, 1, started.text);
    startedAt = started.body.started_at;
    client = await connectMcp(`${t.url}/mcp`, 'modern');
  });
  after(async () => {
    await client?.close();
    await t?.close();
    await world?.cleanup();
  });

  it('validate-code lists the imports that are not allowed', async () => {
    const code =
      'import { parse } from "yaml";\nimport { greet } from "tiny-greet";\nexport async function main() { return 1; }';
    const before = await t.post('/api/tools/validate-code', { code }, { token });
    assert.equal(before.status, 200, before.text);
    assert.deepEqual(before.body.disallowed_imports, ['yaml', 'tiny-greet']);
    assert.equal(before.body.valid, true, 'not yet approved is a warning, not an error');
    assert.match(JSON.stringify(before.body.warnings), /mcpbox_request_module/);
    await allowList({ add_modules: ['yaml'] });
    const after = await t.post('/api/tools/validate-code', { code }, { token });
    assert.deepEqual(after.body.disallowed_imports, ['tiny-greet']);
    const builtin = await t.post(
      '/api/tools/validate-code',
      { code: 'import fs from "fs";\nexport async function main() { return 1; }' },
      { token },
    );
    assert.deepEqual(builtin.body.disallowed_imports, ['fs']);
    assert.equal(builtin.body.valid, false);
    await allowList({ remove_modules: ['yaml'] });
  });

  it('an unapproved import fails over /mcp with the message that says how to ask', async () => {
    const res = await callYaml('a: 1');
    assert.equal(res.isError, true);
    assert.match(res.text, /module "yaml" is not approved: ask for it with mcpbox_request_module/);
  });

  it('allowed but missing from the module store (a wiped data folder): the call says so; sync brings it back without a restart', async () => {
    await allowList({ add_modules: ['yaml'] });
    const works = await callYaml('list: [1, two]\nnested: { a: true }');
    assert.equal(works.isError, false, works.text);
    assert.deepEqual(JSON.parse(works.text), { list: [1, 'two'], nested: { a: true } });

    rmSync(moduleStoreDir(t.app.get(AppConfig).dataDir), { recursive: true, force: true });
    await t.app
      .get(ServerChangesService)
      .publishModules({ allowed: ['yaml'], added: [], removed: [], updated: ['yaml'] });
    const missing = await callYaml('a: 1');
    assert.equal(missing.isError, true);
    assert.match(missing.text, /module "yaml" is approved but not installed on this MCPBox/);

    const synced = await t.post('/api/settings/modules/sync', undefined, { token });
    assert.ok(synced.status < 300, synced.text);
    const back = await callYaml('c: 3');
    assert.equal(back.isError, false, back.text);
    assert.deepEqual(JSON.parse(back.text), { c: 3 });
    const status = await t.get(`/api/sandbox/servers/${serverId}/status`, { token });
    assert.equal(status.body.started_at, startedAt, 'the server was not restarted');
  });

  it('revocation takes the module away from the running server at once; approval gives it back', async () => {
    assert.deepEqual(await allowList({ remove_modules: ['yaml'] }), []);
    const revoked = await callYaml('a: 1');
    assert.equal(revoked.isError, true);
    assert.match(revoked.text, /module "yaml" is not approved/);
    // Through the test-code path too (a server need not run for it).
    const tools = await t.get(`/api/servers/${serverId}/tools`, { token });
    const toolId = (tools.body.items ?? tools.body)[0].id as string;
    const tested = await t.post('/api/tools/test-code', { tool_id: toolId, arguments: { text: 'a: 1' } }, { token });
    assert.equal(tested.body.success, false, tested.text);
    assert.match(JSON.stringify(tested.body), /not approved/);

    await allowList({ add_modules: ['yaml'] });
    const back = await callYaml('b: 2');
    assert.equal(back.isError, false, back.text);
    assert.deepEqual(JSON.parse(back.text), { b: 2 });
    const status = await t.get(`/api/sandbox/servers/${serverId}/status`, { token });
    assert.equal(status.body.started_at, startedAt, 'the server was not restarted');
  });
});
