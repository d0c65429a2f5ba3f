import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './app';

const IMAGE = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const AUDIO = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

/** The JSON Schema 2020-12 fixture of the json-schema-2020-12 scenario (its source, SEP-1613). */
export const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

const content = (blocks: unknown[]) =>
  `export async function main() { return { content: ${JSON.stringify(blocks)} }; }`;

/** Sandboxed tools named and answering as the conformance scenarios expect (their source's reference server). */
export const CONFORMANCE_TOOLS: { name: string; description: string; code: string; input_schema?: object }[] = [
  {
    name: 'test_simple_text',
    description: 'Tests simple text content response',
    code: 'export async function main() { return "This is a simple text response for testing."; }',
  },
  {
    name: 'test_image_content',
    description: 'Tests image content response',
    code: content([{ type: 'image', data: IMAGE, mimeType: 'image/png' }]),
  },
  {
    name: 'test_audio_content',
    description: 'Tests audio content response',
    code: content([{ type: 'audio', data: AUDIO, mimeType: 'audio/wav' }]),
  },
  {
    name: 'test_embedded_resource',
    description: 'Tests embedded resource content response',
    code: content([
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ]),
  },
  {
    name: 'test_multiple_content_types',
    description: 'Tests response with multiple content types (text, image, resource)',
    code: content([
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: IMAGE, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ]),
  },
  {
    name: 'test_error_handling',
    description: 'Tests error response handling',
    code: 'export async function main() { throw new Error("This tool intentionally returns an error for testing"); }',
  },
  {
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)',
    code: 'export async function main(args) { return `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`; }',
    input_schema: JSON_SCHEMA_2020_12,
  },
];

/** Creates the fixture server with every tool approved, and starts it. */
export async function startConformanceServer(t: TestApp, token: string, name = 'conformance'): Promise<string> {
  const server = await t.post('/api/servers', { name }, { token });
  assert.equal(server.status, 201, server.text);
  for (const tool of CONFORMANCE_TOOLS) {
    const created = await t.post(`/api/servers/${server.body.id}/tools`, tool, { token });
    assert.equal(created.status, 201, `${tool.name}: ${created.text}`);
    for (const action of ['submit_for_review', 'approve']) {
      const res = await t.post(`/api/approvals/tools/${created.body.id}/action`, { action }, { token });
      assert.equal(res.status, 200, res.text);
    }
  }
  const started = await t.post(`/api/sandbox/servers/${server.body.id}/start`, undefined, { token });
  assert.equal(started.status, 200, started.text);
  return server.body.id as string;
}

export interface ScenarioCheck {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
}

const CLI = join(
  __dirname,
  '..',
  '..',
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'conformance',
  'dist',
  'index.js',
);

/** Runs one scenario of the official conformance suite (pinned in package.json) and returns its checks. */
export async function runScenario(url: string, scenario: string, specVersion: string): Promise<ScenarioCheck[]> {
  const out = mkdtempSync(join(tmpdir(), 'mcpbox-conformance-'));
  try {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [CLI, 'server', '--url', url, '--scenario', scenario, '--spec-version', specVersion, '-o', out],
        { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        (_err, stdout, stderr) => resolve({ stdout, stderr }),
      ),
    );
    const file = findChecks(out);
    assert.ok(file, `conformance wrote no checks for ${scenario}:\n${stdout}\n${stderr}`);
    return JSON.parse(readFileSync(file, 'utf8')) as ScenarioCheck[];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function findChecks(dir: string): string | undefined {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const found = findChecks(path);
      if (found) return found;
    } else if (entry === 'checks.json') return path;
  }
  return undefined;
}
