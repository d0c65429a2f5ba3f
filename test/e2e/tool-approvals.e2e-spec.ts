import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RequestPublishDto, ToolActionDto } from '../../src/tools/dto/tool-approval.dto';
import { ToolApprovalsService } from '../../src/tools/tool-approvals.service';
import { ToolIdDto } from '../../src/common/contract/ids.dto';
import { validateInput } from '../../src/common/contract/validate-input';
import { ServerChangesService } from '../../src/server-changes/server-changes.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const CODE = 'export async function main({ city }) {\n  return city;\n}\n';

describe('tool approvals', () => {
  let t: TestApp;
  let token: string;
  let weatherId: string;
  let mailId: string;
  const changes: { serverId: string; kind: string; toolId?: string }[] = [];
  const count = async (table: string, where = 'TRUE', params: unknown[] = []) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n);
  const createTool = async (serverId: string, name: string, description = '') => {
    const res = await t.post(`/api/servers/${serverId}/tools`, { name, description, code: CODE }, { token });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const act = (id: string, body: Record<string, unknown>) =>
    t.post(`/api/approvals/tools/${id}/action`, body, { token });
  const row = async (id: string) =>
    (
      await t.db.query(
        'SELECT approval_status, approved_by, approved_at, approval_requested_at, rejection_reason, publish_notes, current_version FROM tools WHERE id = $1',
        [id],
      )
    ).rows[0];

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    weatherId = (await t.post('/api/servers', { name: 'weather' }, { token })).body.id;
    mailId = (await t.post('/api/servers', { name: 'mail' }, { token })).body.id;
    t.app.get(ServerChangesService).subscribe((c) => void changes.push(c));
  });
  after(() => t.close());

  it('walks draft → pending_review → rejected → (edit) pending_review → approved → (revoke) pending_review', async () => {
    const id = await createTool(weatherId, 'forecast', 'Five day forecast');
    assert.equal((await row(id)).approval_status, 'draft');

    const early = await act(id, { action: 'approve' });
    assert.equal(early.status, 409);
    assert.match(early.body.message, /Cannot approve tool forecast: it has not been submitted for review/);

    const submitted = await act(id, { action: 'submit_for_review', notes: 'please look' });
    assert.equal(submitted.status, 200, submitted.text);
    assert.equal(submitted.body.approval_status, 'pending_review');
    assert.equal(submitted.body.publish_notes, 'please look');
    assert.ok(submitted.body.approval_requested_at);
    assert.deepEqual(changes.at(-1), { serverId: weatherId, kind: 'tools', toolId: id });

    const again = await act(id, { action: 'submit_for_review' });
    assert.equal(again.status, 409);
    assert.match(again.body.message, /already pending review/);

    const noReason = await act(id, { action: 'reject' });
    assert.equal(noReason.status, 400);
    assert.match(noReason.body.message, /reason is required/);
    const blank = await act(id, { action: 'reject', reason: '   ' });
    assert.equal(blank.status, 400);
    assert.equal((await row(id)).approval_status, 'pending_review');

    const rejected = await act(id, { action: 'reject', reason: 'hard-codes the city' });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.approval_status, 'rejected');
    assert.equal(rejected.body.rejection_reason, 'hard-codes the city');
    assert.equal((await act(id, { action: 'approve' })).status, 409);

    // A description-only edit is not what was reviewed: it stays rejected.
    const described = await t.patch(`/api/tools/${id}`, { description: 'Forecast' }, { token });
    assert.equal(described.body.approval_status, 'rejected');
    const edited = await t.patch(
      `/api/tools/${id}`,
      { code: CODE.replace('return city', 'return `${city}!`') },
      { token },
    );
    assert.equal(edited.body.approval_status, 'pending_review');
    assert.equal(edited.body.current_version, 2);

    const approved = await act(id, { action: 'approve', notes: 'looks fine' });
    assert.equal(approved.status, 200);
    assert.equal(approved.body.approval_status, 'approved');
    assert.equal(approved.body.approved_by, 'admin');
    assert.ok(approved.body.approved_at);
    assert.equal(approved.body.rejection_reason, null);
    assert.equal((await act(id, { action: 'approve' })).status, 409);
    assert.equal((await act(id, { action: 'reject', reason: 'x' })).status, 409);

    const revoked = await t.post(`/api/approvals/tools/${id}/revoke`, { reason: 'leaks data' }, { token });
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal(revoked.body.approval_status, 'pending_review');
    assert.equal(revoked.body.approved_by, null);
    assert.equal(revoked.body.approved_at, null);
    assert.deepEqual(changes.at(-1), { serverId: weatherId, kind: 'tools', toolId: id });
    const twice = await t.post(`/api/approvals/tools/${id}/revoke`, undefined, { token });
    assert.equal(twice.status, 409);
    assert.match(twice.body.message, /not approved/);

    const audit = await t.db.query(
      `SELECT message, details FROM activity_logs WHERE log_type = 'audit' AND details->>'tool_id' = $1 AND details ? 'decision' ORDER BY created_at, id`,
      [id],
    );
    assert.deepEqual(
      audit.rows.map((r) => r.details.decision),
      ['submit_for_review', 'reject', 'approve', 'revoke'],
    );
    assert.deepEqual(audit.rows[1].details.approval_status, { from: 'pending_review', to: 'rejected' });
    assert.equal(audit.rows[1].details.reason, 'hard-codes the city');
    assert.equal(audit.rows[2].details.reviewer, 'admin');
    assert.equal(audit.rows[2].details.notes, 'looks fine');
    assert.match(audit.rows[3].message, /revoked by admin: leaks data/);
  });

  it('an approved tool whose code, schema or name changes goes back to pending_review and is unloaded', async () => {
    for (const patch of [
      { code: CODE.replace('city;', 'city + 1;') },
      { input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'renamed_tool' },
    ]) {
      const id = await createTool(weatherId, `edit_${randomUUID().slice(0, 8)}`);
      await act(id, { action: 'submit_for_review' });
      await act(id, { action: 'approve' });
      const tools = changes.length;
      const res = await t.patch(`/api/tools/${id}`, patch, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.approval_status, 'pending_review', JSON.stringify(patch));
      assert.equal(res.body.approved_by, null);
      assert.equal(res.body.current_version, 2);
      assert.ok(changes.slice(tools).some((c) => c.toolId === id && c.kind === 'tools'));
      await t.db.query('DELETE FROM tools WHERE id = $1', [id]);
    }
    const id = await createTool(weatherId, 'stays_approved');
    await act(id, { action: 'submit_for_review' });
    await act(id, { action: 'approve' });
    const res = await t.patch(
      `/api/tools/${id}`,
      { description: 'new words', enabled: false, timeout_ms: 2000 },
      { token },
    );
    assert.equal(res.body.approval_status, 'approved');
    assert.equal(res.body.current_version, 1);
  });

  it('refuses bad actions: unknown action, non-UUID, unknown tool; nothing changes', async () => {
    const id = await createTool(weatherId, 'untouched');
    const before = await row(id);
    assert.equal((await act(id, { action: 'publish' })).status, 400);
    assert.equal((await act(id, {})).status, 400);
    assert.equal((await act(id, { action: 'approve', extra: 1 })).status, 400);
    assert.equal((await act(id, { action: 'reject', reason: 'x'.repeat(2001) })).status, 400);
    assert.equal((await act('not-a-uuid', { action: 'approve' })).status, 400);
    assert.equal((await t.post('/api/approvals/tools/not-a-uuid/revoke', undefined, { token })).status, 400);
    const missing = await act(randomUUID(), { action: 'submit_for_review' });
    assert.equal(missing.status, 404);
    assert.equal((await t.post(`/api/approvals/tools/${randomUUID()}/revoke`, undefined, { token })).status, 404);
    assert.equal((await t.post(`/api/approvals/tools/${id}/action`, { action: 'approve' })).status, 401);
    assert.deepEqual(await row(id), before);
  });

  it('under auto_approve a submit approves at once, recorded as auto_approve', async () => {
    const id = await createTool(weatherId, 'auto_submit');
    await t.patch('/api/settings/security-policy', { tool_approval_mode: 'auto_approve' }, { token });
    try {
      const res = await act(id, { action: 'submit_for_review', notes: 'ship it' });
      assert.equal(res.status, 200);
      assert.equal(res.body.approval_status, 'approved');
      assert.equal(res.body.approved_by, 'auto_approve');
      const audit = await t.db.query(
        `SELECT details FROM activity_logs WHERE details->>'tool_id' = $1 AND details->>'decision' = 'submit_for_review'`,
        [id],
      );
      assert.equal(audit.rows[0].details.auto_approved, true);
    } finally {
      await t.patch('/api/settings/security-policy', { tool_approval_mode: 'require_approval' }, { token });
    }
  });

  it('an LLM can request publication but never approve, reject or revoke', async () => {
    const approvals = t.app.get(ToolApprovalsService);
    const llm = { kind: 'llm' as const, name: 'claude' };
    const id = await createTool(weatherId, 'llm_made');
    const requested = await approvals.requestPublish(llm, id, validateInput(RequestPublishDto, { notes: 'ready' }));
    assert.equal(requested.approval_status, 'pending_review');
    await assert.rejects(approvals.approve(llm, id, {}), { kind: 'forbidden', message: /An LLM can never approve/ });
    await assert.rejects(approvals.reject(llm, id, { reason: 'no' }), { kind: 'forbidden' });
    await assert.rejects(approvals.act(llm, id, validateInput(ToolActionDto, { action: 'approve' })), {
      kind: 'forbidden',
    });
    assert.equal((await row(id)).approval_status, 'pending_review');
    await approvals.approve({ kind: 'admin', name: 'root' }, id, {});
    await assert.rejects(approvals.revoke(llm, id, {}), { kind: 'forbidden' });
    assert.equal((await row(id)).approved_by, 'root');
    await assert.rejects(
      async () => approvals.requestPublish(llm, validateInput(ToolIdDto, { tool_id: 'bad-id' }).tool_id, {}),
      { kind: 'invalid', message: 'tool_id must be a UUID' },
    );
  });

  describe('queue and stats', () => {
    before(async () => {
      await t.db.query('DELETE FROM tools');
      const a = await createTool(weatherId, 'alpha', 'Reads the sky');
      const b = await createTool(weatherId, 'bravo', 'Sends postcards');
      const c = await createTool(mailId, 'charlie', 'Reads mail');
      await createTool(mailId, 'delta');
      await act(b, { action: 'submit_for_review' });
      await act(a, { action: 'submit_for_review' });
      await act(c, { action: 'submit_for_review' });
      await act(c, { action: 'reject', reason: 'no' });
      const e = await createTool(mailId, 'echo');
      await act(e, { action: 'submit_for_review' });
      await act(e, { action: 'approve' });
      await t.db.query(
        `INSERT INTO module_requests (module_name, status, source) VALUES ('dayjs', 'pending', 'llm'), ('zod', 'approved', 'admin'), ('left-pad', 'rejected', 'llm'), ('ms', 'pending', 'llm')`,
      );
      await t.db.query(
        `INSERT INTO network_access_requests (server_id, host, status, source) VALUES ($1, 'a.example', 'approved', 'admin')`,
        [weatherId],
      );
    });

    it('defaults to pending_review, oldest request first, with server name and code', async () => {
      const res = await t.get('/api/approvals/tools', { token });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.body.items.map((x: { name: string }) => x.name),
        ['bravo', 'alpha'],
      );
      assert.equal(res.body.items[0].server_name, 'weather');
      assert.equal(res.body.items[0].code, CODE);
      assert.equal(res.body.total, 2);
    });

    it('filters by status or all, searches name, description and server name, and paginates', async () => {
      const names = async (q: string) =>
        (await t.get(`/api/approvals/tools?${q}`, { token })).body.items.map((x: { name: string }) => x.name).sort();
      assert.deepEqual(await names('status=rejected'), ['charlie']);
      assert.deepEqual(await names('status=draft'), ['delta']);
      assert.deepEqual(await names('status=approved'), ['echo']);
      assert.deepEqual(await names('status=all'), ['alpha', 'bravo', 'charlie', 'delta', 'echo']);
      assert.deepEqual(await names('status=all&search=READS'), ['alpha', 'charlie']);
      assert.deepEqual(await names('status=all&search=mail'), ['charlie', 'delta', 'echo']);
      assert.deepEqual(await names('search=brav'), ['bravo']);
      assert.deepEqual(await names('status=all&search=%25'), []);
      const page = await t.get('/api/approvals/tools?status=all&page=3&page_size=2', { token });
      assert.equal(page.body.items.length, 1);
      assert.equal(page.body.pages, 3);
      assert.equal((await t.get('/api/approvals/tools?status=bogus', { token })).status, 400);
      assert.equal((await t.get('/api/approvals/tools?page_size=500', { token })).status, 400);
      assert.equal((await t.get('/api/approvals/tools')).status, 401);
    });

    it('counts every queue by status', async () => {
      const res = await t.get('/api/approvals/stats', { token });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        tools: { draft: 1, pending_review: 2, approved: 1, rejected: 1 },
        modules: { pending: 2, approved: 1, rejected: 1 },
        network: { pending: 0, approved: 1, rejected: 0 },
      });
      assert.equal((await t.get('/api/approvals/stats')).status, 401);
      assert.equal(await count('tools'), 5);
    });
  });
});
