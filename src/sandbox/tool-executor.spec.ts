import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { ActivityEntry, ActivityService } from '../activity/activity.service';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import type { SettingsService } from '../settings/settings.service';
import type { ExecutionLogsService, ExecutionRecord } from './execution-logs.service';
import { createRedactor, REDACTED } from './output-redaction';
import { codeHash } from './running-servers';
import type { ExecutionOutcome, ExecutionRequest } from './runtime/contract';
import type { SandboxRuntime } from './runtime/sandbox-runtime';
import { ToolExecutor, type ExecutionTarget } from './tool-executor';

const SECRET = 'sk-very-secret-value';

// The executor warns when the runtime refuses a call; that warning is expected here.
Logger.overrideLogger(false);

function harness(
  execute: (req: ExecutionRequest) => Promise<ExecutionOutcome>,
  redaction: 'enabled' | 'disabled' = 'enabled',
) {
  const rows: ExecutionRecord[] = [];
  const requests: ExecutionRequest[] = [];
  const runtime = {
    execute: (req: ExecutionRequest) => (requests.push(req), execute(req)),
  } as unknown as SandboxRuntime;
  const policy: Record<string, string> = {
    redact_secrets_in_output: redaction,
    network_access_policy: 'allow_all_public',
  };
  const settings = { get: (k: string) => policy[k] } as unknown as SettingsService;
  const config = { sandbox: { allowLoopback: true } } as unknown as AppConfig;
  const logs = { record: async (row: ExecutionRecord) => void rows.push(row) } as unknown as ExecutionLogsService;
  const entries: ActivityEntry[] = [];
  const activity = { enqueue: (e: ActivityEntry) => void entries.push(e) } as unknown as ActivityService;
  return {
    executor: new ToolExecutor(runtime, settings, config, logs, activity, new MetricsService()),
    rows,
    requests,
    entries,
  };
}

const secrets = { KEY: SECRET };
const target: ExecutionTarget = {
  serverId: '00000000-0000-4000-8000-000000000001',
  serverName: 'srv',
  tool: {
    id: '00000000-0000-4000-8000-000000000002',
    name: 'echo',
    description: '',
    inputSchema: null,
    checkArguments: () => null,
    mcpFeatures: [],
    code: 'export async function main(a) { return a }',
    language: 'javascript',
    codeHash: codeHash('javascript', 'x'),
    timeoutMs: 1000,
  },
  secrets,
  allowedHosts: [{ host: 'api.example.test', port: 443 }],
  redact: createRedactor(secrets),
};

const ok = (value: unknown, stdout = ''): ExecutionOutcome => ({
  success: true,
  isError: false,
  content: [{ type: 'text', text: JSON.stringify(value) }],
  structuredContent: value as Record<string, unknown>,
  value,
  stdout,
  durationMs: 3,
});

describe('ToolExecutor', () => {
  it('writes the row when the runtime rejects (sandbox failure), with the message and no stack', async () => {
    const { executor, rows } = harness(async () => {
      throw new Error('runtime is closed');
    });
    const { outcome, logged } = await executor.run(target, { q: SECRET }, { isTest: false, executedBy: 'someone' });
    await logged;
    assert.equal(outcome.success, false);
    assert.equal(outcome.isError, true);
    assert.match(outcome.error ?? '', /Sandbox failure: runtime is closed/);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].success, false);
    assert.match(rows[0].error ?? '', /runtime is closed/);
    assert.equal(rows[0].result, null);
    assert.deepEqual(rows[0].inputArgs, { q: REDACTED }, 'arguments are always redacted in the log');
    assert.equal(rows[0].executedBy, 'someone');
    assert.equal(rows[0].isTest, false);
  });

  it('enqueues exactly one tool_execution activity entry per call, without arguments, result or secret', async () => {
    const { executor, entries } = harness(async () => {
      throw new Error(`upstream refused key ${SECRET}`);
    });
    await executor.run(target, { q: SECRET, other: 'visible-arg' }, { isTest: true, executedBy: 'admin' });
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry.logType, 'tool_execution');
    assert.equal(entry.level, 'error');
    assert.equal(entry.serverId, target.serverId);
    assert.match(entry.message, /^Tool echo failed in \d+ ms \(test run\): Sandbox failure: upstream refused key/);
    assert.deepEqual(
      { ...entry.details, error: undefined },
      {
        tool_id: target.tool.id,
        tool_name: 'echo',
        success: false,
        is_test: true,
        executed_by: 'admin',
        error: undefined,
      },
    );
    const text = JSON.stringify(entry);
    assert.ok(!text.includes(SECRET), 'the secret is redacted in the entry');
    assert.ok(!text.includes('visible-arg'), 'no argument value reaches the activity log');

    const second = harness(async () => ok({ fine: true }));
    await second.executor.run(target, {}, { isTest: false, executedBy: null });
    assert.equal(second.entries.length, 1);
    assert.equal(second.entries[0].level, 'info');
    assert.equal(second.entries[0].durationMs, 3);
    assert.equal(second.entries[0].message, 'Tool echo succeeded in 3 ms');
  });

  it('passes the network rules of the call: allowed hosts, the live policy and the loopback flag', async () => {
    const { executor, requests } = harness(async () => ok(1));
    await executor.run(target, {}, { isTest: true, executedBy: null });
    assert.deepEqual(requests[0].network, {
      allowedHosts: target.allowedHosts,
      policy: 'allow_all_public',
      allowLoopback: true,
    });
    assert.equal(requests[0].timeoutMs, 1000);
    assert.deepEqual(requests[0].secrets, secrets);
  });

  it('redacts result, structuredContent, value and stdout for the caller and the log when enabled', async () => {
    const { executor, rows } = harness(async () => ok({ echoed: SECRET }, `header was ${SECRET}\n`));
    const { outcome, logged } = await executor.run(target, { x: 1 }, { isTest: true, executedBy: 'admin' });
    await logged;
    assert.ok(!JSON.stringify(outcome).includes(SECRET));
    assert.deepEqual(outcome.value, { echoed: REDACTED });
    assert.equal(outcome.stdout, `header was ${REDACTED}\n`);
    assert.ok(!JSON.stringify(rows).includes(SECRET));
    assert.equal(rows[0].result, JSON.stringify({ echoed: REDACTED }));
  });

  it('returns raw output when redaction is disabled, but the log still never holds the secret', async () => {
    const { executor, rows } = harness(async () => ok({ echoed: SECRET }, SECRET), 'disabled');
    const { outcome, logged } = await executor.run(target, { x: SECRET }, { isTest: true, executedBy: 'admin' });
    await logged;
    assert.deepEqual(outcome.value, { echoed: SECRET });
    assert.equal(outcome.stdout, SECRET);
    assert.ok(!JSON.stringify(rows).includes(SECRET));
  });

  it('cuts the logged result to 10 KB', async () => {
    const { executor, rows } = harness(async () => ok('x'.repeat(50_000)));
    const { logged } = await executor.run(target, {}, { isTest: true, executedBy: null });
    await logged;
    assert.ok(Buffer.byteLength(rows[0].result ?? '', 'utf8') <= 10 * 1024);
    assert.match(rows[0].result ?? '', /truncated/);
  });
});
