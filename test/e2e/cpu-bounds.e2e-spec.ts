// @test-alone: measures how long the app takes under heavy input (scripts/test.mjs runs it after the rest, on its own).
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { startHealthProbe } from '../support/health-probe';

const MAIN = 'export async function main() { return 1 }\n';
/** ~95 KB of one short statement a line: over 13 000 lines, every one different between the two versions. */
const lines = (prefix: string) => {
  let code = MAIN;
  for (let i = 0; code.length < 95_000; i++) code += `${prefix}${i};\n`;
  return code;
};
const V1 = lines('a');
const V2 = lines('b');
/** The same lines as V1 in reverse order: nothing tells cheaply that the diff is huge; only the diff's own bounds do. */
const V1_REVERSED = MAIN + V1.slice(MAIN.length).trimEnd().split('\n').reverse().join('\n') + '\n';

/** Runs `work` while /health is probed from another process; reports the figures. */
async function whileProbing<T>(t: TestApp, ctx: TestContext, label: string, work: () => Promise<T>) {
  const probe = await startHealthProbe(`${t.url}/health`);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  const latencies = (await probe.stop()).sort((a, b) => a - b);
  const worst = latencies.length ? latencies[latencies.length - 1] : 0;
  ctx.diagnostic(
    `${label}: ${Math.round(ms)} ms; /health answered ${latencies.length} times meanwhile, slowest ${Math.round(worst)} ms, median ${Math.round(latencies[latencies.length >> 1] ?? 0)} ms`,
  );
  return { result, ms, worst };
}

describe('CPU-heavy work on request input stays off the event loop, and is bounded', () => {
  let t: TestApp;
  let token: string;
  let toolId: string;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    const server = await t.post('/api/servers', { name: 'big' }, { token });
    assert.equal(server.status, 201, server.text);
    const tool = await t.post(
      `/api/servers/${server.body.id}/tools`,
      { name: 'big_tool', description: 'Big', code: V1 },
      { token },
    );
    assert.equal(tool.status, 201, tool.text.slice(0, 300));
    toolId = tool.body.id;
    const edit = await t.patch(`/api/tools/${toolId}`, { code: V2 }, { token });
    assert.equal(edit.status, 200, edit.text.slice(0, 300));
    assert.equal(edit.body.current_version, 2);
  });
  after(() => t.close());

  it('compares two ~95 KB versions that differ on every line within seconds, /health answering in under a second meanwhile', async (ctx) => {
    const {
      result: res,
      ms,
      worst,
    } = await whileProbing(t, ctx, 'compare of two 95 KB versions', () =>
      t.get(`/api/tools/${toolId}/versions/compare?from=1&to=2`, { token }),
    );
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.ok(ms < 8000, `the compare took ${Math.round(ms)} ms`);
    assert.ok(worst < 1000, `the slowest /health took ${Math.round(worst)} ms`);
    // Still useful: every old line removed, every new one added, and the response says why.
    assert.equal(res.body.diff_mode, 'whole_file');
    assert.match(res.body.diff_note, /too costly to diff line by line/i);
    assert.deepEqual(res.body.changed_fields, ['code']);
    const diff: string = res.body.diff;
    assert.match(diff, /^-a0;$/m);
    assert.match(diff, /^\+b0;$/m);
    assert.match(diff, /^ ?export async function main|^-export async function main/m);
    const [, oldCount, newCount] = /^@@ -1,(\d+) \+1,(\d+) @@$/m.exec(diff) ?? [];
    assert.equal(Number(oldCount), V1.split('\n').length - 1);
    assert.equal(Number(newCount), V2.split('\n').length - 1);
  });

  it('bounds the diff itself: the same 13 000 lines in reverse order end as a whole-file replacement within seconds', async (ctx) => {
    const edit = await t.patch(`/api/tools/${toolId}`, { code: V1_REVERSED }, { token });
    assert.equal(edit.status, 200);
    assert.equal(edit.body.current_version, 3);
    const {
      result: res,
      ms,
      worst,
    } = await whileProbing(t, ctx, 'compare of a 95 KB version with its lines reversed', () =>
      t.get(`/api/tools/${toolId}/versions/compare?from=1&to=3`, { token }),
    );
    assert.equal(res.status, 200);
    assert.ok(ms < 8000, `the compare took ${Math.round(ms)} ms`);
    assert.ok(worst < 1000, `the slowest /health took ${Math.round(worst)} ms`);
    assert.equal(res.body.diff_mode, 'whole_file');
    assert.match(res.body.diff_note, /too costly/i);
  });

  it('still diffs line by line when few lines changed, however large the file', async () => {
    const edit = await t.patch(`/api/tools/${toolId}`, { code: V2.replace('b17;\n', 'changed17;\n') }, { token });
    assert.equal(edit.status, 200);
    const res = await t.get(`/api/tools/${toolId}/versions/compare?from=2&to=4`, { token });
    assert.equal(res.status, 200);
    assert.equal(res.body.diff_mode, 'lines');
    assert.equal(res.body.diff_note, null);
    assert.match(res.body.diff, /^-b17;$/m);
    assert.match(res.body.diff, /^\+changed17;$/m);
    assert.ok(res.body.diff.length < 2000, `a small diff: ${res.body.diff.length} characters`);
  });

  it('answers several large compares at once without stalling /health', async (ctx) => {
    const { result, worst } = await whileProbing(t, ctx, 'four concurrent compares', () =>
      Promise.all([2, 3, 2, 3].map((to) => t.get(`/api/tools/${toolId}/versions/compare?from=1&to=${to}`, { token }))),
    );
    for (const res of result) assert.equal(res.status, 200);
    assert.ok(worst < 1000, `the slowest /health took ${Math.round(worst)} ms`);
  });

  it('refuses code too costly to analyse with a clear message, in bounded time, /health answering meanwhile', async (ctx) => {
    // esbuild's TypeScript parser backtracks on nested arrows: minutes of CPU for this input.
    const code = `export async function main() {}\nconst f = ${'a=>'.repeat(30_000)}1;\n`;
    const {
      result: res,
      ms,
      worst,
    } = await whileProbing(t, ctx, 'validate-code of pathological TypeScript', () =>
      t.post('/api/tools/validate-code', { code, language: 'typescript' }, { token }),
    );
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.equal(res.body.valid, false);
    assert.match(res.body.errors[0].message, /too complex to analyse/);
    assert.ok(ms < 8000, `${Math.round(ms)} ms`);
    assert.ok(worst < 1000, `the slowest /health took ${Math.round(worst)} ms`);
  });

  it('checks a costly input schema off the event loop, and refuses one over 32 KiB', async (ctx) => {
    const server = await t.post('/api/servers', { name: 'schemas' }, { token });
    assert.equal(server.status, 201, server.text);
    // ~31 KiB of patterned properties: a few hundred ms of compiling, in a compute worker.
    const schema = (n: number) => ({
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`p${i}`, { type: 'string', pattern: `^a${i}[a-z]{1,20}$` }]),
      ),
    });
    assert.ok(JSON.stringify(schema(560)).length < 32 * 1024);
    const { result: res, worst } = await whileProbing(t, ctx, 'create with a 31 KiB patterned input schema', () =>
      t.post(
        `/api/servers/${server.body.id}/tools`,
        { name: 'wide', description: 'd', code: 'export async function main() {}', input_schema: schema(560) },
        { token },
      ),
    );
    assert.equal(res.status, 201, res.text.slice(0, 300));
    assert.ok(worst < 1000, `the slowest /health took ${Math.round(worst)} ms`);
    const big = await t.post(
      `/api/servers/${server.body.id}/tools`,
      { name: 'too_wide', description: 'd', code: 'export async function main() {}', input_schema: schema(700) },
      { token },
    );
    assert.equal(big.status, 400, big.text.slice(0, 300));
    assert.match(big.text, /input_schema is \d+ bytes as JSON; the limit is 32768/);
  });

  it('caps the findings of one analysis (a response stays small)', async () => {
    const code = `export async function main() {}\n${'require("x");\n'.repeat(5000)}`;
    const res = await t.post('/api/tools/validate-code', { code }, { token });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors.length, 51);
    assert.match(res.body.errors[50].message, /and 4950 more error/);
  });

  it('refuses a body of too many tiny JSON values with 413 before parsing it, on every route', async () => {
    const zeros = (n: number) => `[${'0,'.repeat(n - 1)}0]`;
    const res = await t.post('/api/servers', undefined, { token, raw: `{"name":"x","description":${zeros(150_000)}}` });
    assert.equal(res.status, 413, res.text.slice(0, 200));
    assert.match(res.body.message, /more than 100000 JSON values/);
  });

  it('keeps /health answering while 32 MiB import bodies are refused or parsed and checked', async (ctx) => {
    // 32 MiB of tiny values: before the element cap, seconds of JSON.parse and checks.
    const zeros = `{"x":[${'0,'.repeat(16 * 1024 * 1024 - 100)}0]}`;
    const refused = await whileProbing(t, ctx, 'refusal of a 32 MiB body of 16 million values', () =>
      t.post('/api/export/import', undefined, { token, raw: zeros }),
    );
    assert.equal(refused.result.status, 413);
    // The import route, with its 32 MiB limit, allows one per 64 bytes.
    assert.match(refused.result.body.message, /more than 524288 JSON values/);
    assert.ok(refused.worst < 1000, `the slowest /health took ${Math.round(refused.worst)} ms`);
    // About as many elements as the import route takes, in 29 MiB: an export of nothing in the
    // end. Parsing, checking and verifying the signature of 29 MiB is work on the event loop in
    // proportion to its size (a few hundred ms on an idle machine): bounded, not free.
    const values = Array.from({ length: 250_000 }, (_, i) => `"${String(i).padStart(120, 'x')}"`);
    const raw = `{"format_version":1,"servers":[],"junk":[${values.join(',')}],"signature":"${'0'.repeat(64)}"}`;
    assert.ok(raw.length > 25 * 1024 * 1024);
    const accepted = await whileProbing(t, ctx, `import of a ${Math.round(raw.length / 1048576)} MiB document`, () =>
      t.post('/api/export/import?allow_unsigned=true', undefined, { token, raw }),
    );
    assert.equal(accepted.result.status, 200, accepted.result.text.slice(0, 200));
    assert.equal(accepted.result.body.created.servers, 0);
    assert.ok(accepted.worst < 2500, `the slowest /health took ${Math.round(accepted.worst)} ms`);
  });
});
