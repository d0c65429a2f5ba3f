import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { inputJsonSchema } from '../../src/common/contract/input-json-schema';
import { ManagementToolsProvider } from '../../src/mcp/management/management-tools.provider';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, firstText } from '../support/mcp';

let t: TestApp;
let token: string;
let client: Client;
let listed: Map<string, { inputSchema: object; outputSchema?: object; annotations?: Record<string, unknown> }>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

before(async () => {
  t = await startApp();
  await t.post('/auth/setup', ADMIN);
  token = (await t.post('/auth/login', ADMIN)).body.access_token;
  await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
  client = await connectMcp(`${t.url}/mcp`, 'modern', { name: 'walker' });
  listed = new Map(
    (await client.listTools()).tools.filter((x) => x.name.startsWith('mcpbox_')).map((x) => [x.name, x]),
  );
});
after(async () => {
  await client.close();
  await t.close();
});

async function call(name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  const text = firstText(result);
  if (!result.isError) {
    const schema = listed.get(name)?.outputSchema;
    if (schema) {
      const validate = ajv.compile(schema);
      assert.ok(
        validate(result.structuredContent),
        `${name}: the result breaks its outputSchema: ${ajv.errorsText(validate.errors)}`,
      );
    }
  }
  return { isError: result.isError === true, text, value: result.structuredContent as any };
}

async function ok(name: string, args: Record<string, unknown>) {
  const r = await call(name, args);
  assert.equal(r.isError, false, `${name}(${JSON.stringify(args)}): ${r.text}`);
  return r.value;
}

async function bad(name: string, args: Record<string, unknown>, pattern: RegExp) {
  const r = await call(name, args);
  assert.equal(r.isError, true, `${name}(${JSON.stringify(args)}) should fail`);
  assert.match(r.text, pattern, `${name}(${JSON.stringify(args)})`);
  assert.doesNotMatch(r.text, /\n\s+at |\.js:\d+/, 'no stack trace');
}

describe('the management tools and their contract', () => {
  it('lists every management tool with a description, an input schema, annotations and (but for call_tool) an output schema', () => {
    const provider = t.app.get(ManagementToolsProvider);
    assert.deepEqual([...listed.keys()].sort(), provider.all.map((x) => x.name).sort());
    for (const [name, tool] of listed) {
      assert.ok((tool as { description?: string }).description?.length, name);
      assert.equal((tool.inputSchema as { type: string }).type, 'object', name);
      assert.ok(tool.annotations && typeof tool.annotations.readOnlyHint === 'boolean', `${name} annotations`);
      if (name !== 'mcpbox_call_tool') assert.ok(tool.outputSchema, `${name} has an outputSchema`);
      if (tool.annotations?.readOnlyHint)
        assert.ok(!/create|delete|update|rollback|start|stop|publish/.test(name), `${name} read-only?`);
    }
  });

  it("each tool's input schema is its REST route's: the same DTO (composed with the path ids)", () => {
    const provider = t.app.get(ManagementToolsProvider);
    const noTwin = new Set([
      'mcpbox_request_publish', // REST: the admin's action dispatcher (POST /api/approvals/tools/{id}/action) takes more than an LLM may
      'mcpbox_get_tool_status', // a view over tools, servers and the sandbox for the LLM
      'mcpbox_list_pending_requests', // the LLM's view of the approval queues
      'mcpbox_get_server_modules', // the LLM's view of the module allow-list and the tools' imports
      'mcpbox_request_module', // an LLM's request; the admin's side is the queue (GET /api/approvals/modules)
      'mcpbox_request_network_access', // an LLM's request; the admin's side is the queue (GET /api/approvals/network)
      'mcpbox_call_tool', // the gateway's own tools
      'mcpbox_search_tools',
    ]);
    const IDS = new Set(['server_id', 'tool_id', 'source_id', 'version']);
    for (const tool of provider.all) {
      if (!tool.rest) {
        assert.ok(noTwin.has(tool.name), `${tool.name} has no REST twin and no reason`);
        continue;
      }
      const types = (Reflect.getMetadata('design:paramtypes', tool.rest.controller.prototype, tool.rest.method) ??
        []) as (new (...args: never[]) => unknown)[];
      const dtos = types.filter(
        (ty) =>
          ty !== String &&
          ty !== Number &&
          ty !== Object &&
          Reflect.getMetadata('swagger/apiModelPropertiesArray', ty.prototype),
      );
      const mcp = inputJsonSchema(tool.input) as { properties: Record<string, unknown>; required?: string[] };
      const fromRest = Object.fromEntries(
        dtos.flatMap((d) =>
          Object.entries((inputJsonSchema(d as never) as { properties: Record<string, unknown> }).properties),
        ),
      );
      const mcpBody = Object.fromEntries(Object.entries(mcp.properties).filter(([k]) => !IDS.has(k) || k in fromRest));
      assert.deepEqual(
        mcpBody,
        fromRest,
        `${tool.name}: its arguments beside the path ids are the REST route's body/query`,
      );
    }
  });

  it('no argument of any tool can approve anything or allow a host, a module or a policy', () => {
    const FORBIDDEN =
      /^(approval_status|approved|approved_by|action|decision|reviewer|status|allowed_hosts|allowed_modules|add_modules|remove_modules|policy|tool_approval_mode|network_access_policy|module_approval_mode|remote_tool_editing|redact_secrets_in_output|source|value)$/;
    const names: string[] = [];
    const walk = (schema: unknown, path: string) => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as Record<string, unknown>;
      for (const [key, sub] of Object.entries((s.properties as Record<string, unknown>) ?? {})) {
        names.push(`${path}.${key}`);
        assert.doesNotMatch(key, FORBIDDEN, `${path}.${key} could grant something`);
        walk(sub, `${path}.${key}`);
      }
      for (const e of (s.enum as unknown[]) ?? [])
        assert.ok(
          !['approve', 'approved', 'auto_approve', 'allow_all_public', 'enabled'].includes(String(e)) ||
            path.endsWith('language'),
          `${path} enum ${String(e)}`,
        );
      for (const k of ['items', 'additionalProperties']) walk(s[k], `${path}[]`);
      for (const k of ['anyOf', 'oneOf', 'allOf']) for (const sub of (s[k] as unknown[]) ?? []) walk(sub, path);
    };
    for (const [name, tool] of listed) walk(tool.inputSchema, name);
    assert.ok(names.length > 40, 'the walk saw the arguments');
    assert.ok(
      ![...listed.keys()].some((n) => /approve|allow|policy|setting|revoke|reject/.test(n)),
      'no tool approves, allows or sets policy',
    );
  });
});

describe('every tool with a good input and with bad ones', () => {
  let serverId: string;
  let toolId: string;
  const ghost = randomUUID();

  before(async () => {
    serverId = (await ok('mcpbox_create_server', { name: 'walk' })).id;
    toolId = (
      await ok('mcpbox_create_tool', {
        server_id: serverId,
        name: 'echo',
        description: 'Echo',
        code: 'export async function main({ x }) { return { x } }',
      })
    ).id;
  });

  const idProblems = async (name: string, field: 'server_id' | 'tool_id', extra: Record<string, unknown> = {}) => {
    await bad(name, { ...extra }, new RegExp(`${field}`));
    await bad(name, { ...extra, [field]: 42 }, new RegExp(`${field}`));
    await bad(name, { ...extra, [field]: 'not-a-uuid' }, new RegExp(`${field}`));
    await bad(name, { ...extra, [field]: ghost }, /not found/);
    await bad(name, { ...extra, [field]: ghost, surprise: 1 }, /surprise/);
  };

  it('servers: list, get, create, delete, start, stop, modules', async () => {
    const page = await ok('mcpbox_list_servers', { page: 1, page_size: 10 });
    assert.ok(page.items.some((s: { id: string }) => s.id === serverId));
    await bad('mcpbox_list_servers', { page_size: 1000 }, /page_size/);
    await bad('mcpbox_list_servers', { page: 'one' }, /page/);
    assert.equal((await ok('mcpbox_get_server', { server_id: serverId })).tools[0].name, 'echo');
    await idProblems('mcpbox_get_server', 'server_id');
    await bad('mcpbox_get_server', { server_id: toolId }, /Server .* not found/);
    await bad('mcpbox_create_server', {}, /name/);
    await bad('mcpbox_create_server', { name: 'Bad Name' }, /name must match/);
    await bad('mcpbox_create_server', { name: 'walk' }, /already exists/);
    await bad('mcpbox_create_server', { name: 'x', default_timeout_ms: 999999 }, /default_timeout_ms/);
    const temp = await ok('mcpbox_create_server', { name: 'temp_walk' });
    assert.deepEqual(await ok('mcpbox_delete_server', { server_id: temp.id }), { id: temp.id, deleted: true });
    await idProblems('mcpbox_delete_server', 'server_id');
    assert.equal((await ok('mcpbox_start_server', { server_id: serverId })).status, 'running');
    await idProblems('mcpbox_start_server', 'server_id');
    assert.equal((await ok('mcpbox_stop_server', { server_id: serverId })).status, 'stopped');
    await idProblems('mcpbox_stop_server', 'server_id');
    const modules = await ok('mcpbox_get_server_modules', { server_id: serverId });
    assert.deepEqual(
      modules.tools.map((x: { name: string }) => x.name),
      ['echo'],
    );
    await idProblems('mcpbox_get_server_modules', 'server_id');
  });

  it('tools: list, get, create, update, delete', async () => {
    assert.equal((await ok('mcpbox_list_tools', { server_id: serverId })).total, 1);
    await idProblems('mcpbox_list_tools', 'server_id');
    assert.equal((await ok('mcpbox_get_tool', { tool_id: toolId })).code.includes('main'), true);
    await idProblems('mcpbox_get_tool', 'tool_id');
    await bad('mcpbox_get_tool', { tool_id: serverId }, /Tool .* not found/);
    await bad('mcpbox_create_tool', { server_id: serverId, name: 'x', description: 'd' }, /code/);
    await bad(
      'mcpbox_create_tool',
      { server_id: serverId, name: 'x', description: 'd', code: 'export async function main( {' },
      /not valid.*line/i,
    );
    await bad('mcpbox_create_tool', { server_id: serverId, name: 'x', description: 'd', code: 'const x = 1' }, /main/);
    await bad(
      'mcpbox_create_tool',
      { server_id: serverId, name: 'x', description: 'd', code: 'export async function main() {}', timeout_ms: 0 },
      /timeout_ms/,
    );
    await bad(
      'mcpbox_create_tool',
      { server_id: serverId, name: 'echo', description: 'd', code: 'export async function main() {}' },
      /already has a tool named/,
    );
    await idProblems('mcpbox_create_tool', 'server_id', {
      name: 'y',
      description: 'd',
      code: 'export async function main() {}',
    });
    const updated = await ok('mcpbox_update_tool', { tool_id: toolId, description: 'Echoes x' });
    assert.equal(updated.description, 'Echoes x');
    await bad('mcpbox_update_tool', { tool_id: toolId }, /at least one/i);
    await bad('mcpbox_update_tool', { tool_id: toolId, enabled: 'yes' }, /enabled/);
    await idProblems('mcpbox_update_tool', 'tool_id', { description: 'x' });
    const other = await ok('mcpbox_create_tool', {
      server_id: serverId,
      name: 'gone',
      description: 'd',
      code: 'export async function main() {}',
    });
    assert.deepEqual(await ok('mcpbox_delete_tool', { tool_id: other.id }), { id: other.id, deleted: true });
    await idProblems('mcpbox_delete_tool', 'tool_id');
  });

  it('versions and development: list versions, roll back, validate, test', async () => {
    await ok('mcpbox_update_tool', {
      tool_id: toolId,
      code: 'export async function main({ x }) { return { x, twice: x + x } }',
    });
    assert.equal((await ok('mcpbox_list_tool_versions', { tool_id: toolId })).total, 2);
    await idProblems('mcpbox_list_tool_versions', 'tool_id');
    assert.equal((await ok('mcpbox_rollback_tool', { tool_id: toolId, version: 1 })).current_version, 3);
    await bad('mcpbox_rollback_tool', { tool_id: toolId, version: 0 }, /version/);
    await bad('mcpbox_rollback_tool', { tool_id: toolId, version: 99 }, /not found|version/);
    await bad('mcpbox_rollback_tool', { tool_id: toolId }, /version/);
    await idProblems('mcpbox_rollback_tool', 'tool_id', { version: 1 });
    const analysis = await ok('mcpbox_validate_code', {
      code: 'export async function main({ a, b = 2 }) { return a + b }',
    });
    assert.deepEqual(analysis.input_schema.required, ['a']);
    const broken = await ok('mcpbox_validate_code', { code: 'export async function main( {' });
    assert.equal(broken.valid, false);
    assert.ok(broken.errors[0].line >= 1);
    await bad('mcpbox_validate_code', {}, /code/);
    await bad('mcpbox_validate_code', { code: 'x', language: 'python' }, /language/);
    await bad('mcpbox_test_code', { tool_id: toolId, arguments: { x: 1 } }, /pending review|draft/);
    await bad('mcpbox_test_code', { tool_id: toolId, arguments: 'x' }, /arguments/);
    await idProblems('mcpbox_test_code', 'tool_id', { arguments: {} });
  });

  it('secrets, approval, observability, call and search', async () => {
    const secret = await ok('mcpbox_create_server_secret', {
      server_id: serverId,
      key_name: 'API_KEY',
      description: 'key',
    });
    assert.equal(secret.key_name, 'API_KEY');
    await bad('mcpbox_create_server_secret', { server_id: serverId, key_name: 'lower' }, /key_name/);
    await bad('mcpbox_create_server_secret', { server_id: serverId, key_name: 'API_KEY' }, /already/);
    await bad('mcpbox_create_server_secret', { server_id: serverId, key_name: 'X', value: 'sneaky' }, /value/);
    await idProblems('mcpbox_create_server_secret', 'server_id', { key_name: 'K' });
    assert.equal((await ok('mcpbox_list_server_secrets', { server_id: serverId })).items[0].has_value, false);
    await idProblems('mcpbox_list_server_secrets', 'server_id');

    const draft = await ok('mcpbox_create_tool', {
      server_id: serverId,
      name: 'pub',
      description: 'd',
      code: 'export async function main() {}',
    });
    assert.equal(draft.approval_status, 'draft');
    const published = await ok('mcpbox_request_publish', { tool_id: draft.id, notes: 'ready' });
    assert.equal(published.approval_status, 'pending_review');
    await bad('mcpbox_request_publish', { tool_id: draft.id }, /already pending review/);
    await bad('mcpbox_request_publish', { tool_id: toolId, notes: 5 }, /notes/);
    await idProblems('mcpbox_request_publish', 'tool_id');
    assert.match((await ok('mcpbox_get_tool_status', { tool_id: toolId })).next_step, /Wait for an admin/);
    await idProblems('mcpbox_get_tool_status', 'tool_id');
    assert.deepEqual(
      (await ok('mcpbox_list_pending_requests', {})).tools_pending_review.map((x: { name: string }) => x.name).sort(),
      ['echo', 'pub'],
    );
    await bad('mcpbox_list_pending_requests', { server_id: 'x' }, /server_id/);
    await bad('mcpbox_list_pending_requests', { server_id: ghost }, /not found/);

    assert.ok(Array.isArray((await ok('mcpbox_get_tool_logs', { tool_id: toolId })).items));
    await bad('mcpbox_get_tool_logs', { tool_id: toolId, limit: 51 }, /limit/);
    await idProblems('mcpbox_get_tool_logs', 'tool_id');

    const found = await ok('mcpbox_search_tools', { query: 'servers', limit: 3 });
    assert.equal(found.results[0].name, 'mcpbox_list_servers');
    await bad('mcpbox_search_tools', { query: '' }, /query/);
    await bad('mcpbox_search_tools', { query: 'x', limit: 0 }, /limit/);
    const viaCall = await call('mcpbox_call_tool', { name: 'mcpbox_get_tool', arguments: { tool_id: toolId } });
    assert.equal(JSON.parse(viaCall.text).id, toolId);
    await bad('mcpbox_call_tool', { name: 'walk__echo', arguments: {} }, /pending review/);
    await bad('mcpbox_call_tool', { name: 'mcpbox_call_tool', arguments: {} }, /cannot call itself/);
    await bad('mcpbox_call_tool', { name: 'nope__x' }, /Unknown tool: nope__x/);
    await bad('mcpbox_call_tool', { arguments: {} }, /name/);
  });

  it('module and network requests, external sources (discover and import against a live source: external-sources.e2e-spec)', async () => {
    const asked = await ok('mcpbox_request_network_access', {
      tool_id: toolId,
      host: 'api.example.com',
      port: 443,
      justification: 'the weather service',
    });
    assert.equal(asked.status, 'pending');
    await bad(
      'mcpbox_request_network_access',
      { tool_id: toolId, host: 'api.example.com', port: 443, justification: 'again' },
      /already|pending/,
    );
    await bad('mcpbox_request_network_access', { tool_id: toolId, host: '*.example.com', justification: 'j' }, /host/);
    await bad(
      'mcpbox_request_network_access',
      { tool_id: toolId, host: 'a.example', port: 70000, justification: 'j' },
      /port/,
    );
    await idProblems('mcpbox_request_network_access', 'tool_id', { host: 'b.example.com', justification: 'j' });
    await bad('mcpbox_request_module', { tool_id: toolId, module_name: '../x', justification: 'j' }, /module_name/);
    await bad(
      'mcpbox_request_module',
      { tool_id: toolId, module_name: 'git+https://x/y', justification: 'j' },
      /module_name/,
    );
    await idProblems('mcpbox_request_module', 'tool_id', { module_name: 'yaml', justification: 'j' });
    const status = await ok('mcpbox_get_tool_status', { tool_id: toolId });
    assert.deepEqual(
      status.network_requests.map((r: { id: string }) => r.id),
      [asked.id],
    );

    const added = await ok('mcpbox_add_external_source', {
      server_id: serverId,
      name: 'upstream',
      url: 'http://127.0.0.1:9/mcp',
      auth_type: 'bearer',
      auth_secret_name: 'API_KEY',
    });
    assert.ok(added.id);
    await bad(
      'mcpbox_add_external_source',
      { server_id: serverId, name: 'upstream', url: 'http://127.0.0.1:9/mcp' },
      /already/,
    );
    await bad('mcpbox_add_external_source', { server_id: serverId, name: 'x', url: 'ftp://h/mcp' }, /url/);
    await bad('mcpbox_add_external_source', { server_id: serverId, name: 'y', url: 'http://u:p@h/mcp' }, /credentials/);
    await bad(
      'mcpbox_add_external_source',
      { server_id: serverId, name: 'z', url: 'http://h/mcp', auth_type: 'magic' },
      /auth_type/,
    );
    await idProblems('mcpbox_add_external_source', 'server_id', { name: 'w', url: 'http://h/mcp' });
    const sources = await ok('mcpbox_list_external_sources', { server_id: serverId });
    assert.deepEqual(
      sources.items.map((x: { name: string }) => x.name),
      ['upstream'],
    );
    await idProblems('mcpbox_list_external_sources', 'server_id');
    for (const name of ['mcpbox_discover_external_tools', 'mcpbox_import_external_tools']) {
      const extra = name === 'mcpbox_import_external_tools' ? { tool_names: ['echo'] } : {};
      await bad(name, { ...extra }, /source_id/);
      await bad(name, { ...extra, source_id: 'not-a-uuid' }, /source_id/);
      await bad(name, { ...extra, source_id: ghost }, /not found/);
    }
    await bad('mcpbox_import_external_tools', { source_id: added.id, tool_names: [] }, /tool_names/);
    await bad('mcpbox_import_external_tools', { source_id: added.id, tool_names: 'echo' }, /tool_names/);
  });
});

describe('remote mode: changes are refused unless remote_tool_editing=enabled', () => {
  const SERVICE_TOKEN = 'r'.repeat(40);
  let remote: TestApp;
  let admin: string;
  let llm: Client;
  before(async () => {
    remote = await startApp({ MCPBOX_MODE: 'remote', MCPBOX_SERVICE_TOKEN: SERVICE_TOKEN });
    await remote.post('/auth/setup', ADMIN);
    admin = (await remote.post('/auth/login', ADMIN)).body.access_token;
    llm = await connectMcp(`${remote.url}/mcp`, 'legacy', {
      headers: { 'x-mcpbox-service-token': SERVICE_TOKEN, 'x-mcpbox-user-email': 'ada@example.com' },
    });
  });
  after(async () => {
    await llm.close();
    await remote.close();
  });

  it('refuses every change with a result that says so, serves reads, and allows changes once enabled', async () => {
    const server = await remote.post('/api/servers', { name: 'remote' }, { token: admin });
    const r = await llm.callTool({ name: 'mcpbox_create_server', arguments: { name: 'nope' } });
    assert.equal(r.isError, true);
    assert.match(firstText(r), /remote_tool_editing/);
    for (const [name, args] of [
      [
        'mcpbox_create_tool',
        { server_id: server.body.id, name: 'x', description: 'd', code: 'export async function main() {}' },
      ],
      ['mcpbox_start_server', { server_id: server.body.id }],
      ['mcpbox_delete_server', { server_id: server.body.id }],
      ['mcpbox_create_server_secret', { server_id: server.body.id, key_name: 'K' }],
      ['mcpbox_request_module', { tool_id: randomUUID(), module_name: 'yaml', justification: 'j' }],
      ['mcpbox_request_network_access', { tool_id: randomUUID(), host: 'api.example.com', justification: 'j' }],
    ] as const) {
      const res = await llm.callTool({ name, arguments: args });
      assert.equal(res.isError, true, name);
      assert.match(firstText(res), /remote_tool_editing/, name);
    }
    const read = await llm.callTool({ name: 'mcpbox_list_servers', arguments: {} });
    assert.notEqual(read.isError, true, firstText(read));
    assert.equal((await remote.db.query('SELECT count(*)::int AS n FROM servers')).rows[0].n, 1, 'nothing was written');
    const on = await remote.patch(
      '/api/settings/security-policy',
      { remote_tool_editing: 'enabled' },
      { token: admin },
    );
    assert.equal(on.status, 200, on.text);
    const created = await llm.callTool({ name: 'mcpbox_create_server', arguments: { name: 'allowed' } });
    assert.notEqual(created.isError, true, firstText(created));
    const audit = await remote.db.query(
      `SELECT details->>'actor' AS actor FROM activity_logs WHERE message LIKE 'Server allowed created%'`,
    );
    assert.equal(audit.rows[0].actor, 'ada@example.com (mcp:test-legacy)');
  });
});
