import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActivityService } from '../activity/activity.service';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import type { SettingsService } from '../settings/settings.service';
import type { ExecutionLogsService, ExecutionRecord } from './execution-logs.service';
import { createRedactor, REDACTED } from './output-redaction';
import { codeHash } from './running-servers';
import { SandboxRuntime } from './runtime/sandbox-runtime';
import { ToolExecutor, type ExecutionTarget } from './tool-executor';

// A secret with quotes, newlines, non-ASCII and the characters form encoding escapes (a
// service-account JSON), returned or logged in every spelling that returning or logging a
// string gives it, in every output, at any depth. FRAGMENT survives every one of these
// spellings unchanged: wherever it shows, the secret leaked.
const FRAGMENT = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
const SA = JSON.stringify(
  {
    type: 'service_account',
    project_id: 'proj-1',
    private_key: `-----BEGIN PRIVATE KEY-----\n${FRAGMENT}\nq+w/é~!*()'\n-----END PRIVATE KEY-----\n`,
    client_email: 'svc@proj-1.iam.gserviceaccount.com',
  },
  null,
  2,
);

const ENCODINGS: Record<string, string> = {
  raw: 's',
  'URL-encoded': 'encodeURIComponent(s)',
  'form-encoded (URLSearchParams)': 'new URLSearchParams({ k: s }).toString()',
  'form-encoded (+ for spaces)': "encodeURIComponent(s).replace(/%20/g, '+')",
  'JSON once': 'JSON.stringify(s)',
  'JSON twice': 'JSON.stringify(JSON.stringify(s))',
  'in a JSON document, once': 'JSON.stringify({ sa: s })',
  'in a JSON document, twice': 'JSON.stringify(JSON.stringify({ sa: s }))',
  'in a JSON document, URL-encoded': 'encodeURIComponent(JSON.stringify({ sa: s }))',
};

const nest = (levels: number, inner: string) =>
  `(() => { let v = ${inner}; for (let i = 0; i < ${levels}; i++) v = { n: v }; return v; })()`;

/** Output shapes: a statement list that gets `E` (the encoded secret) as an expression. */
const OUTPUTS: Record<string, (e: string) => string> = {
  'a string result': (e) => `return ${e};`,
  'an object result (text block, structuredContent, value)': (e) => `return { v: ${e}, list: [${e}] };`,
  'an array result': (e) => `return [${e}, 1];`,
  'a text content block': (e) => `return { content: [{ type: 'text', text: ${e} }] };`,
  'a resource content block': (e) =>
    `return { content: [{ type: 'resource', resource: { uri: 'data:x', text: ${e} } }] };`,
  'structuredContent of a content result': (e) =>
    `return { content: [{ type: 'text', text: 'ok' }], structuredContent: { v: ${e} } };`,
  'an isError content result': (e) => `return { content: [{ type: 'text', text: ${e} }], isError: true };`,
  stdout: (e) => `console.log(${e}); console.log({ v: ${e} }); console.error([${e}]); return 'ok';`,
  'a thrown Error': (e) => `throw new Error(${e});`,
  'a thrown object': (e) => `throw { v: ${e} };`,
  'a result nested 300 levels deep': (e) => `return ${nest(300, e)};`,
  'an array nested 300 levels deep': (e) => `let v = [${e}]; for (let i = 0; i < 300; i++) v = [v]; return v;`,
  'structuredContent nested 300 levels deep': (e) =>
    `return { content: [{ type: 'text', text: 'ok' }], structuredContent: ${nest(300, e)} };`,
  'a resource block nested 300 levels deep': (e) =>
    `return { content: [{ type: 'resource', resource: { uri: 'data:x', deep: ${nest(300, e)} } }] };`,
  'a result cut by the size limit': (e) => `return { pad: 'x'.repeat(${64 * 1024 - 300}), v: ${e} };`,
};

describe('redaction covers every spelling of a secret in every output, at any depth', () => {
  const runtime = new SandboxRuntime({
    workers: 1,
    memoryMb: 64,
    maxResultSize: 64 * 1024,
    maxConcurrency: 4,
    queueSize: 8,
  });
  const rows: ExecutionRecord[] = [];
  const policy: Record<string, string> = {
    redact_secrets_in_output: 'enabled',
    network_access_policy: 'require_approval',
  };
  const settings = { get: (k: string) => policy[k] } as unknown as SettingsService;
  const config = { sandbox: { allowLoopback: false } } as unknown as AppConfig;
  const logs = { record: async (row: ExecutionRecord) => void rows.push(row) } as unknown as ExecutionLogsService;
  const activity = { enqueue: () => undefined } as unknown as ActivityService;
  const executor = new ToolExecutor(runtime, settings, config, logs, activity, new MetricsService());
  const secrets = { SERVICE_ACCOUNT: SA };
  const target = (code: string): ExecutionTarget => ({
    serverId: '00000000-0000-4000-8000-000000000001',
    serverName: 'srv',
    tool: {
      id: '00000000-0000-4000-8000-000000000002',
      name: 'leak',
      description: '',
      inputSchema: null,
      checkArguments: () => null,
      mcpFeatures: [],
      code,
      language: 'javascript',
      codeHash: codeHash('javascript', code),
      timeoutMs: 5000,
    },
    secrets,
    allowedHosts: [],
    redact: createRedactor(secrets),
  });
  before(() => runtime.start());
  after(() => runtime.close());

  for (const [output, statement] of Object.entries(OUTPUTS)) {
    it(`in ${output}`, async () => {
      for (const [encoding, expr] of Object.entries(ENCODINGS)) {
        const code = `export async function main() { const s = secrets.SERVICE_ACCOUNT; ${statement(expr)} }`;
        for (const redaction of ['enabled', 'disabled']) {
          policy.redact_secrets_in_output = redaction;
          const { outcome, logged } = await executor.run(target(code), {}, { isTest: true, executedBy: null });
          await logged;
          const row = JSON.stringify(rows.at(-1));
          assert.ok(!row.includes(FRAGMENT), `${encoding}: the execution log holds the secret: ${row.slice(0, 300)}`);
          const shown = JSON.stringify(outcome);
          if (redaction === 'enabled') {
            assert.ok(!shown.includes(FRAGMENT), `${encoding}: the caller sees the secret: ${shown.slice(0, 300)}`);
            assert.ok(shown.includes(REDACTED) || outcome.isError, `${encoding}: ${shown.slice(0, 300)}`);
          } else assert.ok(shown.includes(FRAGMENT) || outcome.isError, `${encoding}: redaction was off`);
        }
      }
    });
  }

  it('flattens a deep result to text (no value, no structuredContent) and refuses deep content', async () => {
    policy.redact_secrets_in_output = 'enabled';
    const deep = await executor.run(
      target(`export async function main() { return ${nest(300, "'leaf'")}; }`),
      {},
      { isTest: true, executedBy: null },
    );
    assert.equal(deep.outcome.success, true, deep.outcome.error);
    assert.deepEqual([deep.outcome.value, deep.outcome.structuredContent], [undefined, undefined]);
    assert.match(deep.outcome.content[0].type === 'text' ? deep.outcome.content[0].text : '', /^(\{"n":){300}"leaf"/);
    const content = await executor.run(
      target(
        `export async function main() { return { content: [{ type: 'text', text: 'ok' }], structuredContent: ${nest(300, "'leaf'")} }; }`,
      ),
      {},
      { isTest: true, executedBy: null },
    );
    assert.equal(content.outcome.error, 'the tool returned content nested deeper than 64 levels');
  });

  it('flattens logged arguments nested deeper than the redactor walks, secret removed', async () => {
    policy.redact_secrets_in_output = 'enabled';
    let args: Record<string, unknown> = { key: SA };
    for (let i = 0; i < 300; i++) args = { n: args };
    const { logged } = await executor.run(target('export async function main() { return "ok"; }'), args, {
      isTest: true,
      executedBy: null,
    });
    await logged;
    const row = JSON.stringify(rows.at(-1));
    assert.ok(!row.includes(FRAGMENT), 'the logged arguments hold the secret');
    assert.ok(row.includes(REDACTED));
  });
});
