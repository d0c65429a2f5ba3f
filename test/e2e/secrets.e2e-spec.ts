import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SecretsService } from '../../src/secrets/secrets.service';
import { ServerChangesService, type ServerChange } from '../../src/server-changes/server-changes.service';
import { ExecutionLogsService } from '../../src/sandbox/execution-logs.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';

describe('server secrets', () => {
  let t: TestApp;
  let token: string;
  let serverId: string;
  const changes: ServerChange[] = [];
  const opts = () => ({ token });

  const createServer = async (name: string): Promise<string> => {
    const res = await t.post('/api/servers', { name }, opts());
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const rowCount = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query(`SELECT count(*)::int AS n FROM (${sql}) q`, params)).rows[0].n);

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
    t.app.get(ServerChangesService).subscribe((c) => void changes.push(c));
    serverId = await createServer('secret_keeper');
  });
  after(() => t.close());

  it('creates a placeholder, lists it without a value, and publishes a secrets change', async () => {
    changes.length = 0;
    const res = await t.post(
      `/api/servers/${serverId}/secrets`,
      { key_name: 'API_KEY', description: 'the weather key' },
      opts(),
    );
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.key_name, 'API_KEY');
    assert.equal(res.body.has_value, false);
    assert.equal(res.body.description, 'the weather key');
    assert.deepEqual(Object.keys(res.body).sort(), [
      'created_at',
      'description',
      'has_value',
      'id',
      'key_name',
      'updated_at',
    ]);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/, 'a created record carries its id');
    assert.deepEqual(changes, [{ serverId, kind: 'secrets' }]);

    const list = await t.get(`/api/servers/${serverId}/secrets`, opts());
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 1);
    assert.deepEqual(
      list.body.items.map((s: { key_name: string }) => s.key_name),
      ['API_KEY'],
    );
    assert.deepEqual(
      await t.app.get(SecretsService).valuesFor(serverId),
      {},
      'a placeholder is left out of the sandbox values',
    );
  });

  it('refuses bad key names, duplicates and unknown fields, writing nothing', async () => {
    const before = await rowCount('SELECT 1 FROM server_secrets');
    for (const key_name of ['api_key', 'Api_Key', '1KEY', '_KEY', 'KEY-1', 'KEY 1', '', 'K'.repeat(129)]) {
      const res = await t.post(`/api/servers/${serverId}/secrets`, { key_name }, opts());
      assert.equal(res.status, 400, `${key_name}: ${res.text}`);
      assert.match(JSON.stringify(res.body.message), /key_name/);
    }
    assert.equal(
      (await t.post(`/api/servers/${serverId}/secrets`, { key_name: 'OK_KEY', extra: 1 }, opts())).status,
      400,
    );
    assert.equal((await t.post(`/api/servers/${serverId}/secrets`, {}, opts())).status, 400);
    const dup = await t.post(`/api/servers/${serverId}/secrets`, { key_name: 'API_KEY' }, opts());
    assert.equal(dup.status, 409);
    assert.match(dup.body.message, /API_KEY already exists/);
    assert.equal(await rowCount('SELECT 1 FROM server_secrets'), before);
  });

  it('answers 404 for an unknown server and 400 for a non-UUID id', async () => {
    const unknown = randomUUID();
    assert.equal((await t.get(`/api/servers/${unknown}/secrets`, opts())).status, 404);
    assert.equal((await t.post(`/api/servers/${unknown}/secrets`, { key_name: 'X' }, opts())).status, 404);
    assert.equal((await t.put(`/api/servers/${unknown}/secrets/X`, { value: 'v' }, opts())).status, 404);
    assert.equal((await t.delete(`/api/servers/${unknown}/secrets/X`, opts())).status, 404);
    assert.equal((await t.get('/api/servers/not-a-uuid/secrets', opts())).status, 400);
    assert.equal((await t.post('/api/servers/not-a-uuid/secrets', { key_name: 'X' }, opts())).status, 400);
    assert.equal((await t.get(`/api/servers/${serverId}/secrets`)).status, 401, 'no token');
  });

  it('sets a value encrypted and bound to its key; bad values change nothing', async () => {
    changes.length = 0;
    const res = await t.put(`/api/servers/${serverId}/secrets/API_KEY`, { value: 's3cr3t-weather' }, opts());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.has_value, true);
    assert.equal(res.body.value, undefined);
    assert.deepEqual(changes, [{ serverId, kind: 'secrets' }]);
    const row = (
      await t.db.query(`SELECT encrypted_value FROM server_secrets WHERE server_id = $1 AND key_name = 'API_KEY'`, [
        serverId,
      ])
    ).rows[0];
    assert.match(row.encrypted_value, /^v1:/);
    assert.ok(!row.encrypted_value.includes('s3cr3t'));
    assert.deepEqual(await t.app.get(SecretsService).valuesFor(serverId), { API_KEY: 's3cr3t-weather' });

    const stored = row.encrypted_value;
    for (const [key, body, status] of [
      ['API_KEY', { value: '' }, 400],
      ['API_KEY', { value: 'x'.repeat(64 * 1024 + 1) }, 400],
      ['API_KEY', { value: 'é'.repeat(32 * 1024 + 1) }, 400],
      ['API_KEY', { value: 42 }, 400],
      ['API_KEY', {}, 400],
      ['API_KEY', { value: 'v', other: 1 }, 400],
      ['api_key', { value: 'v' }, 400],
      ['MISSING', { value: 'v' }, 404],
    ] as const) {
      const bad = await t.put(`/api/servers/${serverId}/secrets/${key}`, body, opts());
      assert.equal(bad.status, status, `${key} ${JSON.stringify(body).slice(0, 40)}: ${bad.text.slice(0, 200)}`);
    }
    assert.equal(
      (
        await t.db.query(`SELECT encrypted_value FROM server_secrets WHERE server_id = $1 AND key_name = 'API_KEY'`, [
          serverId,
        ])
      ).rows[0].encrypted_value,
      stored,
    );
    assert.equal(
      await rowCount(`SELECT 1 FROM server_secrets WHERE key_name = 'MISSING'`),
      0,
      'PUT never creates a key',
    );
    const max = await t.put(`/api/servers/${serverId}/secrets/API_KEY`, { value: 'x'.repeat(64 * 1024) }, opts());
    assert.equal(max.status, 200, 'exactly 64 KiB is accepted');
    await t.put(`/api/servers/${serverId}/secrets/API_KEY`, { value: 's3cr3t-weather' }, opts());
  });

  it('refuses a ciphertext moved to another key: that row is left out, the other value is not served', async () => {
    const svc = t.app.get(SecretsService);
    await t.post(`/api/servers/${serverId}/secrets`, { key_name: 'OTHER_KEY' }, opts());
    await t.put(`/api/servers/${serverId}/secrets/OTHER_KEY`, { value: 'other-value' }, opts());
    assert.deepEqual(await svc.valuesFor(serverId), { API_KEY: 's3cr3t-weather', OTHER_KEY: 'other-value' });

    await t.db.query(
      `UPDATE server_secrets SET encrypted_value = (SELECT encrypted_value FROM server_secrets WHERE server_id = $1 AND key_name = 'API_KEY') WHERE server_id = $1 AND key_name = 'OTHER_KEY'`,
      [serverId],
    );
    const values = await svc.valuesFor(serverId);
    assert.deepEqual(
      values,
      { API_KEY: 's3cr3t-weather' },
      'OTHER_KEY does not decrypt under its own AAD and is left out',
    );

    // The same ciphertext moved to another server's row with the same key name is refused too.
    const otherServer = await createServer('other_server');
    await t.post(`/api/servers/${otherServer}/secrets`, { key_name: 'API_KEY' }, opts());
    await t.db.query(
      `UPDATE server_secrets SET encrypted_value = (SELECT encrypted_value FROM server_secrets WHERE server_id = $1 AND key_name = 'API_KEY') WHERE server_id = $2`,
      [serverId, otherServer],
    );
    assert.deepEqual(await svc.valuesFor(otherServer), {});

    const alerts = (
      await t.db.query(
        `SELECT message, details::text AS details FROM activity_logs WHERE log_type = 'alert' ORDER BY created_at`,
      )
    ).rows;
    assert.ok(
      alerts.some((a) => /OTHER_KEY/.test(a.message) && /cannot be decrypted/.test(a.message)),
      JSON.stringify(alerts),
    );
    assert.ok(alerts.every((a) => !`${a.message}${a.details}`.includes('s3cr3t')));

    // Setting the value again repairs the row.
    await t.put(`/api/servers/${serverId}/secrets/OTHER_KEY`, { value: 'other-value' }, opts());
    assert.deepEqual(await svc.valuesFor(serverId), { API_KEY: 's3cr3t-weather', OTHER_KEY: 'other-value' });
  });

  it('deletes a key (204), then 404; the value is gone from the sandbox values', async () => {
    changes.length = 0;
    assert.equal((await t.delete(`/api/servers/${serverId}/secrets/OTHER_KEY`, opts())).status, 204);
    assert.deepEqual(changes, [{ serverId, kind: 'secrets' }]);
    assert.equal((await t.delete(`/api/servers/${serverId}/secrets/OTHER_KEY`, opts())).status, 404);
    assert.equal((await t.delete(`/api/servers/${serverId}/secrets/lower`, opts())).status, 400);
    assert.deepEqual(await t.app.get(SecretsService).valuesFor(serverId), { API_KEY: 's3cr3t-weather' });
  });

  it('never lets a value out: responses, server, export, activity and execution logs', async () => {
    const VALUE = `zz-LEAK-CANARY-${randomUUID()}`;
    const seen: string[] = [];
    const capture = async (p: Promise<{ text: string; status: number }>) => {
      const res = await p;
      seen.push(res.text);
      return res;
    };
    await capture(t.post(`/api/servers/${serverId}/secrets`, { key_name: 'CANARY', description: 'canary' }, opts()));
    assert.equal(
      (await capture(t.put(`/api/servers/${serverId}/secrets/CANARY`, { value: VALUE }, opts()))).status,
      200,
    );
    // Error paths that carry the value in the request.
    await capture(t.put(`/api/servers/${serverId}/secrets/NOPE`, { value: VALUE }, opts()));
    await capture(t.put(`/api/servers/${serverId}/secrets/lower`, { value: VALUE }, opts()));
    await capture(t.put(`/api/servers/${serverId}/secrets/CANARY`, { value: VALUE, extra: VALUE }, opts()));
    await capture(t.put(`/api/servers/${serverId}/secrets/CANARY`, { value: VALUE.repeat(3000) }, opts()));
    await capture(t.put(`/api/servers/${serverId}/secrets/CANARY`, { value: [VALUE] }, opts()));
    await capture(t.put(`/api/servers/${randomUUID()}/secrets/CANARY`, { value: VALUE }, opts()));
    await capture(
      t.request('PUT', `/api/servers/${serverId}/secrets/CANARY`, undefined, { token, raw: `{"value": "${VALUE}"` }),
    );
    await capture(
      t.post(`/api/servers/${serverId}/secrets`, { key_name: 'CANARY', description: VALUE.slice(0, 0) + 'x' }, opts()),
    );
    await capture(t.get(`/api/servers/${serverId}/secrets`, opts()));
    const server = await capture(t.get(`/api/servers/${serverId}`, opts()));
    assert.equal(server.status, 200);
    const exportAll = await capture(t.get('/api/export/servers', opts()));
    const exportOne = await capture(t.get(`/api/export/servers/${serverId}`, opts()));
    assert.equal(exportAll.status, 200, exportAll.text);
    assert.equal(exportOne.status, 200, exportOne.text);
    assert.ok(exportOne.text.includes('CANARY'), 'the export names the key');
    await capture(t.delete(`/api/servers/${serverId}/secrets/CANARY`, opts()));

    for (const text of seen) assert.ok(!text.includes(VALUE), `a response carried the value: ${text.slice(0, 200)}`);
    const activity = (
      await t.db.query(
        `SELECT coalesce(string_agg(message || ' ' || coalesce(details::text, ''), '\n'), '') AS t FROM activity_logs`,
      )
    ).rows[0].t as string;
    assert.ok(activity.includes('CANARY'), 'the trail names the key');
    assert.ok(!activity.includes(VALUE), 'activity_logs carried the value');
    await t.app.get(ExecutionLogsService).drain(); // rows are written behind: check them all
    const execs = (
      await t.db.query(`SELECT coalesce(string_agg(row_to_json(l)::text, '\n'), '') AS t FROM tool_execution_logs l`)
    ).rows[0].t as string;
    assert.ok(!execs.includes(VALUE), 'tool_execution_logs carried the value');
  });
});
