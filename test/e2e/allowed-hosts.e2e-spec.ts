import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ServerChangesService, type ServerChange } from '../../src/server-changes/server-changes.service';
import { setupAdmin, startApp, ADMIN, type TestApp } from '../support/app';

describe('allowed hosts (admin network records)', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  const changes: ServerChange[] = [];
  const opts = () => ({ token });
  const add = (body: unknown, id = serverId) => t.post(`/api/servers/${id}/allowed-hosts`, body, opts());
  const remove = (body: unknown, id = serverId) =>
    t.request('DELETE', `/api/servers/${id}/allowed-hosts`, body, opts());
  const records = async () =>
    (
      await t.db.query(
        `SELECT host, port, source, status, reviewed_by, reviewed_at, tool_id FROM network_access_requests WHERE server_id = $1 ORDER BY host, port NULLS FIRST`,
        [serverId],
      )
    ).rows;
  const cache = async () =>
    (await t.db.query(`SELECT allowed_hosts FROM servers WHERE id = $1`, [serverId])).rows[0].allowed_hosts;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    t.app.get(ServerChangesService).subscribe((c) => void changes.push(c));
    const res = await t.post('/api/servers', { name: 'net_server' }, opts());
    assert.equal(res.status, 201, res.text);
    serverId = res.body.id;
  });
  after(() => t.close());

  it('adds an approved admin record in canonical form and returns the recomputed cache', async () => {
    changes.length = 0;
    const res = await add({ host: 'API.Example.com.', port: 443 });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body, { server_id: serverId, allowed_hosts: [{ host: 'api.example.com', port: 443 }] });
    const [row] = await records();
    assert.equal(row.host, 'api.example.com');
    assert.equal(row.port, 443);
    assert.equal(row.source, 'admin');
    assert.equal(row.status, 'approved');
    assert.equal(row.reviewed_by, ADMIN.username);
    assert.ok(row.reviewed_at);
    assert.equal(row.tool_id, null);
    assert.deepEqual(changes, [{ serverId, kind: 'network' }]);

    const any = await add({ host: '2130706433' });
    assert.equal(any.status, 201, any.text);
    assert.deepEqual(any.body.allowed_hosts, [
      { host: '127.0.0.1', port: null },
      { host: 'api.example.com', port: 443 },
    ]);
    assert.equal((await add({ host: '[2001:DB8::1]', port: 8443 })).status, 201);
    assert.deepEqual(await cache(), [
      { host: '127.0.0.1', port: null },
      { host: '2001:db8::1', port: 8443 },
      { host: 'api.example.com', port: 443 },
    ]);
    const audit = (
      await t.db.query(
        `SELECT message FROM activity_logs WHERE log_type = 'audit' AND server_id = $1 AND message LIKE 'Host %'`,
        [serverId],
      )
    ).rows;
    assert.equal(audit.length, 3);
  });

  it('refuses bad hosts and ports with 400 and writes nothing', async () => {
    const beforeRows = await records();
    const beforeCache = await cache();
    for (const body of [
      { host: 'https://api.example.com' },
      { host: 'api.example.com/v1' },
      { host: 'api.example.com:443' },
      { host: ' api.example.com' },
      { host: 'api example.com' },
      { host: '' },
      { host: 'a'.repeat(250) + '.com' },
      { host: '*.example.com' },
      { host: 'user@example.com' },
      { host: 'api.example.com', port: 0 },
      { host: 'api.example.com', port: 65536 },
      { host: 'api.example.com', port: '443' },
      { host: 'api.example.com', port: 1.5 },
      { host: 42 },
      {},
      { host: 'ok.example.com', extra: true },
    ]) {
      const res = await add(body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${res.status} ${res.text}`);
    }
    assert.deepEqual(await records(), beforeRows);
    assert.deepEqual(await cache(), beforeCache);
  });

  it('answers 409 for a duplicate (in any spelling), 404 for an unknown server, 400 for a non-UUID', async () => {
    const dup = await add({ host: 'api.EXAMPLE.com', port: 443 });
    assert.equal(dup.status, 409);
    assert.match(dup.body.message, /already allowed/);
    assert.equal((await add({ host: '0x7f.0.0.1' })).status, 409);
    assert.equal((await add({ host: 'api.example.com', port: 444 })).status, 201, 'another port is another record');
    assert.equal((await add({ host: 'x.example.com' }, randomUUID())).status, 404);
    assert.equal((await add({ host: 'x.example.com' }, 'nope')).status, 400);
    assert.equal((await remove({ host: 'x.example.com' }, randomUUID())).status, 404);
  });

  it('removes exactly the admin record for host and port; 404 when there is none', async () => {
    changes.length = 0;
    const res = await remove({ host: 'api.example.com', port: 444 });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.allowed_hosts, [
      { host: '127.0.0.1', port: null },
      { host: '2001:db8::1', port: 8443 },
      { host: 'api.example.com', port: 443 },
    ]);
    assert.deepEqual(changes, [{ serverId, kind: 'network' }]);
    assert.equal((await remove({ host: 'api.example.com', port: 444 })).status, 404);
    assert.equal(
      (await remove({ host: 'api.example.com' })).status,
      404,
      'any-port is a different record from port 443',
    );
    assert.equal((await remove({ host: 'http://api.example.com' })).status, 400);
    assert.equal((await remove(undefined)).status, 400);
    assert.equal((await remove({ host: '127.0.0.1' })).status, 200);
    assert.deepEqual(await cache(), [
      { host: '2001:db8::1', port: 8443 },
      { host: 'api.example.com', port: 443 },
    ]);
  });

  it('rebuilds the cache from every approved record (an approved tool request counts, a pending one does not)', async () => {
    await t.db.query(
      `INSERT INTO network_access_requests (server_id, host, port, status, source, requested_by) VALUES ($1, 'llm.example.com', NULL, 'approved', 'llm', 'llm'), ($1, 'pending.example.com', NULL, 'pending', 'llm', 'llm')`,
      [serverId],
    );
    // Any admin change recomputes from the records: the approved tool request appears, the pending one does not.
    const res = await add({ host: 'b.example.com' });
    assert.deepEqual(
      res.body.allowed_hosts.map((h: { host: string }) => h.host),
      ['2001:db8::1', 'api.example.com', 'b.example.com', 'llm.example.com'],
    );
    assert.equal(
      (await remove({ host: 'llm.example.com' })).status,
      404,
      'an approved tool request is not an admin record',
    );
  });
});
