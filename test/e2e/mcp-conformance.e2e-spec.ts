import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { runScenario, startConformanceServer } from '../support/conformance';

let t: TestApp;

before(async () => {
  t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
  await t.post('/auth/setup', ADMIN);
  const token = (await t.post('/auth/login', ADMIN)).body.access_token as string;
  await startConformanceServer(t, token);
  const policy = await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
  assert.equal(policy.status, 200, policy.text);
});
after(async () => t.close());

/** Each scenario at the revisions `conformance list --server --spec-version V` lists it for (issue 15). */
const RUNS: { scenario: string; version: string; path: string }[] = [
  ...[
    'tools-list',
    'server-stateless',
    'caching',
    'http-header-validation',
    'dns-rebinding-protection',
    'server-sse-multiple-streams',
  ].map((scenario) => ({ scenario, version: '2026-07-28', path: '/mcp' })),
  ...[
    'server-initialize',
    'server-session-lifecycle',
    'ping',
    'tools-list',
    'dns-rebinding-protection',
    'server-sse-multiple-streams',
  ].map((scenario) => ({ scenario, version: '2025-11-25', path: '/mcp' })),
  ...['2026-07-28', '2025-11-25'].flatMap((version) =>
    [
      'json-schema-2020-12',
      'tools-call-simple-text',
      'tools-call-image',
      'tools-call-audio',
      'tools-call-embedded-resource',
      'tools-call-mixed-content',
      'tools-call-error',
      'tools-call-with-progress',
    ].map((scenario) => ({ scenario, version, path: '/mcp/conformance' })),
  ),
  // Tool code that speaks MCP (mcp.log, mcp.sample, mcp.elicit; input_required rounds in 2026-07-28).
  ...[
    'tools-call-with-logging',
    'tools-call-sampling',
    'tools-call-elicitation',
    'elicitation-sep1034-defaults',
    'elicitation-sep1330-enums',
  ].map((scenario) => ({ scenario, version: '2025-11-25', path: '/mcp/conformance' })),
  ...[
    'server-stateless',
    'input-required-result-basic-elicitation',
    'input-required-result-basic-sampling',
    'input-required-result-basic-list-roots',
    'input-required-result-request-state',
    'input-required-result-multiple-input-requests',
    'input-required-result-multi-round',
    'input-required-result-missing-input-response',
    'input-required-result-result-type',
    'input-required-result-unsupported-methods',
    'input-required-result-tampered-state',
    'input-required-result-capability-check',
    'input-required-result-ignore-extra-params',
    'input-required-result-validate-input',
  ].map((scenario) => ({ scenario, version: '2026-07-28', path: '/mcp/conformance' })),
];

/**
 * Checks that do not apply, each with the reason (README's conformance table): any other
 * failing check fails the test.
 */
const NOT_APPLICABLE: Record<string, string> = {
  'sep-2549-prompts-list-caching-hints': 'the gateway declares no prompts (answered -32601)',
  'sep-2549-resources-list-caching-hints': 'the gateway declares no resources (answered -32601)',
  'sep-2549-resources-templates-list-caching-hints': 'the gateway declares no resources (answered -32601)',
};
/** On /mcp the scenario's diagnostic tools are named {server}__{tool}: these checks run on /mcp/{server}. */
const ON_SERVER_ENDPOINT: Record<string, string> = {
  'sep-2575-server-rejects-undeclared-capability': 'test_missing_capability',
  'sep-2575-missing-capability-http-400': 'test_missing_capability',
  'sep-2575-http-server-no-independent-requests-on-stream': 'test_streaming_elicitation',
  'sep-2575-server-no-log-without-loglevel': 'test_logging_tool',
};

describe('the official MCP conformance suite (@modelcontextprotocol/conformance 0.2.0-alpha.12)', () => {
  for (const run of RUNS) {
    it(`${run.scenario} at ${run.version} on ${run.path}`, async () => {
      const checks = await runScenario(`${t.url}${run.path}`, run.scenario, run.version);
      assert.ok(checks.length > 0, 'the scenario ran no check');
      const failed = checks.filter(
        (c) =>
          c.status === 'FAILURE' && !(c.id in NOT_APPLICABLE) && !(run.path === '/mcp' && c.id in ON_SERVER_ENDPOINT),
      );
      assert.deepEqual(
        failed.map((c) => `${c.id}: ${c.errorMessage}`),
        [],
      );
    });
  }
});
