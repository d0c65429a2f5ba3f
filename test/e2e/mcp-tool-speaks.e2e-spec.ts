import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { createRequestStateCodec } from '@modelcontextprotocol/server';
import { deriveKey } from '../../src/crypto/key-derivation';
import { RequestStates } from '../../src/mcp/request-state';
import { ADMIN, startApp, type TestApp } from '../support/app';
import { connectMcp, ERAS, firstText, type Era } from '../support/mcp';
import { allowHost, approveTool, createServerVia, createToolVia, waitForRows } from './sandbox-fixtures';

let t: TestApp;
let token: string;
const toolIds: Record<string, string> = {};
/** A file service on 127.0.0.1 that counts the side effects tools cause. */
let files: Server;
const effects: string[] = [];
const FILES = '__FILES__';

/** README's "ask before you act" example, and the pattern it warns against. */
const SIDE_EFFECTS: Record<string, string> = {
  delete_file: `export async function main({ path }) {
  const answer = await mcp.elicit(
    {
      mode: "form",
      message: \`Delete \${path}? This cannot be undone.\`,
      requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } }, required: ["confirm"] },
    },
    { key: "confirm-delete" },
  );
  if (answer.action !== "accept" || !answer.content.confirm) return "Nothing deleted.";
  const res = await http.delete(\`${FILES}/\${encodeURIComponent(path)}\`);
  return res.ok ? \`Deleted \${path}.\` : \`The file service said \${res.status}.\`;
}`,
  act_then_ask: `export async function main({ path }) {
  await http.post(\`${FILES}/\${encodeURIComponent(path)}\`);
  const answer = await mcp.elicit({ message: "Also notify?", requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } } } });
  return answer.action;
}`,
};
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
  files = createServer((req, res) => {
    effects.push(`${req.method} ${req.url}`);
    res.end('ok');
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  const filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  for (const [name, code] of Object.entries(SIDE_EFFECTS)) TOOLS[name] = code.replaceAll(FILES, filesUrl);
  t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
  await t.post('/auth/setup', ADMIN);
  token = (await t.post('/auth/login', ADMIN)).body.access_token;
  await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
  const serverId = await createServerVia(t, token, SERVER);
  await allowHost(t, token, serverId, '127.0.0.1', (files.address() as AddressInfo).port);
  for (const [name, code] of Object.entries(TOOLS)) {
    toolIds[name] = (await createToolVia(t, token, serverId, { name, code })).id;
    await approveTool(t, token, toolIds[name]);
  }
  const started = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
  assert.equal(started.status, 200, started.text);
});
after(async () => {
  await t.close();
  files.close();
});

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
      // The same record over the Admin API (GET /api/tools/{id}/logs).
      const api = await t.get(`/api/tools/${toolIds.confirm}/logs?limit=50`, { token });
      assert.equal(api.status, 200, api.text);
      const mine = (api.body.items as { executed_by: string; mcp: typeof last.mcp | null }[]).find(
        (i) => i.executed_by.startsWith(`mcp:test-${era}`) && i.mcp !== null,
      );
      assert.ok(mine, JSON.stringify(api.body.items));
      assert.deepEqual(
        mine.mcp?.questions.map((q) => [q.key, q.kind, q.answer]),
        [['confirm', 'elicit', { action: 'accept', content: { ok: true } }]],
      );
      // The activity log tells a round that stopped for input from a finished call.
      const outcomes = async (): Promise<string[]> =>
        (
          await t.db.query<{ outcome: string }>(
            `SELECT details->>'outcome' AS outcome FROM activity_logs
              WHERE log_type = 'mcp_request' AND details->>'tool' = 'confirm' AND details->>'era' = $1`,
            [era],
          )
        ).rows.map((r) => r.outcome);
      for (let i = 0; i < 100 && !(await outcomes()).includes('ok'); i++) await new Promise((r) => setTimeout(r, 20));
      const seen = new Set(await outcomes());
      assert.ok(seen.has('ok'), [...seen].join());
      assert.equal(seen.has('input_required'), era === 'modern', [...seen].join());
      await client.close();
    });
  });
}

describe('logs as each era allows', () => {
  it('2025: at or above the session level set with logging/setLevel', async () => {
    const client = await talker('legacy');
    const logs: { level: string; data: unknown }[] = [];
    client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params as never));
    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'chatty', arguments: {} });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      logs.map((l) => l.level),
      ['warning', 'error'],
    );
    await client.close();
  });

  it('2026-07-28: only when the request set a log level, at or above it', async () => {
    const raw = async (meta: Record<string, unknown>) => {
      const res = await fetch(`${t.url}/mcp/${SERVER}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'chatty',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'chatty',
            arguments: {},
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
              ...meta,
            },
          },
        }),
      });
      const text = await res.text();
      return text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)) as { method?: string; params?: { level: string } });
    };
    const none = await raw({});
    assert.ok(!none.some((m) => m.method === 'notifications/message'), 'no logLevel: no log messages');
    const some = await raw({ 'io.modelcontextprotocol/logLevel': 'warning' });
    assert.deepEqual(
      some.filter((m) => m.method === 'notifications/message').map((m) => m.params?.level),
      ['warning', 'error'],
    );
  });
});

describe('declined and cancelled questions, and questions without a client', () => {
  for (const era of ERAS) {
    it(`${era}: a declined and a cancelled elicitation reach the tool as such`, async () => {
      for (const action of ['decline', 'cancel'] as const) {
        const client = await connectMcp(`${t.url}/mcp/${SERVER}`, era, { capabilities: { elicitation: { form: {} } } });
        client.setRequestHandler('elicitation/create', async () => ({ action }));
        assert.equal(firstText(await client.callTool({ name: 'confirm', arguments: {} })), `not deployed: ${action}`);
        await client.close();
      }
    });
  }

  it('test-code has no MCP client: a question fails with a clear error, notes are dropped', async () => {
    const list = await t.get(`/api/servers`, { token });
    const serverId = (list.body.items as { id: string; name: string }[]).find((s) => s.name === SERVER)?.id as string;
    const tools = await t.get(`/api/servers/${serverId}/tools`, { token });
    const confirm = (tools.body.items as { id: string; name: string }[]).find((x) => x.name === 'confirm') as {
      id: string;
    };
    const steps = (tools.body.items as { id: string; name: string }[]).find((x) => x.name === 'steps') as {
      id: string;
    };
    const asked = await t.post('/api/tools/test-code', { tool_id: confirm.id, arguments: {} }, { token });
    assert.equal(asked.body.success, false);
    assert.match(asked.body.error, /no MCP client to ask/);
    const stepped = await t.post('/api/tools/test-code', { tool_id: steps.id, arguments: { n: 3 } }, { token });
    assert.equal(stepped.body.result, 'done');
  });
});

describe('2026-07-28 requestState: signed, bound to the call, expiring', () => {
  const endpoint = () => `${t.url}/mcp/${SERVER}`;
  async function call(name: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const res = await fetch(endpoint(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': name,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name,
          arguments: args,
          ...extra,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} }, sampling: {} },
          },
        },
      }),
    });
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith('data: '));
    return { status: res.status, body: JSON.parse(line ? line.slice(6) : text) as any };
  }
  const accepted = { action: 'accept', content: { name: 'Ada' } };

  it('a first round asks; the retry with the answer and the state completes', async () => {
    const r1 = await call('rounds', {});
    assert.equal(r1.body.result.resultType, 'input_required');
    assert.deepEqual(Object.keys(r1.body.result.inputRequests), ['name']);
    const r2 = await call(
      'rounds',
      {},
      { inputResponses: { name: accepted }, requestState: r1.body.result.requestState },
    );
    assert.deepEqual(Object.keys(r2.body.result.inputRequests), ['colour']);
    assert.notEqual(r2.body.result.requestState, r1.body.result.requestState, 'the state carries the answers so far');
    const r3 = await call(
      'rounds',
      {},
      {
        inputResponses: { colour: { action: 'accept', content: { colour: 'red' } } },
        requestState: r2.body.result.requestState,
      },
    );
    assert.equal(r3.body.result.content[0].text, 'Ada likes red');
  });

  it('inputResponses without a state are accepted on a first call', async () => {
    const r = await call('confirm', {}, { inputResponses: { confirm: { action: 'accept', content: { ok: true } } } });
    assert.equal(r.body.result.content[0].text, 'deployed');
  });

  it('refuses a tampered state, a state made for other arguments or another tool (-32602)', async () => {
    const first = await call('rounds', {});
    const state = first.body.result.requestState as string;
    const [v, body, mac] = state.split('.');
    const flipped = `${v}.${body}.${mac.slice(0, 5)}${mac[5] === 'A' ? 'B' : 'A'}${mac.slice(6)}`;
    assert.notEqual(flipped, state);
    for (const [what, name, args, s] of [
      ['tampered', 'rounds', {}, flipped],
      ['garbage', 'rounds', {}, 'not-a-state'],
      ['other tool', 'confirm', {}, state],
      ['other arguments', 'rounds', { extra: 1 }, state],
    ] as const) {
      const r = await call(name, args, { inputResponses: { name: accepted }, requestState: s });
      assert.equal(r.body.error?.code, -32602, `${what}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, /Invalid or expired requestState/);
    }
  });
});

describe('expiry and slow answers', () => {
  it('2026-07-28: an expired state is refused (-32602)', async () => {
    const key = Buffer.from(process.env.MCPBOX_ENCRYPTION_KEY as string, 'hex');
    // The app's own codec, but with a one-second life.
    const codec = createRequestStateCodec({
      key: deriveKey(key, 'mcpbox:mcp-request-state'),
      ttlSeconds: 1,
      bind: (ctx) => `${ctx.mcpReq.method}\0${ctx.http?.authInfo?.clientId ?? ''}`,
    });
    const ctx = { mcpReq: { method: 'tools/call' }, http: { authInfo: { clientId: '127.0.0.1' } } } as never;
    const state = await codec.mint(
      { v: 1, call: RequestStates.callKey(`server:${SERVER}`, 'confirm', {}), answers: {} },
      ctx,
    );
    const send = () =>
      fetch(`${t.url}/mcp/${SERVER}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'confirm',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'confirm',
            arguments: {},
            requestState: state,
            inputResponses: { confirm: { action: 'accept', content: { ok: true } } },
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
            },
          },
        }),
      }).then(async (r) => {
        const text = await r.text();
        const line = text.split('\n').find((l) => l.startsWith('data: '));
        return JSON.parse(line ? line.slice(6) : text);
      });
    const fresh = await send();
    assert.equal(
      fresh.result?.content?.[0]?.text,
      'deployed',
      'the same state, still fresh, is good: ' + JSON.stringify(fresh),
    );
    await new Promise((r) => setTimeout(r, 2100));
    const late = await send();
    assert.equal(late.error?.code, -32602, JSON.stringify(late));
  });

  it("2025: a question not answered within the call's time limit ends the call with a clear error", async () => {
    const list = await t.get(`/api/servers`, { token });
    const serverId = (list.body.items as { id: string; name: string }[]).find((s) => s.name === SERVER)?.id as string;
    const slow = await createToolVia(t, token, serverId, {
      name: 'impatient',
      timeout_ms: 800,
      code: `export async function main() { const a = await mcp.elicit(${ELICIT_OK}); return a.action; }`,
    });
    await approveTool(t, token, slow.id);
    const client = await connectMcp(`${t.url}/mcp/${SERVER}`, 'legacy', {
      capabilities: { elicitation: { form: {} } },
    });
    client.setRequestHandler('elicitation/create', async () => {
      await new Promise((r) => setTimeout(r, 2000));
      return { action: 'accept', content: { ok: true } };
    });
    const started = Date.now();
    const result = await client.callTool({ name: 'impatient', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(firstText(result), /Timed out after 800 ms/);
    assert.ok(Date.now() - started < 1900, 'the call did not wait for the late answer');
    await client.close();
  });
});

describe('question floods and the code analysis', () => {
  it('a flood of questions is bounded', async () => {
    const list = await t.get(`/api/servers`, { token });
    const serverId = (list.body.items as { id: string; name: string }[]).find((s) => s.name === SERVER)?.id as string;
    const flood = await createToolVia(t, token, serverId, {
      name: 'flood',
      code: `export async function main() {
        const asks = [];
        for (let i = 0; i < 100; i++) asks.push(mcp.elicit({ message: "q" + i, requestedSchema: { type: "object", properties: {} } }, { key: "k" + i }).then(() => "ok", (e) => e.message));
        const answers = await Promise.all(asks);
        return answers.filter((a) => a !== "ok").slice(0, 1).join("") || "all answered";
      }`,
    });
    await approveTool(t, token, flood.id);
    const legacy = await talker('legacy');
    const result = await legacy.callTool({ name: 'flood', arguments: {} });
    assert.match(firstText(result), /too many questions: at most 32 per call/);
    await legacy.close();
  });

  it('validate-code and the tool lists say which tools talk back to the client', async () => {
    const analysis = await t.post(
      '/api/tools/validate-code',
      { code: 'export async function main() { mcp.progress(1); const x = await mcp.elicit({}); return x }' },
      { token },
    );
    assert.deepEqual(analysis.body.mcp_features, ['progress', 'elicit']);
    const indirect = await t.post(
      '/api/tools/validate-code',
      { code: 'export async function main() { const m = mcp; return m }' },
      { token },
    );
    assert.deepEqual(
      indirect.body.mcp_features,
      ['progress', 'log', 'elicit', 'sample', 'roots'],
      'mcp passed on: anything',
    );
    const plain = await t.post(
      '/api/tools/validate-code',
      { code: 'export async function main({ mcp }) { return { mcp: 1 }.mcp }' },
      { token },
    );
    assert.deepEqual(plain.body.mcp_features.length > 0, true, 'a parameter named mcp is still a use of the name');
    const client = await connectMcp(`${t.url}/mcp/${SERVER}`, 'modern');
    const tools = (await client.listTools()).tools;
    assert.deepEqual(tools.find((x) => x.name === 'confirm')?._meta?.['io.mcpbox/mcp-features'], ['elicit']);
    assert.deepEqual(tools.find((x) => x.name === 'chatty')?._meta?.['io.mcpbox/mcp-features'], ['log']);
    await client.close();
    const queue = await t.get('/api/approvals/tools?status=all', { token });
    const row = (queue.body.items as { name: string; mcp_features: string[] }[]).find((x) => x.name === 'two_at_once');
    assert.deepEqual(row?.mcp_features, ['elicit', 'sample'], 'the reviewer sees what the tool asks');
  });
});

describe("README's pattern: ask before you act", () => {
  for (const era of ERAS) {
    it(`${era}: a side effect after the question happens once; one before it happens once per round`, async () => {
      const client = await talker(era, FULL, { confirm: true });
      effects.length = 0;
      assert.equal(
        firstText(await client.callTool({ name: 'delete_file', arguments: { path: 'a b.txt' } })),
        'Deleted a b.txt.',
      );
      assert.deepEqual(effects, ['DELETE /a%20b.txt']);
      effects.length = 0;
      await client.callTool({ name: 'act_then_ask', arguments: { path: 'x' } });
      // 2025: the tool waits on the session; 2026-07-28: it runs again with the answer.
      assert.deepEqual(effects, era === 'modern' ? ['POST /x', 'POST /x'] : ['POST /x']);
      await client.close();
    });
  }

  it('a declined confirmation deletes nothing', async () => {
    const client = await connectMcp(`${t.url}/mcp/${SERVER}`, 'modern', { capabilities: FULL });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    effects.length = 0;
    assert.equal(
      firstText(await client.callTool({ name: 'delete_file', arguments: { path: 'keep' } })),
      'Nothing deleted.',
    );
    assert.deepEqual(effects, []);
    await client.close();
  });
});
