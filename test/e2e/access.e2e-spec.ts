import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IntersectionType } from '@nestjs/swagger';
import { ToolActionDto } from '../../src/tools/dto/tool-approval.dto';
import { ToolApprovalsService } from '../../src/tools/tool-approvals.service';
import { AuthService } from '../../src/auth/auth.service';
import { llmActor, type Actor } from '../../src/common/actor';
import { ServerIdDto } from '../../src/common/contract/ids.dto';
import { validateInput } from '../../src/common/contract/validate-input';
import { PaginationQueryDto } from '../../src/common/pagination';
import { ImportService } from '../../src/export/import.service';
import { UpdateAllowedModulesDto } from '../../src/modules/dto/module.dto';
import { ModulesService } from '../../src/modules/modules.service';
import { ModuleStoreService } from '../../src/modules/module-store.service';
import { AllowedHostInputDto } from '../../src/network-access/dto/allowed-host.dto';
import { NetworkAccessService } from '../../src/network-access/network-access.service';
import { SandboxService } from '../../src/sandbox/sandbox.service';
import { CreateSecretDto, SetSecretValueDto } from '../../src/secrets/dto/secret.dto';
import { SecretsService } from '../../src/secrets/secrets.service';
import { CreateServerDto, UpdateServerDto } from '../../src/servers/dto/server.dto';
import { ServersService } from '../../src/servers/servers.service';
import { UpdateSecurityPolicyDto } from '../../src/settings/dto/security-policy.dto';
import { SettingsService } from '../../src/settings/settings.service';
import { CreateToolDto, UpdateToolDto } from '../../src/tools/dto/tool.dto';
import { ValidateCodeDto } from '../../src/tools/dto/validate-code.dto';
import { ToolVersionsService } from '../../src/tools/tool-versions.service';
import { ToolsService } from '../../src/tools/tools.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { publishTinyPackage, TestNpmRegistry } from '../support/npm-registry';
import { ModuleRequestsService } from '../../src/modules/module-requests.service';
import { NetworkRequestsService } from '../../src/network-access/network-requests.service';
import { ModuleRequestActionDto, RequestActionDto } from '../../src/common/request-queue.dto';

const CODE = 'export async function main({ city }) {\n  return city;\n}\n';
const LLM = llmActor('claude@example.com');
const ADMIN: Actor = { kind: 'admin', name: 'admin' };
const SERVICE_TOKEN = 's'.repeat(40);

/** Row counts of the tables a refused change could have touched. */
async function counts(t: TestApp): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [
    'servers',
    'tools',
    'tool_versions',
    'server_secrets',
    'network_access_requests',
    'module_requests',
    'settings',
    'activity_logs',
  ])
    out[table] = Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
  return out;
}

/** A server with one submitted tool, made by the admin over the API. */
async function fixture(t: TestApp, token: string, name: string): Promise<{ serverId: string; toolId: string }> {
  const server = await t.post('/api/servers', { name }, { token });
  assert.equal(server.status, 201, server.text);
  const tool = await t.post(
    `/api/servers/${server.body.id}/tools`,
    { name: 'echo', description: 'd', code: CODE },
    { token },
  );
  assert.equal(tool.status, 201, tool.text);
  const submit = await t.post(
    `/api/approvals/tools/${tool.body.id}/action`,
    { action: 'submit_for_review' },
    { token },
  );
  assert.equal(submit.status, 200, submit.text);
  return { serverId: server.body.id, toolId: tool.body.id };
}

describe('access: only an admin decides', () => {
  let t: TestApp;
  let token: string;
  let ids: { serverId: string; toolId: string };
  let registry: TestNpmRegistry;

  before(async () => {
    registry = await TestNpmRegistry.start();
    publishTinyPackage(registry, 'dayjs');
    publishTinyPackage(registry, '@scope/pkg');
    t = await startApp({ MCPBOX_NPM_REGISTRY: registry.url });
    token = await setupAdmin(t);
    ids = await fixture(t, token, 'weather');
  });
  after(async () => {
    await t.close();
    await registry.close();
  });

  it('refuses an LLM to approve, reject, revoke, change the policy, allow hosts, set secrets or import, writing nothing', async () => {
    const approvals = t.app.get(ToolApprovalsService);
    const host = validateInput(AllowedHostInputDto, { host: 'api.example.com' });
    await t.app.get(SecretsService).create(ADMIN, ids.serverId, validateInput(CreateSecretDto, { key_name: 'KEY' }));
    const before = await counts(t);
    const refusals: [string, () => Promise<unknown>][] = [
      ['approve', () => approvals.approve(LLM, ids.toolId, {})],
      ['reject', () => approvals.reject(LLM, ids.toolId, { reason: 'no' })],
      ['act approve', () => approvals.act(LLM, ids.toolId, validateInput(ToolActionDto, { action: 'approve' }))],
      ['revoke', () => approvals.revoke(LLM, ids.toolId, {})],
      [
        'security policy',
        () =>
          t.app
            .get(SettingsService)
            .updatePolicy(LLM, validateInput(UpdateSecurityPolicyDto, { tool_approval_mode: 'auto_approve' })),
      ],
      ['add allowed host', () => t.app.get(NetworkAccessService).addAdminHost(LLM, ids.serverId, host)],
      ['remove allowed host', () => t.app.get(NetworkAccessService).removeAdminHost(LLM, ids.serverId, host)],
      [
        'secret value',
        () =>
          t.app
            .get(SecretsService)
            .setValue(LLM, ids.serverId, 'KEY', validateInput(SetSecretValueDto, { value: 'v' })),
      ],
      ['delete secret', () => t.app.get(SecretsService).remove(LLM, ids.serverId, 'KEY')],
      ['import', () => t.app.get(ImportService).importDocument(LLM, { format_version: 1, servers: [] }, {})],
      [
        'module allow-list',
        () =>
          t.app
            .get(ModulesService)
            .updateAllowList(LLM, validateInput(UpdateAllowedModulesDto, { add_modules: ['dayjs'] })),
      ],
      ['module install', () => t.app.get(ModuleStoreService).install(LLM, { module_name: 'dayjs' })],
      ['module sync', () => t.app.get(ModuleStoreService).sync(LLM)],
      [
        'decide a module request',
        () =>
          t.app
            .get(ModuleRequestsService)
            .act(LLM, ids.toolId, validateInput(ModuleRequestActionDto, { action: 'approve' })),
      ],
      [
        'decide a network request',
        () =>
          t.app
            .get(NetworkRequestsService)
            .act(LLM, ids.toolId, validateInput(RequestActionDto, { action: 'approve' })),
      ],
    ];
    for (const [label, call] of refusals) {
      await assert.rejects(
        call,
        (e: { kind?: string; message?: string }) =>
          e.kind === 'forbidden' &&
          /^An LLM can never .+; an admin decides in the approvals queue/.test(e.message ?? ''),
        label,
      );
    }
    assert.deepEqual(await counts(t), before, 'nothing was written');
    assert.equal((await t.get(`/api/tools/${ids.toolId}`, { token })).body.approval_status, 'pending_review');
  });

  it('lets an admin edit the module allow-list: records first, the derived cache after', async () => {
    const modules = t.app.get(ModulesService);
    const edit = (body: unknown) => modules.updateAllowList(ADMIN, validateInput(UpdateAllowedModulesDto, body));
    assert.deepEqual((await edit({ add_modules: ['dayjs', '@scope/pkg'] })).allowed_modules, ['@scope/pkg', 'dayjs']);
    assert.deepEqual(await modules.allowedModules(), ['@scope/pkg', 'dayjs']);
    const validated = await t.post('/api/tools/validate-code', { code: `import d from 'dayjs';\n${CODE}` }, { token });
    assert.deepEqual(validated.body.disallowed_imports, [], 'tools see the allowed module');
    assert.deepEqual((await edit({ remove_modules: ['dayjs'] })).allowed_modules, ['@scope/pkg']);
    const rows = await t.db.query(`SELECT status FROM module_requests WHERE module_name = 'dayjs'`);
    assert.deepEqual(rows.rows, [{ status: 'rejected' }], 'the record stays as history');
  });

  it('lets an LLM change what it builds in local mode (servers, tools, versions, publish requests)', async () => {
    const server = await t.app.get(ServersService).create(LLM, validateInput(CreateServerDto, { name: 'by_llm' }));
    const tool = await t.app
      .get(ToolsService)
      .create(LLM, server.id, validateInput(CreateToolDto, { name: 't', description: 'd', code: CODE }));
    const published = await t.app.get(ToolApprovalsService).requestPublish(LLM, tool.id, {});
    assert.equal(published.approval_status, 'pending_review');
  });

  it('authenticates an access token in one place (guard and, later, the activity stream handshake)', async () => {
    const auth = t.app.get(AuthService);
    const user = await auth.authenticateAccessToken(token);
    assert.equal(user.username, 'admin');
    await assert.rejects(auth.authenticateAccessToken(`${token}x`), { kind: 'unauthorized' });
    await assert.rejects(auth.authenticateAccessToken('not-a-jwt'), { kind: 'unauthorized' });
    const login = await t.post('/auth/login', { username: 'admin', password: 'correct horse battery' });
    assert.equal((await t.post('/auth/logout', undefined, { token: login.body.access_token })).status, 204);
    await assert.rejects(auth.authenticateAccessToken(login.body.access_token), {
      kind: 'unauthorized',
      message: /revoked/,
    });
    await assert.rejects(auth.authenticateAccessToken(login.body.refresh_token), { kind: 'unauthorized' });
  });
});

describe('access: remote mode', () => {
  let t: TestApp;
  let token: string;
  let ids: { serverId: string; toolId: string };

  before(async () => {
    t = await startApp({ MCPBOX_MODE: 'remote', MCPBOX_SERVICE_TOKEN: SERVICE_TOKEN });
    token = await setupAdmin(t);
    ids = await fixture(t, token, 'weather');
  });
  after(() => t.close());

  /** Every change an LLM may otherwise make through the MCP management tools (in an order that works once allowed). */
  const changes = (): [string, () => Promise<unknown>][] => {
    const servers = t.app.get(ServersService);
    const tools = t.app.get(ToolsService);
    const sandbox = t.app.get(SandboxService);
    let created: { id: string } | undefined;
    return [
      ['create server', () => servers.create(LLM, validateInput(CreateServerDto, { name: 'remote_made' }))],
      ['update server', () => servers.update(LLM, ids.serverId, validateInput(UpdateServerDto, { description: 'x' }))],
      [
        'create tool',
        () => {
          const input = validateInput(IntersectionType(ServerIdDto, CreateToolDto), {
            server_id: ids.serverId,
            name: 'remote_tool',
            description: 'd',
            code: CODE,
          });
          return tools.create(LLM, input.server_id, input).then((tool) => (created = tool));
        },
      ],
      ['update tool', () => tools.update(LLM, ids.toolId, validateInput(UpdateToolDto, { code: `${CODE}// v2\n` }))],
      ['rollback', () => t.app.get(ToolVersionsService).rollback(LLM, ids.toolId, 1)],
      ['request publish', () => t.app.get(ToolApprovalsService).requestPublish(LLM, created?.id ?? ids.toolId, {})],
      [
        'create secret',
        () =>
          t.app.get(SecretsService).create(LLM, ids.serverId, validateInput(CreateSecretDto, { key_name: 'REMOTE' })),
      ],
      ['start server', () => sandbox.start(LLM, ids.serverId)],
      ['stop server', () => sandbox.stop(LLM, ids.serverId)],
      ['restart server', () => sandbox.restart(LLM, ids.serverId)],
      ['delete tool', () => tools.delete(LLM, ids.toolId)],
      ['delete server', () => servers.delete(LLM, ids.serverId)],
    ];
  };

  it('refuses every change by an LLM while remote_tool_editing is disabled, and writes nothing', async () => {
    const before = await counts(t);
    for (const [label, call] of changes()) {
      await assert.rejects(
        call,
        (e: { kind?: string; message?: string }) =>
          e.kind === 'forbidden' && /remote_tool_editing/.test(e.message ?? ''),
        label,
      );
    }
    assert.deepEqual(await counts(t), before);
  });

  it('still lets an LLM read, and an admin change anything', async () => {
    const page = validateInput(PaginationQueryDto, {});
    assert.equal((await t.app.get(ServersService).list(LLM, page)).total, 1);
    assert.equal((await t.app.get(ToolsService).get(LLM, ids.toolId)).name, 'echo');
    assert.equal(
      (await t.app.get(ToolsService).validateCode(LLM, validateInput(ValidateCodeDto, { code: CODE }))).valid,
      true,
    );
    assert.equal((await t.app.get(SandboxService).status(LLM, ids.serverId)).status, 'ready');
    const patched = await t.patch(`/api/servers/${ids.serverId}`, { description: 'by the admin' }, { token });
    assert.equal(patched.status, 200, patched.text);
  });

  it('allows the LLM the same changes once an admin enables remote_tool_editing', async () => {
    const enable = await t.patch('/api/settings/security-policy', { remote_tool_editing: 'enabled' }, { token });
    assert.equal(enable.status, 200, enable.text);
    for (const [label, call] of changes()) await assert.doesNotReject(call, label);
    assert.equal(Number((await t.db.query('SELECT count(*)::int AS n FROM servers')).rows[0].n), 1, 'remote_made only');
  });
});
