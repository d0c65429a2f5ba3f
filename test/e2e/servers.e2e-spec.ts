import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ServerChangesService } from '../../src/server-changes/server-changes.service';
import { ServerIdDto } from '../../src/common/contract/ids.dto';
import { validateInput } from '../../src/common/contract/validate-input';
import { UnitOfWork } from '../../src/common/unit-of-work/unit-of-work';
import { CreateServerDto } from '../../src/servers/dto/server.dto';
import { ServersService } from '../../src/servers/servers.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';

const CODE = 'export async function main({ city, units = "metric" }) {\n  return `${city} ${units}`;\n}\n';

describe('servers API', () => {
  let t: TestApp;
  let token: string;
  const count = async (table: string, where = 'TRUE', params: unknown[] = []) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n);

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
  });
  after(() => t.close());

  it('needs a token', async () => {
    assert.equal((await t.get('/api/servers')).status, 401);
    assert.equal((await t.post('/api/servers', { name: 'x' })).status, 401);
    assert.equal(await count('servers'), 0);
  });

  it('creates a server with defaults and returns the full shape', async () => {
    const res = await t.post('/api/servers', { name: 'weather', description: 'Weather tools' }, { token });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      { ...res.body, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        name: 'weather',
        description: 'Weather tools',
        status: 'ready',
        allowed_hosts: [],
        default_timeout_ms: 30000,
        tool_count: 0,
        created_at: undefined,
        updated_at: undefined,
      },
    );
    assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
    const audit = await t.db.query(`SELECT message FROM activity_logs WHERE log_type = 'audit' AND server_id = $1`, [
      res.body.id,
    ]);
    assert.match(audit.rows[0].message, /Server weather created by admin/);
  });

  it('refuses names that break the pattern or the length, and bad timeouts, writing nothing', async () => {
    const before = await count('servers');
    for (const body of [
      { name: 'Weather' },
      { name: '1weather' },
      { name: '_weather' },
      { name: 'wea-ther' },
      { name: 'wea ther' },
      { name: '' },
      { name: 'a'.repeat(65) },
      { name: 5 },
      {},
      { name: 'ok_name', default_timeout_ms: 999 },
      { name: 'ok_name', default_timeout_ms: 300001 },
      { name: 'ok_name', default_timeout_ms: 1.5 },
      { name: 'ok_name', status: 'running' },
      { name: 'ok_name', allowed_hosts: [{ host: 'evil.example', port: null }] },
    ]) {
      const res = await t.post('/api/servers', body, { token });
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
      assert.equal(res.body.error, 'Bad Request');
    }
    const long = await t.post('/api/servers', { name: 'a'.repeat(65) }, { token });
    assert.match(JSON.stringify(long.body.message), /name/);
    assert.equal(await count('servers'), before);
    // 64 characters is the limit, not beyond it.
    const max = await t.post('/api/servers', { name: 'a'.repeat(64) }, { token });
    assert.equal(max.status, 201, max.text);
  });

  it('refuses a duplicate name with 409 and keeps one row', async () => {
    const res = await t.post('/api/servers', { name: 'weather' }, { token });
    assert.equal(res.status, 409);
    assert.match(res.body.message, /already exists/);
    assert.equal(await count('servers', 'name = $1', ['weather']), 1);
  });

  it('lists servers by name with tool counts, paginated', async () => {
    const a = await t.post('/api/servers', { name: 'alpha' }, { token });
    await t.post(`/api/servers/${a.body.id}/tools`, { name: 't1', description: '', code: CODE }, { token });
    await t.post(`/api/servers/${a.body.id}/tools`, { name: 't2', description: '', code: CODE }, { token });
    const all = await t.get('/api/servers', { token });
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.items.map((s: { name: string }) => s.name),
      ['a'.repeat(64), 'alpha', 'weather'],
    );
    assert.equal(all.body.items.find((s: { name: string }) => s.name === 'alpha').tool_count, 2);
    assert.equal(all.body.items.find((s: { name: string }) => s.name === 'weather').tool_count, 0);
    const page = await t.get('/api/servers?page=2&page_size=2', { token });
    assert.deepEqual(
      {
        total: page.body.total,
        page: page.body.page,
        page_size: page.body.page_size,
        pages: page.body.pages,
        n: page.body.items.length,
      },
      { total: 3, page: 2, page_size: 2, pages: 2, n: 1 },
    );
    assert.equal((await t.get('/api/servers?page_size=101', { token })).status, 400);
    assert.equal((await t.get('/api/servers?page=0', { token })).status, 400);
  });

  it('gets a server with its tools in summary form (no code)', async () => {
    const list = await t.get('/api/servers', { token });
    const alpha = list.body.items.find((s: { name: string }) => s.name === 'alpha');
    const res = await t.get(`/api/servers/${alpha.id}`, { token });
    assert.equal(res.status, 200);
    assert.equal(res.body.tool_count, 2);
    assert.deepEqual(
      res.body.tools.map((x: { name: string }) => x.name),
      ['t1', 't2'],
    );
    assert.equal('code' in res.body.tools[0], false);
    assert.equal(res.body.tools[0].approval_status, 'draft');
  });

  it('answers 400 for a non-UUID id and 404 for an unknown one', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { description: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const bad = await t.request(method, '/api/servers/not-a-uuid', body, { token });
      assert.equal(bad.status, 400, `${method} ${bad.text}`);
      assert.match(bad.body.message, /id must be a UUID/);
      const missing = await t.request(method, `/api/servers/${randomUUID()}`, body, { token });
      assert.equal(missing.status, 404, `${method} ${missing.text}`);
      assert.match(missing.body.message, /not found/);
    }
  });

  it('patches name, description and default_timeout_ms', async () => {
    const created = await t.post('/api/servers', { name: 'patchme' }, { token });
    const id = created.body.id;
    const res = await t.patch(
      `/api/servers/${id}`,
      { name: 'patched', description: 'now described', default_timeout_ms: 1000 },
      { token },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, 'patched');
    assert.equal(res.body.description, 'now described');
    assert.equal(res.body.default_timeout_ms, 1000);
    const cleared = await t.patch(`/api/servers/${id}`, { description: null }, { token });
    assert.equal(cleared.body.description, null);
    const row = (await t.db.query('SELECT name, default_timeout_ms FROM servers WHERE id = $1', [id])).rows[0];
    assert.deepEqual(row, { name: 'patched', default_timeout_ms: 1000 });
  });

  it('refuses bad patches and changes nothing', async () => {
    const id = (await t.get('/api/servers', { token })).body.items.find(
      (s: { name: string }) => s.name === 'patched',
    ).id;
    for (const body of [
      {},
      { name: 'Bad' },
      { name: 'x'.repeat(65) },
      { default_timeout_ms: 0 },
      { default_timeout_ms: 300001 },
      { allowed_hosts: [] },
      { status: 'running' },
    ]) {
      const res = await t.patch(`/api/servers/${id}`, body, { token });
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
    }
    const dup = await t.patch(`/api/servers/${id}`, { name: 'weather' }, { token });
    assert.equal(dup.status, 409);
    const row = (await t.db.query('SELECT name, default_timeout_ms, status FROM servers WHERE id = $1', [id])).rows[0];
    assert.deepEqual(row, { name: 'patched', default_timeout_ms: 1000, status: 'ready' });
  });

  it('deletes a server with everything beneath it and publishes the deletion after the commit', async () => {
    const seen: { serverId: string; kind: string; rows: number }[] = [];
    const unsubscribe = t.app.get(ServerChangesService).subscribe(async (c) => {
      // Published after the commit: the row is already gone for any other connection.
      seen.push({
        ...c,
        rows: Number(
          (await t.db.query('SELECT count(*)::int AS n FROM servers WHERE id = $1', [c.serverId])).rows[0].n,
        ),
      });
    });
    try {
      const server = await t.post('/api/servers', { name: 'doomed' }, { token });
      const id = server.body.id;
      const tool = await t.post(`/api/servers/${id}/tools`, { name: 'gone', description: '', code: CODE }, { token });
      assert.equal(tool.status, 201, tool.text);
      await t.patch(`/api/tools/${tool.body.id}`, { code: CODE.replace('metric', 'imperial') }, { token });
      await t.db.query(`INSERT INTO server_secrets (server_id, key_name) VALUES ($1, 'API_KEY')`, [id]);
      await t.db.query(
        `INSERT INTO network_access_requests (server_id, tool_id, host, status, source) VALUES ($1, $2, 'api.example.com', 'pending', 'llm')`,
        [id, tool.body.id],
      );
      await t.db.query(
        `INSERT INTO module_requests (server_id, tool_id, module_name, status, source) VALUES ($1, $2, 'dayjs', 'pending', 'llm')`,
        [id, tool.body.id],
      );
      assert.equal(await count('tool_versions', 'tool_id = $1', [tool.body.id]), 2);

      const res = await t.delete(`/api/servers/${id}`, { token });
      assert.equal(res.status, 204, res.text);
      assert.equal(await count('servers', 'id = $1', [id]), 0);
      assert.equal(await count('tools', 'server_id = $1', [id]), 0);
      assert.equal(await count('tool_versions', 'tool_id = $1', [tool.body.id]), 0);
      assert.equal(await count('server_secrets', 'server_id = $1', [id]), 0);
      assert.equal(await count('network_access_requests', 'server_id = $1', [id]), 0);
      assert.equal(await count('module_requests', 'server_id = $1', [id]), 0);
      assert.equal(await count('activity_logs', 'server_id = $1', [id]), 0);
      assert.deepEqual(
        seen.filter((c) => c.serverId === id && c.kind === 'deleted'),
        [{ serverId: id, kind: 'deleted', rows: 0 }],
      );
      const audit = await t.db.query(
        `SELECT details FROM activity_logs WHERE log_type = 'audit' AND message LIKE 'Server doomed deleted by admin%'`,
      );
      assert.equal(audit.rows[0].details.server_id, id);
      assert.equal((await t.get(`/api/servers/${id}`, { token })).status, 404);
      assert.equal((await t.delete(`/api/servers/${id}`, { token })).status, 404);
    } finally {
      unsubscribe();
    }
  });

  it('ServersService rejects bad input the same way when called directly (the MCP path)', async () => {
    const servers = t.app.get(ServersService);
    const llm = { kind: 'llm' as const, name: 'claude' };
    // The MCP path: the tool's arguments are validated against the operation's DTO, then the service runs.
    const create = async (args: unknown) => servers.create(llm, validateInput(CreateServerDto, args));
    await assert.rejects(create({ name: 'BAD' }), { kind: 'invalid' });
    await assert.rejects(create({ name: 'x', default_timeout_ms: 5 }), { kind: 'invalid' });
    await assert.rejects(async () => servers.get(llm, validateInput(ServerIdDto, { server_id: 'nope' }).server_id), {
      kind: 'invalid',
      message: 'server_id must be a UUID',
    });
    await assert.rejects(servers.findOrFail(randomUUID()), { kind: 'not_found' });
    const s = await create({ name: 'from_llm' });
    assert.equal((await servers.findOrFail(s.id)).name, 'from_llm');
  });

  it('create joins a caller transaction: a rollback leaves nothing behind', async () => {
    const servers = t.app.get(ServersService);
    const uow = t.app.get(UnitOfWork);
    await assert.rejects(
      uow.run(async () => {
        const s = await servers.create(
          { kind: 'admin', name: 'admin' },
          validateInput(CreateServerDto, { name: 'in_tx' }),
        );
        assert.equal((await servers.findOrFail(s.id)).name, 'in_tx');
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(await count('servers', 'name = $1', ['in_tx']), 0);
    assert.equal(await count('activity_logs', "message LIKE 'Server in_tx%'"), 0);
  });
});
