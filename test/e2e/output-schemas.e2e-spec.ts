import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Type } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ApprovalStatsDto } from '../../src/approvals/dto/approval-stats.dto';
import { ToolApprovalDto } from '../../src/tools/dto/tool-approval.dto';
import { AdminUserDto, AuthStatusDto, TokenPairDto } from '../../src/auth/dto/auth.dto';
import { outputJsonSchema, pageJsonSchema } from '../../src/common/contract/output-json-schema';
import { ExportDocumentDto } from '../../src/export/dto/export.dto';
import { SandboxStatusDto, ServerLogLineDto, TestCodeResultDto } from '../../src/sandbox/dto/sandbox.dto';
import { SecretDto } from '../../src/secrets/dto/secret.dto';
import { ServerDetailDto, ServerDto } from '../../src/servers/dto/server.dto';
import { SecurityPolicyDto, SettingDto } from '../../src/settings/dto/security-policy.dto';
import { ToolVersionDto, ToolVersionSummaryDto, VersionComparisonDto } from '../../src/tools/dto/tool-version.dto';
import { ToolDto, ToolSummaryDto } from '../../src/tools/dto/tool.dto';
import { CodeAnalysisDto } from '../../src/tools/dto/validate-code.dto';
import { ADMIN, startApp, type TestApp } from '../support/app';

let t: TestApp;
let token: string;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

before(async () => {
  t = await startApp();
  await t.post('/auth/setup', ADMIN);
  token = (await t.post('/auth/login', ADMIN)).body.access_token;
});
after(async () => t.close());

/** The response body must match the DTO's schema exactly: no field missing, none undeclared, every type right. */
function matches(body: unknown, schema: Record<string, unknown>, what: string): void {
  const validate = ajv.compile(schema);
  assert.ok(
    validate(body),
    `${what}: ${ajv.errorsText(validate.errors, { separator: '\n  ' })}\n${JSON.stringify(body).slice(0, 400)}`,
  );
}
const one = (dto: Type<unknown>) => outputJsonSchema(dto, { strict: true });
const page = (dto: Type<unknown>) => pageJsonSchema(dto, { strict: true });

describe('what the API answers matches the response DTOs the MCP tools will publish as outputSchema', () => {
  it('every response DTO of the API yields a schema', () => {
    for (const dto of [
      ServerDto,
      ServerDetailDto,
      ToolDto,
      ToolSummaryDto,
      ToolApprovalDto,
      ApprovalStatsDto,
      SecretDto,
      SecurityPolicyDto,
      SettingDto,
      ToolVersionDto,
      ToolVersionSummaryDto,
      VersionComparisonDto,
      CodeAnalysisDto,
      SandboxStatusDto,
      ServerLogLineDto,
      TestCodeResultDto,
      TokenPairDto,
      AuthStatusDto,
      AdminUserDto,
      ExportDocumentDto,
    ])
      assert.doesNotThrow(() => one(dto), dto.name);
  });

  it('servers, tools, versions, approvals, secrets, settings, sandbox and auth answers match', async () => {
    const auth = { token };
    matches((await t.get('/auth/status')).body, one(AuthStatusDto), 'GET /auth/status');
    matches((await t.get('/auth/me', auth)).body, one(AdminUserDto), 'GET /auth/me');
    matches((await t.post('/auth/login', ADMIN)).body, one(TokenPairDto), 'POST /auth/login');
    const server = await t.post('/api/servers', { name: 'schemas', description: null }, auth);
    matches(server.body, one(ServerDto), 'POST /api/servers');
    const sid = server.body.id as string;
    await t.post(`/api/servers/${sid}/allowed-hosts`, { host: 'api.example.com', port: 443 }, auth);
    const tool = await t.post(
      `/api/servers/${sid}/tools`,
      { name: 'echo', description: 'Echo', code: 'export async function main({ text }) { return { text } }' },
      auth,
    );
    matches(tool.body, one(ToolDto), 'POST tool');
    await t.patch(`/api/tools/${tool.body.id}`, { code: 'export async function main({ text }) { return text }' }, auth);
    matches((await t.get('/api/servers', auth)).body, page(ServerDto), 'GET /api/servers');
    matches((await t.get(`/api/servers/${sid}`, auth)).body, one(ServerDetailDto), 'GET server');
    matches((await t.get(`/api/servers/${sid}/tools`, auth)).body, page(ToolSummaryDto), 'GET tools');
    matches(
      (await t.get(`/api/tools/${tool.body.id}/versions`, auth)).body,
      page(ToolVersionSummaryDto),
      'GET versions',
    );
    matches((await t.get(`/api/tools/${tool.body.id}/versions/1`, auth)).body, one(ToolVersionDto), 'GET version');
    matches(
      (await t.get(`/api/tools/${tool.body.id}/versions/compare?from=1&to=2`, auth)).body,
      one(VersionComparisonDto),
      'compare',
    );
    matches(
      (await t.post('/api/tools/validate-code', { code: 'export async function main({ a = 1 }) { return a }' }, auth))
        .body,
      one(CodeAnalysisDto),
      'validate-code',
    );
    await t.post(`/api/approvals/tools/${tool.body.id}/action`, { action: 'submit_for_review' }, auth);
    matches((await t.get('/api/approvals/tools', auth)).body, page(ToolApprovalDto), 'approval queue');
    matches((await t.get('/api/approvals/stats', auth)).body, one(ApprovalStatsDto), 'approval stats');
    await t.post(`/api/approvals/tools/${tool.body.id}/action`, { action: 'approve' }, auth);
    const secret = await t.post(`/api/servers/${sid}/secrets`, { key_name: 'API_KEY', description: 'key' }, auth);
    matches(secret.body, one(SecretDto), 'POST secret');
    matches((await t.get(`/api/servers/${sid}/secrets`, auth)).body, page(SecretDto), 'GET secrets');
    matches((await t.get('/api/settings/security-policy', auth)).body, one(SecurityPolicyDto), 'GET policy');
    matches((await t.get('/api/settings', auth)).body, page(SettingDto), 'GET settings');
    matches((await t.post(`/api/sandbox/servers/${sid}/start`, undefined, auth)).body, one(SandboxStatusDto), 'start');
    matches(
      (await t.post('/api/tools/test-code', { tool_id: tool.body.id, arguments: { text: 'hi' } }, auth)).body,
      one(TestCodeResultDto),
      'test-code',
    );
    matches((await t.get(`/api/sandbox/servers/${sid}/logs`, auth)).body, page(ServerLogLineDto), 'logs');
    matches((await t.get(`/api/export/servers/${sid}`, auth)).body, one(ExportDocumentDto), 'export');
  });
});
