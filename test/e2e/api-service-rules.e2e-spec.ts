import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IntersectionType } from '@nestjs/swagger';
import { RequestPublishDto, ToolQueueQueryDto } from '../../src/tools/dto/tool-approval.dto';
import { ToolApprovalsService } from '../../src/tools/tool-approvals.service';
import type { Actor } from '../../src/common/actor';
import { ServerIdDto } from '../../src/common/contract/ids.dto';
import { validateInput } from '../../src/common/contract/validate-input';
import { PaginationQueryDto } from '../../src/common/pagination';
import { CreateServerDto } from '../../src/servers/dto/server.dto';
import { ServersService } from '../../src/servers/servers.service';
import { UpdateSecurityPolicyDto } from '../../src/settings/dto/security-policy.dto';
import { SettingsService } from '../../src/settings/settings.service';
import { CreateToolDto, UpdateToolDto } from '../../src/tools/dto/tool.dto';
import { ToolVersionsService } from '../../src/tools/tool-versions.service';
import { ToolsService } from '../../src/tools/tools.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const CODE = 'export async function main({ city }) {\n  return city;\n}\n';
const LLM: Actor = { kind: 'llm', name: 'claude' };
const ADMIN: Actor = { kind: 'admin', name: 'admin' };

/**
 * The services as the MCP management tools will call them (docs/architecture.md#management-tools): raw JSON arguments,
 * an LLM actor. Every rule holds there too, and every refusal is a domain error (never a
 * driver error or a RangeError that the MCP layer could only report as an internal error).
 */
describe('services: the rules hold on the MCP path', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  const count = async (table: string) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);

  /** What `mcpbox_create_tool` will do: validate its arguments (server_id + the body), then call the service. */
  const CreateToolArgs = IntersectionType(ServerIdDto, CreateToolDto);
  const createTool = async (args: Record<string, unknown>, actor = LLM) => {
    const input = validateInput(CreateToolArgs, args);
    return t.app.get(ToolsService).create(actor, input.server_id, input);
  };

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    serverId = (await t.post('/api/servers', { name: 'weather' }, { token })).body.id;
  });
  after(() => t.close());

  it('refuses bad paging, NUL characters and absurd nesting with domain errors, writing nothing', async () => {
    const servers = t.app.get(ServersService);
    const approvals = t.app.get(ToolApprovalsService);
    for (const query of [
      { page: 0 },
      { page: 1.5 },
      { page: 1e20 },
      { page: '2' },
      { page_size: 0 },
      { page_size: 101 },
      { page_size: Number.NaN },
    ]) {
      await assert.rejects(
        async () => servers.list(LLM, validateInput(PaginationQueryDto, query)),
        { kind: 'invalid', message: /page/ },
        JSON.stringify(query),
      );
      await assert.rejects(async () => approvals.listQueue(LLM, validateInput(ToolQueueQueryDto, query)), {
        kind: 'invalid',
        message: /page/,
      });
    }
    await assert.rejects(
      async () => approvals.listQueue(LLM, validateInput(ToolQueueQueryDto, { search: 'a\u0000' })),
      {
        kind: 'invalid',
        message: /search/,
      },
    );
    const tables = ['servers', 'tools', 'tool_versions', 'activity_logs'];
    const before = await Promise.all(tables.map(count));
    await assert.rejects(
      async () => servers.create(LLM, validateInput(CreateServerDto, { name: 'nul', description: 'a\u0000' })),
      {
        kind: 'invalid',
        message: /description.*NUL/,
      },
    );
    const base = { server_id: serverId, name: 'nul', description: 'd', code: CODE };
    await assert.rejects(createTool({ ...base, description: 'a\u0000' }), {
      kind: 'invalid',
      message: /description/,
    });
    await assert.rejects(createTool({ ...base, code: `${CODE}// \u0000` }), {
      kind: 'invalid',
      message: /code/,
    });
    await assert.rejects(createTool({ ...base, change_summary: '\u0000' }), {
      kind: 'invalid',
      message: /change_summary/,
    });
    await assert.rejects(createTool({ ...base, input_schema: { type: 'object', title: 'a\u0000' } }), {
      kind: 'invalid',
      message: /input_schema\.title/,
    });
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    await assert.rejects(createTool({ ...base, input_schema: { type: 'object', examples: deep } }), {
      kind: 'invalid',
      message: /input_schema.*nested/,
    });
    assert.deepEqual(await Promise.all(tables.map(count)), before);
  });

  it('creates with an upper-case server id and answers with the id as stored', async () => {
    const tool = await createTool({ server_id: serverId.toUpperCase(), name: 'upper', description: 'd', code: CODE });
    assert.equal(tool.server_id, serverId);
  });

  it('lets only an admin change the security policy (auto_approve would let an LLM approve itself)', async () => {
    const settings = t.app.get(SettingsService);
    const audits = await count('activity_logs');
    const policy = (patch: unknown) => validateInput(UpdateSecurityPolicyDto, patch);
    await assert.rejects(settings.updatePolicy(LLM, policy({ tool_approval_mode: 'auto_approve' })), {
      kind: 'forbidden',
    });
    assert.equal(settings.get('tool_approval_mode'), 'require_approval');
    assert.equal(await count('settings'), 0);
    assert.equal(await count('activity_logs'), audits);
    assert.equal((await settings.updatePolicy(ADMIN, policy({ log_retention_days: 31 }))).log_retention_days, 31);
  });

  it('refuses a rollback whose code is not valid in the tool language now (a language change is not snapshotted)', async () => {
    const tools = t.app.get(ToolsService);
    const ts = await createTool(
      {
        server_id: serverId,
        name: 'typed',
        description: 'd',
        code: 'export const main = ({ n }: { n: number }) => n * 2;',
        language: 'typescript',
      },
      ADMIN,
    );
    const update = (id: string, args: unknown) => tools.update(ADMIN, id, validateInput(UpdateToolDto, args));
    const js = await update(ts.id, { language: 'javascript', code: 'export const main = ({ n }) => n * 3;' });
    assert.equal(js.current_version, 2);
    const versions = await count('tool_versions');
    await assert.rejects(t.app.get(ToolVersionsService).rollback(ADMIN, ts.id, 1), {
      kind: 'conflict',
      message: /version 1.*not valid javascript/,
    });
    const now = await tools.findOrFail(ts.id);
    assert.equal(now.currentVersion, 2);
    assert.equal(now.language, 'javascript');
    assert.equal(await count('tool_versions'), versions);
    // Back in TypeScript the same rollback works.
    await update(ts.id, { language: 'typescript' });
    const rolled = await t.app.get(ToolVersionsService).rollback(ADMIN, ts.id, 1);
    assert.equal(rolled.code, 'export const main = ({ n }: { n: number }) => n * 2;');
  });

  it('approves only the version the reviewer saw: an edit after the review is a 409', async () => {
    const tools = t.app.get(ToolsService);
    const approvals = t.app.get(ToolApprovalsService);
    const tool = await createTool({ server_id: serverId, name: 'reviewed', description: 'd', code: CODE });
    await approvals.requestPublish(LLM, tool.id, validateInput(RequestPublishDto, { notes: 'v1 please' }));
    // The admin reads version 1 in the queue; meanwhile the LLM changes the code.
    await tools.update(
      LLM,
      tool.id,
      validateInput(UpdateToolDto, { code: 'export async function main() { return "changed"; }' }),
    );
    const res = await t.post(`/api/approvals/tools/${tool.id}/action`, { action: 'approve', version: 1 }, { token });
    assert.equal(res.status, 409, res.text);
    assert.match(res.body.message, /version 2/);
    assert.equal((await tools.findOrFail(tool.id)).approvalStatus, 'pending_review');
    const ok = await t.post(`/api/approvals/tools/${tool.id}/action`, { action: 'approve', version: 2 }, { token });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.approval_status, 'approved');
    for (const version of [0, 1.5, '2']) {
      assert.equal(
        (await t.post(`/api/approvals/tools/${tool.id}/action`, { action: 'approve', version }, { token })).status,
        400,
      );
    }
  });

  it('refuses an action field that does not apply to the action instead of dropping it', async () => {
    const tools = t.app.get(ToolsService);
    const tool = await createTool({ server_id: serverId, name: 'fields', description: 'd', code: CODE });
    const act = (body: Record<string, unknown>) => t.post(`/api/approvals/tools/${tool.id}/action`, body, { token });
    const audits = await count('activity_logs');
    for (const [body, field] of [
      [{ action: 'submit_for_review', reason: 'why' }, 'reason'],
      [{ action: 'submit_for_review', version: 1 }, 'version'],
      [{ action: 'approve', reason: 'looks fine' }, 'reason'],
      [{ action: 'reject', reason: 'no', notes: 'n' }, 'notes'],
    ] as const) {
      const res = await act(body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.match(res.body.message, new RegExp(field));
    }
    assert.equal((await tools.findOrFail(tool.id)).approvalStatus, 'draft');
    assert.equal(await count('activity_logs'), audits);
  });
});
