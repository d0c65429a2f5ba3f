import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestApp } from './app';
import { withLoopbackOnly } from './loopback-only';

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

const ELICIT_NAME = `{ message: "What is your name?", requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } }`;
const CONFIRM = `{ message: "Please confirm", requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] } }`;
const sampleOf = (text: string, maxTokens: number) =>
  `{ messages: [{ role: "user", content: { type: "text", text: ${JSON.stringify(text)} } }], maxTokens: ${maxTokens} }`;
const wait = 'await new Promise((r) => setTimeout(r, 50));';

/** Tools that talk back to their client (mcp.*), as the progress, logging, sampling, elicitation and input-required scenarios call them. */
export const CONFORMANCE_MCP_TOOLS: { name: string; description: string; code: string; input_schema?: object }[] = [
  {
    name: 'test_tool_with_progress',
    description: 'Tests tool that reports progress notifications',
    code: `export async function main() { mcp.progress(0, 100, "Completed step 0 of 100"); ${wait} mcp.progress(50, 100, "Completed step 50 of 100"); ${wait} mcp.progress(100, 100, "Completed step 100 of 100"); return "progress reported"; }`,
  },
  {
    name: 'test_tool_with_logging',
    description: 'Tests tool that emits log messages during execution',
    code: `export async function main() { mcp.log("info", "Tool execution started"); ${wait} mcp.log("info", "Tool processing data"); ${wait} mcp.log("info", "Tool execution completed"); return "Tool with logging executed successfully"; }`,
  },
  {
    name: 'test_logging_tool',
    description: 'Logs at info level (shown only to clients that asked for logs)',
    code: 'export async function main() { mcp.log("info", "Diagnostic trace logging activated"); return "Logging evaluated"; }',
  },
  {
    name: 'test_sampling',
    description: 'Tests tool that requests LLM sampling from client',
    code: 'export async function main({ prompt }) { const r = await mcp.sample({ messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 100 }); return "LLM response: " + (r.content && r.content.text); }',
    input_schema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
  },
  {
    name: 'test_elicitation',
    description: 'Tests tool that requests user input (elicitation) from client',
    code: `export async function main({ message }) {
      const r = await mcp.elicit({ message, requestedSchema: { type: "object", properties: { username: { type: "string", description: "User's response" }, email: { type: "string", description: "User's email address" } }, required: ["username", "email"] } });
      return "User response: action=" + r.action + ", content=" + JSON.stringify(r.content || {});
    }`,
    input_schema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  },
  {
    name: 'test_elicitation_sep1034_defaults',
    description: 'Tests elicitation with default values per SEP-1034',
    code: `export async function main() {
      const r = await mcp.elicit({ message: "Please review and update the form fields with defaults", requestedSchema: { type: "object", properties: {
        name: { type: "string", description: "User name", default: "John Doe" },
        age: { type: "integer", description: "User age", default: 30 },
        score: { type: "number", description: "User score", default: 95.5 },
        status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
        verified: { type: "boolean", description: "Verification status", default: true } }, required: [] } });
      return "Elicitation completed: action=" + r.action + ", content=" + JSON.stringify(r.content || {});
    }`,
  },
  {
    name: 'test_elicitation_sep1330_enums',
    description: 'Tests elicitation with enum schema improvements per SEP-1330',
    code: `export async function main() {
      const r = await mcp.elicit({ message: "Please select options from the enum fields", requestedSchema: { type: "object", properties: {
        untitledSingle: { type: "string", description: "Select one option", enum: ["option1", "option2", "option3"] },
        titledSingle: { type: "string", description: "Select one option with titles", oneOf: [{ const: "value1", title: "First Option" }, { const: "value2", title: "Second Option" }, { const: "value3", title: "Third Option" }] },
        legacyEnum: { type: "string", description: "Select one option (legacy)", enum: ["opt1", "opt2", "opt3"], enumNames: ["Option One", "Option Two", "Option Three"] },
        untitledMulti: { type: "array", description: "Select multiple options", minItems: 1, maxItems: 3, items: { type: "string", enum: ["option1", "option2", "option3"] } },
        titledMulti: { type: "array", description: "Select multiple options with titles", minItems: 1, maxItems: 3, items: { anyOf: [{ const: "value1", title: "First Choice" }, { const: "value2", title: "Second Choice" }, { const: "value3", title: "Third Choice" }] } } }, required: [] } });
      return "Elicitation completed: action=" + r.action + ", content=" + JSON.stringify(r.content || {});
    }`,
  },
  {
    name: 'test_input_required_result_elicitation',
    description: 'Asks the user for their name',
    code: `export async function main() { const r = await mcp.elicit(${ELICIT_NAME}, { key: "user_name" }); return "Hello, " + (r.content && r.content.name) + "!"; }`,
  },
  {
    name: 'test_input_required_result_sampling',
    description: "Asks the client's model",
    code: `export async function main() { const r = await mcp.sample(${sampleOf('What is the capital of France?', 100)}, { key: "capital_question" }); return "The model says: " + (r.content && r.content.text); }`,
  },
  {
    name: 'test_input_required_result_list_roots',
    description: "Asks for the client's roots",
    code: 'export async function main() { const r = await mcp.roots({ key: "client_roots" }); return "Found " + r.roots.length + " root(s): " + r.roots.map((x) => x.uri).join(", "); }',
  },
  {
    name: 'test_input_required_result_request_state',
    description: 'Asks for a confirmation; its answer comes back with the verified requestState',
    code: `export async function main() { const r = await mcp.elicit(${CONFIRM}, { key: "confirm" }); return "state-ok: confirmed=" + (r.content && r.content.ok); }`,
  },
  {
    name: 'test_input_required_result_multiple_inputs',
    description: 'Asks three questions at once',
    code: `export async function main() {
      const [name, greeting, roots] = await Promise.all([
        mcp.elicit(${ELICIT_NAME}, { key: "user_name" }),
        mcp.sample(${sampleOf('Generate a greeting', 50)}, { key: "greeting" }),
        mcp.roots({ key: "client_roots" }),
      ]);
      return "Name: " + (name.content && name.content.name) + "; Greeting: " + (greeting.content && greeting.content.text) + "; Roots: " + roots.roots.length;
    }`,
  },
  {
    name: 'test_input_required_result_multi_round',
    description: 'Asks two questions, one after the other',
    code: `export async function main() {
      const a = await mcp.elicit({ message: "Step 1: What is your name?", requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } }, { key: "step1" });
      const b = await mcp.elicit({ message: "Step 2: What is your favorite color?", requestedSchema: { type: "object", properties: { color: { type: "string" } }, required: ["color"] } }, { key: "step2" });
      return "Multi-round complete for " + (a.content && a.content.name) + " who likes " + (b.content && b.content.color);
    }`,
  },
  {
    name: 'test_input_required_result_tampered_state',
    description: 'Asks for a confirmation (its requestState is signed)',
    code: `export async function main() { const r = await mcp.elicit(${CONFIRM}, { key: "confirm" }); return "integrity-ok: confirmed=" + (r.content && r.content.ok); }`,
  },
  {
    name: 'test_input_required_result_capabilities',
    description: 'Asks only what the client can answer',
    code: `export async function main() {
      const answers = await Promise.all([
        mcp.elicit({ message: "Elicitation input", requestedSchema: { type: "object", properties: { value: { type: "string" } }, required: ["value"] } }, { key: "elicit_input" }).then(() => "elicit_input", () => null),
        mcp.sample(${sampleOf('Sample request', 50)}, { key: "sample_input" }).then(() => "sample_input", () => null),
      ]);
      return "capabilities-ok: received " + answers.filter(Boolean).join(",");
    }`,
  },
  {
    name: 'test_missing_capability',
    description: "Needs the client's sampling capability",
    code: `export async function main() { const r = await mcp.sample(${sampleOf('ping', 5)}); return "sampled " + (r.content && r.content.text); }`,
  },
  {
    name: 'test_streaming_elicitation',
    description: 'Asks the user while it runs',
    code: `export async function main() { const r = await mcp.elicit(${CONFIRM}, { key: "confirm" }); return "answered " + r.action; }`,
  },
];

/** Creates the fixture server with every tool approved, and starts it. */
export async function startConformanceServer(t: TestApp, token: string, name = 'conformance'): Promise<string> {
  const server = await t.post('/api/servers', { name }, { token });
  assert.equal(server.status, 201, server.text);
  for (const tool of [...CONFORMANCE_TOOLS, ...CONFORMANCE_MCP_TOOLS]) {
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
        { timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: withLoopbackOnly() },
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
