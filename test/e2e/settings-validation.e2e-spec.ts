import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, setupAdmin, startApp, type ApiResponse, type TestApp } from '../support/app';

const DEFAULTS = {
  tool_approval_mode: 'require_approval',
  network_access_policy: 'require_approval',
  module_approval_mode: 'require_approval',
  remote_tool_editing: 'disabled',
  redact_secrets_in_output: 'enabled',
  log_retention_days: 30,
  mcp_rate_limit_rpm: 300,
} as const;
const POLICY_KEYS = Object.keys(DEFAULTS).sort();

describe('settings and security policy: reading and bad input', () => {
  let t: TestApp;
  let token: string;

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
  });
  after(() => t.close());

  const policy = () => t.get('/api/settings/security-policy', { token });
  const patch = (body: unknown) => t.patch('/api/settings/security-policy', body, { token });
  const settingsRows = async () =>
    (await t.db.query('SELECT key, value, encrypted, updated_at FROM settings ORDER BY key')).rows;
  const auditRows = async () =>
    (
      await t.db.query(
        "SELECT message, details FROM activity_logs WHERE log_type = 'audit' AND message LIKE 'Security policy%' ORDER BY created_at",
      )
    ).rows;

  /** A refused PATCH: 400 naming every offending field, and the policy, table and audit untouched. */
  async function assertRefused(body: unknown, fields: string[], notNamed: string[] = []): Promise<ApiResponse> {
    const beforePolicy = (await policy()).body;
    const beforeRows = await settingsRows();
    const beforeAudit = await auditRows();
    const res = await patch(body);
    assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
    assert.equal(res.body.statusCode, 400);
    assert.equal(res.body.error, 'Bad Request');
    const text = JSON.stringify(res.body.message);
    for (const f of fields) assert.match(text, new RegExp(`\\b${f}\\b`), `${f} named in ${text}`);
    for (const f of notNamed) assert.doesNotMatch(text, new RegExp(`\\b${f}\\b`), `${f} not named in ${text}`);
    assert.deepEqual((await policy()).body, beforePolicy, 'policy unchanged');
    assert.deepEqual(await settingsRows(), beforeRows, 'settings table unchanged');
    assert.deepEqual(await auditRows(), beforeAudit, 'nothing audited');
    return res;
  }

  it('lists every policy key on GET /api/settings with value, description and default', async () => {
    const res = await t.get('/api/settings', { token });
    assert.equal(res.status, 200, res.text);
    const items = res.body.items as {
      key: string;
      value: unknown;
      description: string;
      default: unknown;
      encrypted: boolean;
    }[];
    for (const [key, def] of Object.entries(DEFAULTS)) {
      const item = items.find((i) => i.key === key);
      assert.ok(item, `${key} listed`);
      assert.equal(item.value, def);
      assert.equal(item.default, def);
      assert.equal(item.encrypted, false);
      assert.equal(typeof item.description, 'string');
      assert.ok(item.description.length > 10, `${key} has a description`);
    }
  });

  it('returns all 7 policy keys with the strictest defaults', async () => {
    const res = await policy();
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), POLICY_KEYS);
    assert.deepEqual(res.body, DEFAULTS);
  });

  it('needs a token for all three routes, and changes nothing without one', async () => {
    const rows = await settingsRows();
    for (const res of [
      await t.get('/api/settings'),
      await t.get('/api/settings/security-policy'),
      await t.patch('/api/settings/security-policy', { tool_approval_mode: 'auto_approve' }),
    ]) {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.statusCode, 401);
    }
    assert.deepEqual(await settingsRows(), rows);
    assert.deepEqual((await policy()).body, DEFAULTS);
  });

  it('refuses an unknown key', async () => {
    await assertRefused({ no_such_setting: 'x' }, ['no_such_setting']);
    await assertRefused({ allowed_modules: [] }, ['allowed_modules']);
  });

  it('refuses a value outside its set', async () => {
    await assertRefused({ tool_approval_mode: 'sometimes' }, ['tool_approval_mode']);
    await assertRefused({ network_access_policy: 'allow_all' }, ['network_access_policy']);
    await assertRefused({ redact_secrets_in_output: true }, ['redact_secrets_in_output']);
    await assertRefused({ remote_tool_editing: null }, ['remote_tool_editing']);
    await assertRefused({ module_approval_mode: 'AUTO_APPROVE' }, ['module_approval_mode']);
    await assertRefused({ mcp_rate_limit_rpm: 0 }, ['mcp_rate_limit_rpm']);
  });

  it('refuses log_retention_days of 0, 3651, a string, a fraction and a negative', async () => {
    for (const v of [0, 3651, '30', 30.5, -1, null])
      await assertRefused({ log_retention_days: v }, ['log_retention_days']);
  });

  it('refuses an empty body', async () => {
    const res = await assertRefused({}, []);
    assert.match(JSON.stringify(res.body.message), /at least one/i);
  });

  it('refuses a body that is not an object', async () => {
    for (const raw of ['[]', '"auto_approve"', '42', 'null']) {
      const before = await settingsRows();
      const res = await t.request('PATCH', '/api/settings/security-policy', undefined, { raw, token });
      assert.equal(res.status, 400, `${raw} → ${res.status} ${res.text}`);
      assert.deepEqual(await settingsRows(), before);
    }
  });

  it('keeps nothing of a body with one good and one bad key, naming only the bad one', async () => {
    await assertRefused(
      { tool_approval_mode: 'auto_approve', log_retention_days: 0 },
      ['log_retention_days'],
      ['tool_approval_mode'],
    );
    await assertRefused({ network_access_policy: 'allow_all_public', bogus: 1 }, ['bogus'], ['network_access_policy']);
    await assertRefused(
      { redact_secrets_in_output: 'disabled', mcp_rate_limit_rpm: 'fast', bogus: 1 },
      ['mcp_rate_limit_rpm', 'bogus'],
      ['redact_secrets_in_output'],
    );
    assert.deepEqual((await policy()).body, DEFAULTS);
  });

  it('applies a good PATCH: 200 with the whole policy, visible in GET, audited with reviewer and old and new values', async () => {
    const res = await patch({ tool_approval_mode: 'auto_approve', log_retention_days: 90 });
    assert.equal(res.status, 200, res.text);
    const expected = { ...DEFAULTS, tool_approval_mode: 'auto_approve', log_retention_days: 90 };
    assert.deepEqual(res.body, expected);
    assert.deepEqual((await policy()).body, expected);
    const listed = (await t.get('/api/settings', { token })).body.items as {
      key: string;
      value: unknown;
      default: unknown;
      updated_at: string | null;
    }[];
    const retention = listed.find((i) => i.key === 'log_retention_days');
    assert.equal(retention?.value, 90);
    assert.equal(retention?.default, 30);
    assert.notEqual(retention?.updated_at, null);
    assert.deepEqual((await t.get('/api/config', { token })).body.policy, expected);

    const rows = await settingsRows();
    assert.deepEqual(
      rows.map((r) => [r.key, JSON.parse(r.value)]),
      [
        ['log_retention_days', 90],
        ['tool_approval_mode', 'auto_approve'],
      ],
    );
    const audit = await auditRows();
    assert.equal(audit.length, 1);
    assert.equal(audit[0].details.reviewer, ADMIN.username);
    const changes = [...audit[0].details.changes].sort((a: { key: string }, b: { key: string }) =>
      a.key.localeCompare(b.key),
    );
    assert.deepEqual(changes, [
      { key: 'log_retention_days', old_value: 30, new_value: 90 },
      { key: 'tool_approval_mode', old_value: 'require_approval', new_value: 'auto_approve' },
    ]);
    assert.match(audit[0].message, new RegExp(ADMIN.username));
  });

  it('records no audit entry for a PATCH that changes nothing', async () => {
    const before = await auditRows();
    const res = await patch({ tool_approval_mode: 'auto_approve' });
    assert.equal(res.status, 200);
    assert.deepEqual(await auditRows(), before);
  });

  it('masks an encrypted setting in GET /api/settings', async () => {
    const sealed = 'v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBB==:c2VjcmV0LXZhbHVl';
    await t.db.query(
      "INSERT INTO settings (key, value, encrypted, description) VALUES ('smtp_password', $1, true, 'Mail relay password'), ('plain_note', '\"hello\"', false, null)",
      [sealed],
    );
    const res = await t.get('/api/settings', { token });
    assert.equal(res.status, 200, res.text);
    const secret = res.body.items.find((i: { key: string }) => i.key === 'smtp_password');
    assert.equal(secret.value, '********');
    assert.equal(secret.encrypted, true);
    assert.equal(secret.description, 'Mail relay password');
    assert.ok(!res.text.includes(sealed) && !res.text.includes('c2VjcmV0LXZhbHVl'), 'the stored value never appears');
    assert.equal(res.body.items.find((i: { key: string }) => i.key === 'plain_note').value, 'hello');
  });
});
