import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActivityEntry, ActivityService } from '../activity/activity.service';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import type { SettingsService } from '../settings/settings.service';
import type { ExecutionLogsService, ExecutionRecord } from './execution-logs.service';
import { createRedactor } from './output-redaction';
import { codeHash } from './running-servers';
import { SandboxRuntime } from './runtime/sandbox-runtime';
import { ToolExecutor, type ExecutionTarget } from './tool-executor';

// A cut (result or stdout over its limit) can end inside a secret: the part before the cut
// no longer matches the secret, and would otherwise reach the caller and the log.
const SECRET = 'sk-live-0123456789abcdef0123456789';
const MAX_RESULT = 1000;

describe('redaction of a secret cut by a size limit', () => {
  const runtime = new SandboxRuntime({
    workers: 1,
    memoryMb: 64,
    maxResultSize: MAX_RESULT,
    maxConcurrency: 2,
    queueSize: 2,
  });
  const rows: ExecutionRecord[] = [];
  const settings = {
    get: (k: string) => ({ redact_secrets_in_output: 'enabled', network_access_policy: 'require_approval' })[k],
  } as unknown as SettingsService;
  const config = { sandbox: { allowLoopback: false } } as unknown as AppConfig;
  const logs = { record: async (row: ExecutionRecord) => void rows.push(row) } as unknown as ExecutionLogsService;
  const entries: ActivityEntry[] = [];
  const activity = { enqueue: (e: ActivityEntry) => void entries.push(e) } as unknown as ActivityService;
  const executor = new ToolExecutor(runtime, settings, config, logs, activity, new MetricsService());
  const secrets = { KEY: SECRET };
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
  const leaks = (text: string) => text.includes(SECRET.slice(0, 12));
  before(() => runtime.start());
  after(() => runtime.close());

  for (const [what, expr] of [
    ['a text result', `'x'.repeat(${MAX_RESULT - 14}) + secrets.KEY`],
    ['a JSON result', `{ pad: 'x'.repeat(${MAX_RESULT - 37}), key: secrets.KEY }`],
    ['a content result', `{ content: [{ type: 'text', text: 'x'.repeat(${MAX_RESULT - 20}) + secrets.KEY }] }`],
  ]) {
    it(`${what} cut inside the secret shows no part of it`, async () => {
      const { outcome, logged } = await executor.run(
        target(`export async function main() { return ${expr}; }`),
        {},
        { isTest: true, executedBy: null },
      );
      await logged;
      assert.equal(outcome.truncated, true, outcome.error);
      const shown = JSON.stringify(outcome);
      assert.ok(!leaks(shown), `the caller sees part of the secret: ${shown.slice(-300)}`);
      assert.ok(!leaks(JSON.stringify(rows.at(-1))), 'the log holds part of the secret');
    });
  }

  it('an error message cut inside the secret shows no part of it', async () => {
    const code = `export async function main() { throw new Error('e'.repeat(${MAX_RESULT - 20}) + secrets.KEY); }`;
    const { outcome, logged } = await executor.run(target(code), {}, { isTest: true, executedBy: null });
    await logged;
    assert.match(outcome.error ?? '', /\[error message truncated/);
    assert.ok(!leaks(JSON.stringify(outcome)), `the caller sees part of the secret: ${outcome.error?.slice(-200)}`);
    assert.ok(!leaks(JSON.stringify(rows.at(-1))), 'the log holds part of the secret');
  });

  it('stdout cut inside the secret shows no part of it', async () => {
    const code = `export async function main() { console.log('y'.repeat(1024 * 1024 - 12) + secrets.KEY); return 'ok'; }`;
    const { outcome, logged } = await executor.run(target(code), {}, { isTest: true, executedBy: null });
    await logged;
    assert.match(outcome.stdout, /\[stdout truncated/);
    assert.ok(!leaks(outcome.stdout), `stdout shows part of the secret: ${outcome.stdout.slice(-200)}`);
  });
});

// The rules of redactCutTail itself (every cut of every spelling) are unit-tested in output-redaction.spec.ts.
