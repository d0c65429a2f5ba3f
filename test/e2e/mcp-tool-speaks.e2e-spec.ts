import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS, firstText, type Era } from '../support/mcp';
import { approveTool, createServerVia, createToolVia, waitForRows } from './sandbox-fixtures';

let t: TestApp;
let token: string;
const SERVER = 'talk';

const ELICIT_OK = `{ message: "Deploy to production?", requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] } }`;
const TOOLS: Record<string, string> = {
  steps: `export async function main({ n = 10 }) { for (let i = 0; i <= n; i++) mcp.progress(i, n, "step " + i); return "done"; }`,
  chatty: `export async function main() { mcp.log("debug", "d"); mcp.log("info", { step: "i" }); mcp.log("warning", "w"); mcp.log("error", "e"); return "ok"; }`,
  confirm: `export async function main() {
    const a = await mcp.elicit(${ELICIT_OK}, { key: "confirm" });
    return a.action === "accept" && a.content && a.content.ok ? "deployed" : "not deployed: " + a.action;
  }`,
  ask_model: `export async function main() {
    const r = await mcp.sample({ messages: [{ role: "user", content: { type: "text", text: "Capital of France?" } }], maxTokens: 20 });
    return "model says " + r.content.text;
  }`,
  where: `export async function main() { const r = await mcp.roots(); return r.roots.map((x) => x.uri).join(","); }`,
  two_at_once: `export async function main() {
    const [a, b] = await Promise.all([
      mcp.elicit(${ELICIT_OK}, { key: "a" }),
      mcp.sample({ messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 5 }, { key: "b" }),
    ]);
    return a.action + "/" + b.content.text;
  }`,
  rounds: `export async function main() {
    const first = await mcp.elicit({ message: "Name?", requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } }, { key: "name" });
    const second = await mcp.elicit({ message: "Hello " + first.content.name + ", colour?", requestedSchema: { type: "object", properties: { colour: { type: "string" } }, required: ["colour"] } }, { key: "colour" });
    return first.content.name + " likes " + second.content.colour;
  }`,
  sample_uncaught: `export async function main() { await mcp.sample({ messages: [{ role: "user", content: { type: "text", text: "x" } }], maxTokens: 5 }); return "never"; }`,
  sample_caught: `export async function main() {
    try { await mcp.sample({ messages: [{ role: "user", content: { type: "text", text: "x" } }], maxTokens: 5 }); return "sampled"; }
    catch (e) { return "fallback: " + e.message; }
  }`,
};

before(async () => {
  t = await startApp();
  await t.post('/auth/setup', ADMIN);
  token = (await t.post('/auth/login', ADMIN)).body.access_token;
  await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
  const serverId = await createServerVia(t, token, SERVER);
  for (const [name, code] of Object.entries(TOOLS))
    await approveTool(t, token, (await createToolVia(t, token, serverId, { name, code })).id);
  const started = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
  assert.equal(started.status, 200, started.text);
});
after(async () => t.close());

const FULL = { elicitation: { form: {} }, sampling: {}, roots: {} };

async function talker(
  era: Era,
  capabilities: Record<string, unknown> = FULL,
  answers: Record<string, string | boolean> = { ok: true },
): Promise<Client> {
  const client = await connectMcp(`${t.url}/mcp/${SERVER}`, era, { capabilities });
  if (capabilities.elicitation)
    client.setRequestHandler('elicitation/create', async (req) => {
      const schema = (req.params as { requestedSchema?: { properties?: object } }).requestedSchema;
      const props = Object.keys(schema?.properties ?? {});
      const content: Record<string, string | boolean> = props.includes('name')
        ? { name: 'Ada' }
        : props.includes('colour')
          ? { colour: 'teal' }
          : answers;
      return { action: 'accept', content };
    });
  if (capabilities.sampling)
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'Paris' },
      model: 'test',
      stopReason: 'endTurn',
    }));
  if (capabilities.roots)
    client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///home/ada', name: 'home' }] }));
  return client;
}

for (const era of ERAS) {
  describe(`${era}: tool code talks back to its MCP client`, () => {
    it('progress goes out with a token (a burst, then rate-limited) and not without one', async () => {
      const client = await talker(era);
      const seen: number[] = [];
      const result = await client.callTool(
        { name: 'steps', arguments: { n: 10 } },
        { onprogress: (p) => void seen.push(p.progress) },
      );
      assert.equal(firstText(result), 'done');
      assert.ok(seen.length >= 5, `at least the burst of 5: ${JSON.stringify(seen)}`);
      assert.ok(seen.length < 11, `rate-limited: ${JSON.stringify(seen)}`);
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        seen,
        'in order',
      );
      const quiet = await client.callTool({ name: 'steps', arguments: { n: 3 } });
      assert.equal(firstText(quiet), 'done');
      await client.close();
    });

    it('an elicitation accepted, a sampling answer, roots, two questions at once, several rounds', async () => {
      const client = await talker(era);
      assert.equal(firstText(await client.callTool({ name: 'confirm', arguments: {} })), 'deployed');
      assert.equal(firstText(await client.callTool({ name: 'ask_model', arguments: {} })), 'model says Paris');
      assert.equal(firstText(await client.callTool({ name: 'where', arguments: {} })), 'file:///home/ada');
      assert.equal(firstText(await client.callTool({ name: 'two_at_once', arguments: {} })), 'accept/Paris');
      assert.equal(firstText(await client.callTool({ name: 'rounds', arguments: {} })), 'Ada likes teal');
      await client.close();
    });

    it('a client without the capability: caught by the tool, or the spec error when uncaught', async () => {
      const client = await talker(era, { elicitation: { form: {} } });
      const caught = await client.callTool({ name: 'sample_caught', arguments: {} });
      assert.match(firstText(caught), /fallback: the MCP client did not declare the sampling capability/);
      const uncaught = await client
        .callTool({ name: 'sample_uncaught', arguments: {} })
        .catch((e: { code?: number; message: string }) => e);
      if (era === 'modern') {
        assert.equal((uncaught as { code?: number }).code, -32021, JSON.stringify(uncaught));
      } else {
        assert.equal((uncaught as { isError?: boolean }).isError, true);
        assert.match(firstText(uncaught as { content?: unknown }), /sampling capability/);
      }
      await client.close();
    });

    it('the execution log records the questions and answers and the progress steps', async () => {
      const client = await talker(era);
      await client.callTool({ name: 'confirm', arguments: {} }, { onprogress: () => undefined });
      const rows = await waitForRows(t, 1, `tool_name = 'confirm' AND executed_by LIKE $1 AND mcp IS NOT NULL`, [
        `mcp:test-${era}%`,
      ]);
      const last = rows[rows.length - 1] as unknown as {
        mcp: { questions: { key: string; kind: string; answer?: unknown }[] };
      };
      assert.equal(last.mcp.questions[0].key, 'confirm');
      assert.equal(last.mcp.questions[0].kind, 'elicit');
      await client.close();
    });
  });
}
