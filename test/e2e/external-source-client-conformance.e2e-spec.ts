/**
 * The official conformance suite's CLIENT scenarios, run against MCPBox's external-source
 * client library (driven by test/support/conformance-client.ts as the client under test).
 * Every scenario the suite lists is either run here (and must pass) or named below as not
 * applicable, with the reason; a scenario added by a newer suite fails the test until it is
 * classified.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withLoopbackOnly } from '../support/loopback-only';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const COMMAND = [
  process.execPath,
  `--require=${join(ROOT, 'dist', 'test', 'support', 'loopback-only.js')}`,
  join(ROOT, 'dist', 'test', 'support', 'conformance-client.js'),
].join(' ');

/** Run at the scenario's default revision and, where it spans it, at 2026-07-28 too. */
const APPLICABLE: { scenario: string; also2026?: boolean }[] = [
  { scenario: 'initialize' },
  { scenario: 'tools_call', also2026: true },
  { scenario: 'sse-retry' },
  { scenario: 'request-metadata' },
  { scenario: 'json-schema-ref-no-deref' },
  { scenario: 'json-schema-2020-12-preservation', also2026: true },
  { scenario: 'http-standard-headers' },
  { scenario: 'http-custom-headers' },
  { scenario: 'http-invalid-tool-headers' },
  ...[
    'metadata-default',
    'metadata-var1',
    'metadata-var2',
    'metadata-var3',
    'basic-cimd',
    'scope-from-www-authenticate',
    'scope-from-scopes-supported',
    'scope-omitted-when-undefined',
    'scope-step-up',
    'scope-retry-limit',
    'token-endpoint-auth-basic',
    'token-endpoint-auth-post',
    'token-endpoint-auth-none',
    'pre-registration',
  ].map((s) => ({ scenario: `auth/${s}`, also2026: true })),
  { scenario: 'auth/2025-03-26-oauth-metadata-backcompat' },
  ...[
    'resource-mismatch',
    'offline-access-scope',
    'offline-access-not-supported',
    'authorization-server-migration',
    'iss-supported',
    'iss-not-advertised',
    'iss-supported-missing',
    'iss-wrong-issuer',
    'iss-unexpected',
    'iss-normalized',
    'metadata-issuer-mismatch',
  ].map((s) => ({ scenario: `auth/${s}` })),
];

export const NOT_APPLICABLE: Record<string, string> = {
  'elicitation-sep1034-client-defaults':
    'MCPBox forwards tool calls to a source; it declares no elicitation capability towards sources',
  'sep-2322-client-request-state':
    'input_required results carry elicitation requests, which MCPBox does not fulfil for a source',
  'auth/2025-03-26-oauth-endpoint-fallback':
    'a 2025-03-26 server without authorization-server metadata: MCPBox refuses OAuth when PKCE (S256) is not advertised',
  'auth/client-credentials-jwt':
    'machine-to-machine grant (extension); MCPBox authorizes sources with an admin (authorization code)',
  'auth/client-credentials-basic': 'machine-to-machine grant (extension); see above',
  'auth/enterprise-managed-authorization': 'enterprise ID-JAG grant (extension); not offered for sources',
  'auth/dpop': 'DPoP-bound tokens (extension); not offered for sources',
  'auth/dpop-nonce': 'DPoP-bound tokens (extension); not offered for sources',
  'auth/wif-jwt-bearer': 'workload identity JWT grant (extension); not offered for sources',
  'sep-2640-client-no-prefetch': 'skills extension (SEP-2640): MCPBox does not fetch skills from sources',
  'sep-2640-client-verify-digest': 'skills extension (SEP-2640)',
  'sep-2640-client-verify-size': 'skills extension (SEP-2640)',
  'sep-2640-client-verify-frontmatter': 'skills extension (SEP-2640)',
};

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
}

function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: withLoopbackOnly() },
      (_e, stdout, stderr) => resolve({ stdout, stderr }),
    ),
  );
}

function checksIn(dir: string): Check[] {
  const out: Check[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...checksIn(path));
    else if (entry === 'checks.json') out.push(...(JSON.parse(readFileSync(path, 'utf8')) as Check[]));
  }
  return out;
}

async function runClientScenario(scenario: string, specVersion?: string): Promise<Check[]> {
  const out = mkdtempSync(join(tmpdir(), 'mcpbox-client-conformance-'));
  try {
    const version = specVersion ? ['--spec-version', specVersion] : [];
    const { stdout, stderr } = await run([
      'client',
      '--scenario',
      scenario,
      ...version,
      '--command',
      COMMAND,
      '-o',
      out,
    ]);
    const checks = checksIn(out);
    assert.ok(checks.length, `no checks for ${scenario}:\n${stdout}\n${stderr}`);
    return checks;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('conformance suite, client scenarios, with the external-source client', () => {
  it('classifies every client scenario the suite lists', async () => {
    const { stdout } = await run(['list', '--client']);
    const listed = [...stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
    assert.ok(listed.length > 30);
    const known = new Set([...APPLICABLE.map((a) => a.scenario), ...Object.keys(NOT_APPLICABLE)]);
    assert.deepEqual(
      listed.filter((s) => !known.has(s)),
      [],
    );
  });

  const legs = APPLICABLE.flatMap((a) => [
    { scenario: a.scenario, version: undefined as string | undefined },
    ...(a.also2026 ? [{ scenario: a.scenario, version: '2026-07-28' }] : []),
  ]);
  for (const { scenario, version } of legs) {
    it(`${scenario}${version ? ` at ${version}` : ''}`, async () => {
      const checks = await runClientScenario(scenario, version);
      const failed = checks.filter((c) => c.status === 'FAILURE');
      assert.deepEqual(
        failed.map((c) => `${c.id}: ${c.errorMessage ?? ''}`),
        [],
      );
      assert.ok(checks.some((c) => c.status === 'SUCCESS'));
    });
  }
});
