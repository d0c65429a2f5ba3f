import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { checkDestination, type Resolver } from '../../src/guarded-http/destination';
import { ServerChangesService, type ServerChange } from '../../src/server-changes/server-changes.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, firstText } from '../support/mcp';
import { createServerVia, createToolVia } from './sandbox-fixtures';

const UNKNOWN = '3f2b8a1e-5c4d-4e6f-9a8b-7c6d5e4f3a2b';
/** Decisions only: names resolve to fixed addresses, nothing is ever connected. */
const resolver: Resolver = async (name) =>
  ({
    'api.example.com': [{ address: '93.184.216.34', family: 4 as const }],
    'intranet.example.com': [{ address: '10.1.2.3', family: 4 as const }],
  })[name] ?? [];

/**
 * Network requests: an LLM asks over /mcp for a host (and port) its tool calls, the admin
 * decides in /api/approvals/network, and the server's `allowed_hosts` — recomputed from
 * the approved records — is what the guarded HTTP client decides by. Decisions for
 * non-loopback addresses are tested without connecting.
 */
describe('network requests', () => {
  let t: TestApp;
  let token: string;
  let client: Client;
  let serverId: string;
  let toolId: string;
  let otherToolId: string;
  const changes: ServerChange[] = [];

  const mcp = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    return { isError: result.isError === true, text: firstText(result), value: result.structuredContent as any };
  };
  const request = (host: unknown, port?: unknown, tool = toolId) =>
    mcp('mcpbox_request_network_access', {
      tool_id: tool,
      host,
      ...(port === undefined ? {} : { port }),
      justification: 'the weather API',
    });
  const act = (id: string, body: Record<string, unknown>) =>
    t.post(`/api/approvals/network/${id}/action`, body, { token });
  const rules = async (policy: 'require_approval' | 'allow_all_public' = 'require_approval') => ({
    allowedHosts: (await t.get(`/api/servers/${serverId}`, { token })).body.allowed_hosts,
    policy,
    allowLoopback: false,
  });

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
    t.app.get(ServerChangesService).subscribe((c) => void changes.push(c));
    serverId = await createServerVia(t, token, 'weather');
    toolId = (await createToolVia(t, token, serverId, { name: 'forecast', code: 'export async function main() {}' }))
      .id;
    otherToolId = (await createToolVia(t, token, serverId, { name: 'other', code: 'export async function main() {}' }))
      .id;
    client = await connectMcp(`${t.url}/mcp`, 'modern', { name: 'net-llm' });
  });
  after(async () => {
    await client?.close();
    await t?.close();
  });

  it('an LLM asks for a host and port; the admin approves: allowed_hosts recomputed, announced, audited, and the guard follows', async () => {
    const asked = await request('API.Example.COM.', 443);
    assert.equal(asked.isError, false, asked.text);
    assert.equal(asked.value.status, 'pending');
    assert.equal(asked.value.host, 'api.example.com', 'stored in its one spelling');
    assert.equal(asked.value.port, 443);
    assert.equal(asked.value.note, null);
    assert.equal((await checkDestination('https://api.example.com/', await rules(), resolver)).allowed, false);

    const queue = await t.get('/api/approvals/network', { token });
    assert.equal(queue.status, 200, queue.text);
    assert.deepEqual(Object.keys(queue.body).sort(), ['items', 'page', 'page_size', 'pages', 'total']);
    assert.equal(queue.body.items[0].id, asked.value.id);
    assert.equal(queue.body.items[0].tool_name, 'forecast');
    assert.equal(queue.body.items[0].server_name, 'weather');

    changes.length = 0;
    const approved = await act(asked.value.id, { action: 'approve' });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.status, 'approved');
    assert.equal(approved.body.reviewed_by, 'admin');
    assert.deepEqual((await t.get(`/api/servers/${serverId}`, { token })).body.allowed_hosts, [
      { host: 'api.example.com', port: 443 },
    ]);
    assert.deepEqual(changes, [{ serverId, kind: 'network' }]);
    const audit = await t.db.query(
      `SELECT details FROM activity_logs WHERE log_type = 'audit' AND details->>'request_id' = $1 AND details->>'decision' = 'approve'`,
      [asked.value.id],
    );
    assert.equal(audit.rows[0].details.reviewer, 'admin');

    assert.equal((await checkDestination('https://api.example.com/v1', await rules(), resolver)).allowed, true);
    const otherPort = await checkDestination('http://api.example.com/', await rules(), resolver);
    assert.equal(otherPort.allowed, false, 'only the approved port');

    const again = await act(asked.value.id, { action: 'reject', reason: 'too late' });
    assert.equal(again.status, 409);
    assert.match(again.body.message, /already approved by admin/);
    const covered = await request('api.example.com', 443, otherToolId);
    assert.equal(covered.isError, true);
    assert.match(covered.text, /already allowed/);
  });

  it('at most one pending request per (tool, host, port), "any port" included: the database constraint answers', async () => {
    for (const port of [undefined, 8443]) {
      const results = await Promise.all(Array.from({ length: 6 }, () => request('data.example.com', port)));
      assert.equal(results.filter((r) => !r.isError).length, 1, results.map((r) => r.text).join('\n'));
      for (const r of results.filter((x) => x.isError)) assert.match(r.text, /already pending/);
    }
    const rows = await t.db.query(
      `SELECT port FROM network_access_requests WHERE host = 'data.example.com' AND status = 'pending' ORDER BY port`,
    );
    assert.deepEqual(
      rows.rows.map((r) => r.port),
      [8443, null],
    );
    assert.equal((await request('data.example.com', undefined, otherToolId)).isError, false, 'another tool may ask');
  });

  it("an allowance approves the server's pending requests it covers: any port covers every port, a port itself only", async () => {
    const status = async (id: string) =>
      (await t.db.query('SELECT status, reviewed_by FROM network_access_requests WHERE id = $1', [id])).rows[0];
    const elsewhere = await createServerVia(t, token, 'elsewhere');
    const stranger = (
      await createToolVia(t, token, elsewhere, { name: 'stranger', code: 'export async function main() {}' })
    ).id;
    // Approving a host and port leaves the same host's other ports pending.
    const onPort = (await request('cover.example.com', 8080)).value;
    const otherPort = (await request('cover.example.com', 9090, otherToolId)).value;
    assert.equal((await act(onPort.id, { action: 'approve' })).status, 200);
    assert.equal((await status(otherPort.id)).status, 'pending');
    // An admin record for the host on any port covers it; another server's request for that host stays pending.
    const onOtherServer = (await request('cover.example.com', 9090, stranger)).value;
    const added = await t.post(`/api/servers/${serverId}/allowed-hosts`, { host: 'cover.example.com' }, { token });
    assert.equal(added.status, 201, added.text);
    assert.deepEqual(await status(otherPort.id), { status: 'approved', reviewed_by: 'admin' });
    assert.equal((await status(onOtherServer.id)).status, 'pending');
    const audit = await t.db.query(
      `SELECT message FROM activity_logs WHERE log_type = 'audit' AND details->>'request_id' = $1`,
      [otherPort.id],
    );
    assert.match(audit.rows.map((r) => r.message).join('\n'), /approved by admin: admin allowed it for the server/);
    // Approving a request for any port approves the pending ones for single ports of that host.
    const anyPort = (await request('wide.example.com')).value;
    const single = (await request('wide.example.com', 443, otherToolId)).value;
    assert.equal((await act(anyPort.id, { action: 'approve' })).status, 200);
    assert.deepEqual(await status(single.id), { status: 'approved', reviewed_by: 'admin' });
    // Neither the admin's queue nor the LLM's list of open requests shows a covered request any more.
    const open = await mcp('mcpbox_list_pending_requests', { server_id: serverId });
    assert.equal(open.isError, false, open.text);
    const ids = (items: { id: string }[]) => items.map((i) => i.id);
    for (const id of [otherPort.id, single.id]) {
      assert.ok(!ids(open.value.network_requests).includes(id));
      assert.ok(!ids((await t.get('/api/approvals/network?page_size=100', { token })).body.items).includes(id));
    }
    assert.ok(
      ids((await t.get('/api/approvals/network?page_size=100', { token })).body.items).includes(onOtherServer.id),
    );
  });

  it('refuses hosts that are not host names or IPs, wildcards, and ports outside 1-65535, writing nothing', async () => {
    const count = async () => (await t.db.query('SELECT count(*)::int AS n FROM network_access_requests')).rows[0].n;
    const before = await count();
    const bad: [unknown, unknown?][] = [
      ['https://api.example.com'],
      ['api.example.com/path'],
      ['api.example.com:443'],
      ['*.example.com'],
      ['user@example.com'],
      [''],
      ['exa mple.com'],
      ['-bad.example.com'],
      ['999.1.1.1'],
      ['fe80::1%eth0'],
      [42],
      ['api.example.com', 0],
      ['api.example.com', 65536],
      ['api.example.com', 1.5],
      ['api.example.com', '443'],
      ['api.example.com', -1],
    ];
    for (const [host, port] of bad) {
      const r = await request(host, port);
      assert.equal(r.isError, true, `${JSON.stringify(host)}:${String(port)} should be refused`);
    }
    assert.match((await request('*.example.com')).text, /wildcard/);
    assert.match((await request('api.example.com', 70000)).text, /65535/);
    const blank = await mcp('mcpbox_request_network_access', {
      tool_id: toolId,
      host: 'x.example.com',
      justification: ' ',
    });
    assert.match(blank.text, /justification is required/);
    const noTool = await request('x.example.com', undefined, UNKNOWN);
    assert.match(noTool.text, /not found/);
    assert.equal(await count(), before);
  });

  it('a rejection needs a reason; bad actions and ids; the LLM sees where its requests stand', async () => {
    const asked = await request('evil.example.com');
    assert.equal(asked.isError, false, asked.text);
    const id = asked.value.id;
    assert.equal((await act(id, { action: 'reject' })).status, 400);
    assert.equal((await act(id, { action: 'reject', reason: '   ' })).status, 400);
    assert.equal((await act(id, { action: 'approve', reason: 'why not' })).status, 400);
    assert.equal((await act(id, { action: 'approve', allow_critical: true })).status, 400, 'a module-only field');
    assert.equal((await act(id, { action: 'submit_for_review' })).status, 400);
    assert.equal((await act('nope', { action: 'approve' })).status, 400);
    assert.equal((await act(UNKNOWN, { action: 'approve' })).status, 404);
    const rejected = await act(id, { action: 'reject', reason: 'not a host we trust' });
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.body.rejection_reason, 'not a host we trust');
    assert.equal((await act(id, { action: 'approve' })).status, 409);

    const race = await request('race.example.com');
    const decisions = await Promise.all([
      act(race.value.id, { action: 'approve' }),
      act(race.value.id, { action: 'reject', reason: 'no' }),
      act(race.value.id, { action: 'approve' }),
    ]);
    assert.deepEqual(
      decisions.map((d) => d.status).sort(),
      [200, 409, 409],
      'concurrent decisions: one wins, the others find the request decided',
    );

    const status = await mcp('mcpbox_get_tool_status', { tool_id: toolId });
    const mine = status.value.network_requests.map((r: { host: string; status: string }) => `${r.host}:${r.status}`);
    assert.ok(mine.includes('evil.example.com:rejected'), mine.join());
    assert.ok(mine.includes('api.example.com:approved'), mine.join());
    const pending = await mcp('mcpbox_list_pending_requests', { server_id: serverId });
    const open = pending.value.network_requests.map((r: { host: string; status: string }) => `${r.host}:${r.status}`);
    assert.ok(open.includes('evil.example.com:rejected') && open.includes('data.example.com:pending'), open.join());
    assert.ok(!open.some((n: string) => n.endsWith(':approved')), 'approved requests are not pending');
  });

  it('the queue: status filter, search, pagination; stats count per queue and status', async () => {
    const all = await t.get('/api/approvals/network?status=all&page_size=1&page=2', { token });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.items.length, 1);
    assert.equal(all.body.page, 2);
    const rejected = await t.get('/api/approvals/network?status=rejected', { token });
    const expected = (
      await t.db.query(`SELECT host FROM network_access_requests WHERE status = 'rejected' ORDER BY created_at, id`)
    ).rows.map((r) => r.host);
    assert.ok(expected.includes('evil.example.com'));
    assert.deepEqual(
      rejected.body.items.map((r: { host: string; status: string }) => `${r.host}:${r.status}`),
      expected.map((h) => `${h}:rejected`),
    );
    const evil = await t.get('/api/approvals/network?status=all&search=evil', { token });
    assert.deepEqual(
      evil.body.items.map((r: { host: string }) => r.host),
      ['evil.example.com'],
    );
    const search = await t.get('/api/approvals/network?status=all&search=weather', { token });
    assert.equal(search.body.total, (await t.get('/api/approvals/network?status=all', { token })).body.total);
    assert.equal((await t.get('/api/approvals/network?search=nothing-like-this', { token })).body.total, 0);
    for (const q of ['status=draft', 'page_size=0', 'status=all&status=pending', 'y=2'])
      assert.equal((await t.get(`/api/approvals/network?${q}`, { token })).status, 400, q);
    const stats = (await t.get('/api/approvals/stats', { token })).body;
    const counts = await t.db.query('SELECT status, count(*)::int AS n FROM network_access_requests GROUP BY status');
    for (const { status, n } of counts.rows) assert.equal(stats.network[status], n, status);
  });

  it('network_access_policy=allow_all_public: public hosts need no approval, private ones still do', async () => {
    assert.equal(
      (await t.patch('/api/settings/security-policy', { network_access_policy: 'allow_all_public' }, { token })).status,
      200,
    );
    try {
      const asked = await request('intranet.example.com');
      assert.equal(asked.isError, false, asked.text);
      assert.equal(asked.value.status, 'pending', 'a request is still recorded for the admin');
      assert.match(asked.value.note, /allow_all_public/);
      const open = await rules('allow_all_public');
      assert.equal(
        (
          await checkDestination('http://public.example.net/', open, async () => [
            { address: '93.184.216.34', family: 4 },
          ])
        ).allowed,
        true,
      );
      assert.equal((await checkDestination('http://intranet.example.com/', open, resolver)).allowed, false);
      assert.equal((await checkDestination('http://127.0.0.1:8080/', open, resolver)).allowed, false);
      const approved = await act(asked.value.id, { action: 'approve' });
      assert.equal(approved.status, 200, approved.text);
      assert.equal(
        (await checkDestination('http://intranet.example.com/', await rules('allow_all_public'), resolver)).allowed,
        true,
      );
    } finally {
      await t.patch('/api/settings/security-policy', { network_access_policy: 'require_approval' }, { token });
    }
    const strict = await rules();
    assert.equal((await checkDestination('http://public.example.net/', strict, resolver)).allowed, false);
  });

  it('concurrent approvals for one server: its allowed_hosts holds every one (no lost update)', async () => {
    const hosts = ['a.example.org', 'b.example.org', 'c.example.org'];
    const asked = await Promise.all(hosts.map((h) => request(h, 443)));
    const results = await Promise.all(asked.map((a) => act(a.value.id, { action: 'approve' })));
    for (const r of results) assert.equal(r.status, 200, r.text);
    const allowedHosts = (await t.get(`/api/servers/${serverId}`, { token })).body.allowed_hosts;
    for (const h of hosts)
      assert.ok(
        allowedHosts.some((a: { host: string }) => a.host === h),
        JSON.stringify(allowedHosts),
      );
    const approved = await t.db.query(
      `SELECT DISTINCT host, port FROM network_access_requests WHERE server_id = $1 AND status = 'approved' ORDER BY host, port`,
      [serverId],
    );
    assert.equal(allowedHosts.length, approved.rows.length, 'the cache is the approved records');
  });
});
