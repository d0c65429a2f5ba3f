import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { getMetadataStorage } from 'class-validator';
import type { Type } from '@nestjs/common';
import { IntersectionType } from '@nestjs/swagger';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  RequestPublishDto,
  RevokeToolDto,
  ToolActionDto,
  ToolQueueQueryDto,
} from '../../src/tools/dto/tool-approval.dto';
import { ServerIdDto, ToolIdDto } from '../../src/common/contract/ids.dto';
import { inputJsonSchema } from '../../src/common/contract/input-json-schema';
import { validateInput } from '../../src/common/contract/validate-input';
import { PaginationQueryDto } from '../../src/common/pagination';
import { ImportQueryDto } from '../../src/export/dto/export.dto';
import {
  CreateExternalSourceDto,
  ImportExternalToolsDto,
  OAuthStartDto,
  UpdateExternalSourceDto,
} from '../../src/external-sources/dto/external-source.dto';
import {
  InstallModuleDto,
  ModuleNameDto,
  RequestModuleDto,
  UpdateAllowedModulesDto,
} from '../../src/modules/dto/module.dto';
import { ModuleRequestActionDto, RequestActionDto, RequestQueueQueryDto } from '../../src/common/request-queue.dto';
import { RequestNetworkAccessDto } from '../../src/network-access/dto/network-request.dto';
import { AllowedHostInputDto } from '../../src/network-access/dto/allowed-host.dto';
import { TestCodeDto } from '../../src/sandbox/dto/sandbox.dto';
import { CreateSecretDto, SecretKeyDto, SetSecretValueDto } from '../../src/secrets/dto/secret.dto';
import { CreateServerDto, UpdateServerDto } from '../../src/servers/dto/server.dto';
import { UpdateSecurityPolicyDto } from '../../src/settings/dto/security-policy.dto';
import { CompareVersionsQueryDto, ToolVersionNumberDto } from '../../src/tools/dto/tool-version.dto';
import { CreateToolDto, UpdateToolDto } from '../../src/tools/dto/tool.dto';
import { ValidateCodeDto } from '../../src/tools/dto/validate-code.dto';
import { CallToolDto, PendingRequestsQueryDto, SearchToolsDto } from '../../src/mcp/management/dto/management.dto';
import { ToolLogsQueryDto } from '../../src/sandbox/dto/tool-logs.dto';
import {
  ActivityLogsQueryDto,
  ActivityStatsQueryDto,
  RecentActivityQueryDto,
  StreamHandshakeDto,
} from '../../src/activity/dto/activity.dto';

/**
 * For every input DTO of a service operation (what the Admin API validates and what the MCP
 * management tools will publish as `inputSchema`): the generated JSON Schema and
 * `validateInput` agree on good and bad samples. `stricter` lists inputs the validator
 * refuses for a reason JSON Schema cannot state (UTF-8 bytes, the inner rules of a host
 * or of a tool's input schema); the schema says as much of the rule as it can.
 */
interface Case {
  dto: Type<object>;
  good: unknown[];
  bad: unknown[];
  stricter?: unknown[];
}

const ID = '3f2b8a1e-5c4d-4e6f-9a8b-7c6d5e4f3a2b';
const CODE = 'export async function main({ city }) { return city; }';
const TOOL = { name: 'get_weather', description: 'd', code: CODE };
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);

const validatorAccepts = (dto: Type<object>, value: unknown): boolean => {
  try {
    validateInput(dto, value);
    return true;
  } catch (err) {
    if ((err as { kind?: string }).kind !== 'invalid') throw err;
    return false;
  }
};

const CASES: Record<string, Case> = {
  CreateServerDto: {
    dto: CreateServerDto,
    good: [
      { name: 'weather' },
      { name: 'w_2', description: null, default_timeout_ms: 1000 },
      { name: 'a', description: 'd' },
    ],
    bad: [
      {},
      { name: 'Weather' },
      { name: '' },
      { name: 'a'.repeat(65) },
      { name: 'ok', description: 5 },
      { name: 'ok', description: 'a\u0000' },
      { name: 'ok', default_timeout_ms: 999 },
      { name: 'ok', default_timeout_ms: 1500.5 },
      { name: 'ok', default_timeout_ms: null },
      { name: 'ok', extra: true },
    ],
  },
  UpdateServerDto: {
    dto: UpdateServerDto,
    good: [{ name: 'renamed' }, { description: null }, { default_timeout_ms: 300000 }],
    bad: [{}, { name: null }, { name: 'Bad' }, { default_timeout_ms: 300001 }, { other: 1 }],
  },
  PaginationQueryDto: {
    dto: PaginationQueryDto,
    good: [{}, { page: 1, page_size: 100 }, { page: 1000000 }, { page: null }],
    bad: [{ page: 0 }, { page: 1.5 }, { page: '2' }, { page_size: 101 }, { page: 1e20 }, { search: 'x' }],
  },
  'ServerIdDto & UpdateServerDto': {
    dto: IntersectionType(ServerIdDto, UpdateServerDto),
    good: [
      { server_id: ID, name: 'x' },
      { server_id: ID.toUpperCase(), description: 'd' },
    ],
    bad: [{ server_id: ID }, { name: 'x' }, { server_id: 'nope', name: 'x' }, { server_id: ID, name: 'x', id: ID }],
  },
  CreateToolDto: {
    dto: CreateToolDto,
    good: [
      TOOL,
      {
        ...TOOL,
        language: 'typescript',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        timeout_ms: 300000,
        enabled: false,
        change_summary: 's'.repeat(1000),
      },
      { ...TOOL, input_schema: null, timeout_ms: null },
      { ...TOOL, code: 'x'.repeat(102400) },
    ],
    bad: [
      { name: 'x', code: CODE },
      { name: 'x', description: 'd' },
      { ...TOOL, name: 'Get' },
      { ...TOOL, description: 'a\u0000' },
      { ...TOOL, code: 'x'.repeat(102401) },
      { ...TOOL, language: 'python' },
      { ...TOOL, language: null },
      { ...TOOL, input_schema: { type: 'string' } },
      { ...TOOL, input_schema: [] },
      { ...TOOL, timeout_ms: 0 },
      { ...TOOL, enabled: 'yes' },
      { ...TOOL, enabled: null },
      { ...TOOL, change_summary: 's'.repeat(1001) },
      { ...TOOL, approval_status: 'approved' },
    ],
    stricter: [
      { ...TOOL, code: 'é'.repeat(51201) }, // 102 402 bytes in 51 201 characters
      { ...TOOL, input_schema: { type: 'object', properties: { a: 5 } } },
    ],
  },
  UpdateToolDto: {
    dto: UpdateToolDto,
    good: [{ code: CODE }, { input_schema: null }, { timeout_ms: null }, { change_summary: 'why' }, { enabled: true }],
    bad: [{}, { name: null }, { code: null }, { description: 5 }, { server_id: ID }, { current_version: 2 }],
  },
  ValidateCodeDto: {
    dto: ValidateCodeDto,
    good: [{ code: CODE }, { code: '', language: 'typescript' }],
    bad: [{}, { code: 42 }, { code: CODE, language: 'python' }, { code: CODE, language: null }],
  },
  CompareVersionsQueryDto: {
    dto: CompareVersionsQueryDto,
    good: [
      { from: 1, to: 2 },
      { from: 2147483647, to: 1 },
    ],
    bad: [{ from: 1 }, { from: 0, to: 1 }, { from: 1, to: 2147483648 }, { from: '1', to: 2 }],
  },
  'ToolIdDto & ToolVersionNumberDto': {
    dto: IntersectionType(ToolIdDto, ToolVersionNumberDto),
    good: [{ tool_id: ID, version: 1 }],
    bad: [{ tool_id: ID }, { tool_id: ID, version: 0 }, { tool_id: ID, version: 1.5 }, { version: 1 }],
  },
  'ServerIdDto & CreateToolDto': {
    dto: IntersectionType(ServerIdDto, CreateToolDto),
    good: [{ server_id: ID, ...TOOL }],
    bad: [TOOL, { server_id: 'x', ...TOOL }, { server_id: ID, name: 'x' }],
  },
  ToolQueueQueryDto: {
    dto: ToolQueueQueryDto,
    good: [{}, { status: 'all', search: 'weather', page: 2 }, { status: 'draft' }],
    bad: [{ status: 'pending' }, { status: null }, { search: 's'.repeat(201) }, { page_size: 0 }],
  },
  ToolActionDto: {
    dto: ToolActionDto,
    good: [
      { action: 'approve' },
      { action: 'reject', reason: 'no', version: 3 },
      { action: 'submit_for_review', notes: null },
    ],
    bad: [
      {},
      { action: 'publish' },
      { action: 'approve', version: 0 },
      { action: 'approve', version: null },
      { action: 'reject', reason: 'r'.repeat(2001) },
    ],
  },
  RequestPublishDto: {
    dto: RequestPublishDto,
    good: [{}, { notes: 'ready' }, { notes: null }],
    bad: [{ notes: 5 }, { notes: 'n'.repeat(2001) }, { reason: 'x' }],
  },
  RevokeToolDto: {
    dto: RevokeToolDto,
    good: [{}, { reason: 'leaks' }],
    bad: [{ reason: 7 }, { why: 'x' }],
  },
  'ToolIdDto & RequestPublishDto': {
    dto: IntersectionType(ToolIdDto, RequestPublishDto),
    good: [{ tool_id: ID }, { tool_id: ID, notes: 'n' }],
    bad: [{}, { tool_id: ID.slice(1) }],
  },
  'ServerIdDto & CreateSecretDto': {
    dto: IntersectionType(ServerIdDto, CreateSecretDto),
    good: [
      { server_id: ID, key_name: 'API_KEY' },
      { server_id: ID, key_name: 'K', description: null },
    ],
    bad: [
      { server_id: ID },
      { server_id: ID, key_name: 'api_key' },
      { server_id: ID, key_name: '' },
      { server_id: ID, key_name: 'K'.repeat(129) },
      { server_id: ID, key_name: 'K', description: 'd'.repeat(1001) },
      { server_id: ID, key_name: 'K', value: 'v' },
    ],
  },
  SecretKeyDto: {
    dto: SecretKeyDto,
    good: [{ key_name: 'K_1' }],
    bad: [{ key_name: 7 }, { key_name: '_K' }],
  },
  SetSecretValueDto: {
    dto: SetSecretValueDto,
    good: [{ value: 'v' }, { value: 'x'.repeat(65536) }],
    bad: [{}, { value: '' }, { value: 42 }, { value: ['v'] }, { value: 'x'.repeat(65537) }],
    stricter: [{ value: 'é'.repeat(32769) }],
  },
  AllowedHostInputDto: {
    dto: AllowedHostInputDto,
    good: [
      { host: 'api.example.com' },
      { host: '10.0.0.5', port: 443 },
      { host: '[::1]', port: null },
      { host: 'bücher.de' },
    ],
    bad: [
      {},
      { host: '' },
      { host: 'http://x.example/' },
      { host: 'a b' },
      { host: 'x.example', port: 0 },
      { host: 5 },
    ],
    stricter: [{ host: 'example.com:443' }, { host: '-bad.com' }],
  },
  UpdateSecurityPolicyDto: {
    dto: UpdateSecurityPolicyDto,
    good: [{ tool_approval_mode: 'auto_approve' }, { log_retention_days: 3650, remote_tool_editing: 'enabled' }],
    bad: [
      {},
      { tool_approval_mode: 'yes' },
      { tool_approval_mode: null },
      { log_retention_days: 0 },
      { mcp_rate_limit_rpm: 1.5 },
      { unknown_key: 1 },
    ],
  },
  TestCodeDto: {
    dto: TestCodeDto,
    good: [{ tool_id: ID }, { tool_id: ID, arguments: { city: 'Oslo' } }],
    bad: [
      {},
      { tool_id: 'x' },
      { tool_id: ID, arguments: null },
      { tool_id: ID, arguments: [1] },
      { tool_id: ID, args: {} },
    ],
  },
  ImportQueryDto: {
    dto: ImportQueryDto,
    good: [{}, { allow_unsigned: 'true' }],
    bad: [{ allow_unsigned: 'maybe' }, { other: '1' }],
  },
  CreateExternalSourceDto: {
    dto: CreateExternalSourceDto,
    good: [
      { name: 'upstream', url: 'https://mcp.example/mcp' },
      {
        name: 'hdr',
        url: 'http://10.0.0.5:8080/mcp',
        auth_type: 'header',
        auth_secret_name: 'API_KEY',
        auth_header_name: 'X-Api-Key',
        transport_type: 'sse',
      },
      { name: 'n', url: 'https://a.example', auth_secret_name: null, auth_header_name: null },
    ],
    bad: [
      { name: 'upstream' },
      { name: 'Up', url: 'https://a.example' },
      { name: 'u', url: 'ftp://a.example' },
      { name: 'u', url: 'not a url' },
      { name: 'u', url: 'https://a.example', auth_type: 'basic' },
      { name: 'u', url: 'https://a.example', auth_secret_name: 'K'.repeat(129) },
      { name: 'u', url: 'https://a.example', auth_secret_name: 'lower' },
      { name: 'u', url: 'https://a.example', auth_header_name: 'X Bad' },
      { name: 'u', url: 'https://a.example', transport_type: 'ws' },
    ],
    stricter: [{ name: 'u', url: 'https://bob:hunter2@a.example/' }],
  },
  UpdateExternalSourceDto: {
    dto: UpdateExternalSourceDto,
    good: [
      { name: 'renamed' },
      { url: 'https://mcp.example/v2', transport_type: 'sse' },
      { status: 'disabled' },
      { auth_type: 'bearer', auth_secret_name: 'TOKEN', auth_header_name: null },
    ],
    bad: [
      {},
      { status: 'needs_auth' },
      { url: 'ftp://a.example' },
      { name: 'Bad Name' },
      { auth_type: 'basic' },
      { name: null },
      { surprise: 1 },
    ],
    stricter: [{ url: 'https://bob:hunter2@a.example/' }],
  },
  ImportExternalToolsDto: {
    dto: ImportExternalToolsDto,
    good: [{ tool_names: ['Echo-Text'] }, { tool_names: ['a', 'b c', 'ü'] }],
    bad: [
      {},
      { tool_names: [] },
      { tool_names: 'a' },
      { tool_names: [1] },
      { tool_names: [''] },
      { tool_names: ['a'], x: 1 },
    ],
  },
  OAuthStartDto: {
    dto: OAuthStartDto,
    good: [{}, { scope: 'mcp' }, { scope: 'read write' }],
    bad: [{ scope: '' }, { scope: 'a  b' }, { scope: 'a"b' }, { scope: null }, { other: 1 }],
  },
  UpdateAllowedModulesDto: {
    dto: UpdateAllowedModulesDto,
    good: [
      { add_modules: ['dayjs', '@scope/pkg'] },
      { remove_modules: [] },
      { add_modules: ['a'], remove_modules: ['b'] },
    ],
    bad: [
      {},
      { allow_critical: true },
      { add_modules: 'dayjs' },
      { add_modules: ['Dayjs'] },
      { add_modules: [5] },
      { add_modules: null },
      { add_modules: Array.from({ length: 101 }, (_, i) => `m${i}`) },
      { remove_modules: ['x'.repeat(215)] },
    ],
  },
  ModuleNameDto: {
    dto: ModuleNameDto,
    good: [{ module_name: 'lodash-es' }, { module_name: '@types/node' }],
    bad: [
      {},
      { module_name: '../etc' },
      { module_name: '@scope/../x' },
      { module_name: 'https://example.com/x.tgz' },
      { module_name: 'github:user/repo' },
      { module_name: 'UPPER' },
      { module_name: '' },
    ],
    // Names the pattern allows but the installer's name rule refuses: Node built-ins, reserved names.
    stricter: [{ module_name: 'fs' }, { module_name: 'node_modules' }, { module_name: 'x.tgz' }],
  },
  RequestModuleDto: {
    dto: IntersectionType(ToolIdDto, RequestModuleDto),
    good: [{ tool_id: ID, module_name: 'yaml', justification: 'parse YAML' }],
    bad: [
      { tool_id: ID, module_name: 'yaml' },
      { tool_id: ID, justification: 'j' },
      { tool_id: ID, module_name: 'file:../x', justification: 'j' },
      { tool_id: ID, module_name: 'yaml', justification: 'j'.repeat(2001) },
      { tool_id: ID, module_name: 'yaml', justification: 'j', version: '1' },
    ],
  },
  InstallModuleDto: {
    dto: InstallModuleDto,
    good: [{}, { version: '^2.3.0' }, { version: 'latest', allow_critical: true }],
    bad: [{ version: 2 }, { version: null }, { allow_critical: 'yes' }, { force: true }],
  },
  RequestNetworkAccessDto: {
    dto: IntersectionType(ToolIdDto, RequestNetworkAccessDto),
    good: [
      { tool_id: ID, host: 'api.example.com', justification: 'j' },
      { tool_id: ID, host: '10.0.0.1', port: 8443, justification: 'j' },
      { tool_id: ID, host: 'api.example.com', port: null, justification: 'j' },
    ],
    bad: [
      { tool_id: ID, host: 'api.example.com' },
      { tool_id: ID, host: '*.example.com', justification: 'j' },
      { tool_id: ID, host: 'https://api.example.com', justification: 'j' },
      { tool_id: ID, host: 'api.example.com', port: 0, justification: 'j' },
      { tool_id: ID, host: 'api.example.com', port: 65536, justification: 'j' },
      { tool_id: ID, host: '', justification: 'j' },
    ],
    stricter: [{ tool_id: ID, host: '-bad.example', justification: 'j' }],
  },
  RequestQueueQueryDto: {
    dto: RequestQueueQueryDto,
    good: [{}, { status: 'all', search: 'yaml', page: 2, page_size: 10 }, { status: 'rejected' }],
    bad: [{ status: 'pending_review' }, { status: null }, { search: 'x'.repeat(201) }, { page_size: 101 }],
  },
  RequestActionDto: {
    dto: RequestActionDto,
    good: [{ action: 'approve' }, { action: 'reject', reason: 'no' }, { action: 'approve', reason: null }],
    bad: [{}, { action: 'submit_for_review' }, { action: 'reject', reason: 5 }, { action: 'approve', x: 1 }],
  },
  ModuleRequestActionDto: {
    dto: ModuleRequestActionDto,
    good: [
      { action: 'approve', allow_critical: true },
      { action: 'reject', reason: 'no' },
    ],
    bad: [
      { action: 'approve', allow_critical: 'true' },
      { action: 'approve', allow_critical: null },
    ],
  },
  ToolLogsQueryDto: {
    dto: IntersectionType(ToolIdDto, ToolLogsQueryDto),
    good: [{ tool_id: ID }, { tool_id: ID, limit: 1 }, { tool_id: ID, limit: 50 }],
    bad: [
      {},
      { tool_id: ID, limit: 0 },
      { tool_id: ID, limit: 51 },
      { tool_id: ID, limit: 2.5 },
      { tool_id: ID, limit: null },
      { tool_id: ID, x: 1 },
    ],
  },
  PendingRequestsQueryDto: {
    dto: PendingRequestsQueryDto,
    good: [{}, { server_id: ID }],
    bad: [{ server_id: 'x' }, { server_id: null }, { server_id: 5 }, { other: 1 }],
  },
  CallToolDto: {
    dto: CallToolDto,
    good: [{ name: 'a__b' }, { name: 'x', arguments: {} }, { name: 'x', arguments: { a: [1, { b: 2 }] } }],
    bad: [
      {},
      { name: '' },
      { name: 'x'.repeat(201) },
      { name: 5 },
      { name: 'x', arguments: [] },
      { name: 'x', arguments: 'a' },
      { name: 'x', arguments: null },
      { name: 'x', extra: 1 },
    ],
  },
  SearchToolsDto: {
    dto: SearchToolsDto,
    good: [{ query: 'weather' }, { query: 'w', limit: 1 }, { query: 'w', limit: 50 }],
    bad: [
      {},
      { query: '' },
      { query: 'q'.repeat(201) },
      { query: 'w', limit: 0 },
      { query: 'w', limit: 51 },
      { query: 1 },
      { query: 'w', limit: null },
    ],
  },
  ActivityLogsQueryDto: {
    dto: ActivityLogsQueryDto,
    good: [
      {},
      { page: 2, page_size: 100 },
      { search: "50% off_the 'x' \\ OR 1=1" },
      { search: '' },
      { log_type: 'tool_execution', level: 'error', server_id: ID },
      { from: '2026-01-31T08:00:00Z', to: '2026-01-31T11:00:00.123+02:00' },
      { from: '2026-01-31T08:00:00Z', to: '2026-01-31T08:00:00Z' },
      { to: '2020-02-29T23:59:59Z' },
    ],
    bad: [
      { log_type: 'everything' },
      { level: 'loud' },
      { level: 'ERROR' },
      { server_id: 'x' },
      { server_id: null },
      { search: 's'.repeat(201) },
      { search: 5 },
      { from: 'yesterday' },
      { from: '2026-01-31' },
      { to: 1767225600000 },
      { page_size: 101 },
      { page_size: 0 },
      { page: 0 },
      { other: 1 },
      { search: 'a\u0000b' },
    ],
    stricter: [
      { from: '2026-01-31T09:00:00Z', to: '2026-01-31T08:00:00Z' },
      { from: '2026-01-31t08:00:00z' },
      { from: '2026-01-31 08:00:00Z' },
      { from: '2026-01-31T08:00:00+0200' },
    ],
  },
  ActivityStatsQueryDto: {
    dto: ActivityStatsQueryDto,
    good: [{}, { window_minutes: 1 }, { window_minutes: 10080 }],
    bad: [
      { window_minutes: 0 },
      { window_minutes: 10081 },
      { window_minutes: 1.5 },
      { window_minutes: null },
      { x: 1 },
    ],
  },
  RecentActivityQueryDto: {
    dto: RecentActivityQueryDto,
    good: [{}, { limit: 1 }, { limit: 100 }],
    bad: [{ limit: 0 }, { limit: 101 }, { limit: '5' }, { limit: null }, { x: 1 }],
  },
  StreamHandshakeDto: {
    dto: StreamHandshakeDto,
    good: [{ token: 'a.b.c' }, { token: 't', server_id: ID, log_type: 'audit', level: 'info' }],
    bad: [
      {},
      { token: 5 },
      { token: 't'.repeat(4097) },
      { token: 't', log_type: 'x' },
      { token: 't', level: 'x' },
      { token: 't', server_id: 'x' },
      { token: 't', password: 'p' },
    ],
  },
};

/** Inputs of the Admin API alone (login, setup, tokens): never an MCP tool, so not in the contract. */
const REST_ONLY = new Set(['SetupDto', 'LoginDto', 'RefreshDto', 'ChangePasswordDto']);

/**
 * Every DTO class with validation rules under src/ (dto/ folders, the contract ids,
 * pagination): found among the TypeScript sources, loaded from their compiled copies
 * (dist/src), so a stale compiled file of a moved source is never counted.
 */
function inputClasses(): Map<string, Type<object>> {
  const compiled = resolve(__dirname, '..', '..', 'src');
  const sources = resolve(__dirname, '..', '..', '..', 'src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.dto\.ts$|[/\\]pagination\.ts$/.test(path)) files.push(path);
    }
  };
  walk(sources);
  const found = new Map<string, Type<object>>();
  for (const file of files) {
    const module = join(compiled, relative(sources, file)).replace(/\.ts$/, '.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const value of Object.values(require(module) as Record<string, unknown>)) {
      if (typeof value !== 'function' || !/Dto$/.test(value.name)) continue;
      if (getMetadataStorage().getTargetValidationMetadatas(value, '', true, false).length)
        found.set(value.name, value as Type<object>);
    }
  }
  return found;
}

describe('operation inputs: the JSON Schema and the validator agree', () => {
  it('covers every input DTO of a service operation', () => {
    const covered = new Set(
      Object.values(CASES).flatMap((c) => [c.dto.name, ...c.dto.name.replace(/^Intersection/, '').split(/(?<=Dto)/)]),
    );
    const missing = [...inputClasses().keys()].filter((name) => !REST_ONLY.has(name) && !covered.has(name));
    assert.deepEqual(missing, []);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const check = ajv.compile(inputJsonSchema(c.dto));
      for (const sample of c.good) {
        assert.equal(validatorAccepts(c.dto, sample), true, `validator refuses good ${JSON.stringify(sample)}`);
        assert.equal(
          check(sample),
          true,
          `schema refuses good ${JSON.stringify(sample)}: ${ajv.errorsText(check.errors)}`,
        );
      }
      for (const sample of c.bad) {
        const shown = JSON.stringify(sample)?.slice(0, 100);
        assert.equal(validatorAccepts(c.dto, sample), false, `validator accepts bad ${shown}`);
        assert.equal(check(sample), false, `schema accepts bad ${shown}`);
      }
      for (const sample of c.stricter ?? []) {
        const shown = JSON.stringify(sample)?.slice(0, 100);
        assert.equal(validatorAccepts(c.dto, sample), false, `validator accepts ${shown}`);
        assert.equal(check(sample), true, `schema refuses ${shown}: move it to bad`);
      }
    });
  }
});
