import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { PackageInstaller } from '../../src/modules/packages/package-installer';
import { ServerChangesService, type ModulesChange } from '../../src/server-changes/server-changes.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, firstText } from '../support/mcp';
import { startFixtureWorld, type FixtureWorld } from '../support/npm-fixtures';
import { createServerVia, createToolVia } from './sandbox-fixtures';

/**
 * Module requests, their queue and the /api/settings/modules routes, against a registry on
 * 127.0.0.1 serving real packuments and `npm pack` tarballs (test/support/npm-fixtures.ts:
 * a copy of the real `yaml`, a package needing `fs`, one with install scripts, a tampered
 * tarball, one with a critical advisory...). The LLM asks over /mcp; the admin decides over
 * the API.
 */
describe('module requests and the module store', () => {
  let world: FixtureWorld;
  let t: TestApp;
  let token: string;
  let client: Client;
  let toolId: string;
  let otherToolId: string;
  const events: ModulesChange[] = [];

  const mcp = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    return { isError: result.isError === true, text: firstText(result), value: result.structuredContent as any };
  };
  const request = (module_name: string, tool = toolId) =>
    mcp('mcpbox_request_module', { tool_id: tool, module_name, justification: `the tool needs ${module_name}` });
  const requested = async (module_name: string, tool = toolId): Promise<string> => {
    const r = await request(module_name, tool);
    assert.equal(r.isError, false, r.text);
    assert.equal(r.value.status, 'pending');
    return r.value.id as string;
  };
  const act = (id: string, body: Record<string, unknown>) =>
    t.post(`/api/approvals/modules/${id}/action`, body, { token });
  const allowed = async () => (await t.get('/api/settings/modules', { token })).body.allowed_modules as string[];
  const rowOf = async (id: string) => (await t.db.query('SELECT * FROM module_requests WHERE id = $1', [id])).rows[0];
  const installer = () => t.app.get(PackageInstaller);

  before(async () => {
    world = await startFixtureWorld();
    t = await startApp({ MCPBOX_NPM_REGISTRY: world.registry.url });
    token = await setupAdmin(t);
    await t.patch('/api/settings/security-policy', { mcp_rate_limit_rpm: 100000 }, { token });
    t.app.get(ServerChangesService).subscribeModules((c) => void events.push(c));
    const serverId = await createServerVia(t, token, 'docs');
    toolId = (
      await createToolVia(t, token, serverId, {
        name: 'parse_yaml',
        code: 'import { parse } from "yaml";\nexport async function main({ text }) { return parse(text); }',
      })
    ).id;
    otherToolId = (
      await createToolVia(t, token, serverId, { name: 'other', code: 'export async function main() { return 1 }' })
    ).id;
    client = await connectMcp(`${t.url}/mcp`, 'modern', { name: 'module-llm' });
  });
  after(async () => {
    await client?.close();
    await t?.close();
    await world?.cleanup();
  });

  it('an LLM asks for yaml; the admin approves: installed from the registry, allowed for every tool, audited, announced', async () => {
    const before = await t.post(
      '/api/tools/validate-code',
      { code: 'import { parse } from "yaml";\nexport async function main() { return parse("a: 1") }' },
      { token },
    );
    assert.deepEqual(before.body.disallowed_imports, ['yaml']);
    const id = await requested('yaml');

    const queue = await t.get('/api/approvals/modules', { token });
    assert.equal(queue.status, 200, queue.text);
    assert.deepEqual(Object.keys(queue.body).sort(), ['items', 'page', 'page_size', 'pages', 'total']);
    assert.equal(queue.body.total, 1);
    const item = queue.body.items[0];
    assert.equal(item.id, id);
    assert.equal(item.tool_name, 'parse_yaml');
    assert.equal(item.server_name, 'docs');
    assert.equal(item.requested_by, 'mcp:module-llm');
    assert.equal(item.justification, 'the tool needs yaml');
    assert.equal(item.source, 'llm');

    events.length = 0;
    const approved = await act(id, { action: 'approve' });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.status, 'approved');
    assert.equal(approved.body.reviewed_by, 'admin');
    assert.deepEqual(await allowed(), ['yaml']);
    assert.deepEqual(events, [{ allowed: ['yaml'], added: ['yaml'], removed: [], updated: [] }]);

    const stored = await installer().readBundle('yaml');
    assert.ok(stored, 'the bundle is in the module store');
    assert.equal(stored.module.version, world.yaml.version);
    assert.equal(stored.module.integrity, world.yaml.integrity, "checked against the registry's dist.integrity");
    const record = (await t.db.query(`SELECT * FROM installed_modules WHERE module_name = 'yaml'`)).rows[0];
    assert.equal(record.version, world.yaml.version);
    assert.equal(record.bundle_sha256, stored.module.bundleSha256);
    assert.equal(record.installed_by, 'admin');

    const enhanced = (await t.get('/api/settings/modules/enhanced', { token })).body;
    const yaml = enhanced.modules.find((m: { name: string }) => m.name === 'yaml');
    assert.equal(yaml.installed, true);
    assert.equal(yaml.allowed, true);
    assert.equal(yaml.version, world.yaml.version);
    assert.equal(yaml.integrity, world.yaml.integrity);
    assert.equal(yaml.bundle_bytes, stored.module.bytes);
    assert.equal(yaml.source, 'llm');
    assert.equal(yaml.approved_by, 'admin');

    const audit = await t.db.query(
      `SELECT details FROM activity_logs WHERE log_type = 'audit' AND details->>'request_id' = $1 AND details->>'decision' = 'approve'`,
      [id],
    );
    assert.equal(audit.rows.length, 1);
    assert.equal(audit.rows[0].details.reviewer, 'admin');
    assert.equal(audit.rows[0].details.integrity, world.yaml.integrity);

    const after = await t.post(
      '/api/tools/validate-code',
      { code: 'import { parse } from "yaml";\nexport async function main() { return parse("a: 1") }' },
      { token },
    );
    assert.deepEqual(after.body.disallowed_imports, [], 'allowed modules are global');

    const again = await act(id, { action: 'reject', reason: 'changed my mind' });
    assert.equal(again.status, 409, 'a decided request cannot be decided again');
    assert.match(again.body.message, /already approved by admin/);
    const already = await request('yaml', otherToolId);
    assert.equal(already.isError, true);
    assert.match(already.text, /already allowed/);
  });

  it('at most one pending request per (tool, module): the database constraint answers concurrent duplicates', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => request('tiny-greet')));
    assert.equal(results.filter((r) => !r.isError).length, 1, results.map((r) => r.text).join('\n'));
    for (const r of results.filter((x) => x.isError)) assert.match(r.text, /already pending/);
    const rows = await t.db.query(
      `SELECT count(*)::int AS n FROM module_requests WHERE module_name = 'tiny-greet' AND status = 'pending'`,
    );
    assert.equal(rows.rows[0].n, 1);
    assert.equal((await request('tiny-greet', otherToolId)).isError, false, 'another tool may ask for it too');
  });

  it('a package that needs fs is refused with the reason, and its request stays pending', async () => {
    const id = await requested('needs-fs');
    events.length = 0;
    const res = await act(id, { action: 'approve' });
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.details.reason, 'node_builtin');
    assert.match(res.body.message, /\bfs\b/);
    assert.equal((await rowOf(id)).status, 'pending');
    assert.equal(await installer().get('needs-fs'), null, 'nothing installed');
    assert.ok(!(await allowed()).includes('needs-fs'));
    assert.deepEqual(events, [], 'nothing announced');
  });

  it('a tarball that does not match its integrity is refused; the request stays pending', async () => {
    const id = await requested('tampered');
    const res = await act(id, { action: 'approve' });
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.details.reason, 'integrity_mismatch', res.text);
    assert.equal((await rowOf(id)).status, 'pending');
    assert.equal(await installer().get('tampered'), null);
  });

  it("a package's install scripts never run; the install lists them", async () => {
    const id = await requested('install-script');
    const res = await act(id, { action: 'approve' });
    assert.equal(res.status, 200, res.text);
    for (const script of ['preinstall', 'install', 'postinstall'])
      assert.equal(existsSync(`${world.marker}.${script}`), false, `${script} did not run`);
    const reinstall = await t.post('/api/settings/modules/install-script/install', {}, { token });
    assert.equal(reinstall.status, 200, reinstall.text);
    assert.equal(reinstall.body.ignored_install_scripts.length, 3, JSON.stringify(reinstall.body));
    assert.equal(existsSync(`${world.marker}.postinstall`), false);
  });

  it('a critical advisory refuses the approval unless the admin overrides it, and the override is audited', async () => {
    const id = await requested('uses-vuln');
    const refused = await act(id, { action: 'approve' });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.details.reason, 'critical_advisory', refused.text);
    assert.equal((await rowOf(id)).status, 'pending');
    const overridden = await act(id, { action: 'approve', allow_critical: true });
    assert.equal(overridden.status, 200, overridden.text);
    const audit = await t.db.query(
      `SELECT details FROM activity_logs WHERE details->>'request_id' = $1 AND details->>'decision' = 'approve'`,
      [id],
    );
    assert.equal(audit.rows[0].details.critical_override, true);
    const enhanced = (await t.get('/api/settings/modules/enhanced', { token })).body.modules;
    assert.equal(enhanced.find((m: { name: string }) => m.name === 'uses-vuln').critical_override, true);
  });

  it('a rejection needs a reason; the LLM sees it in its views', async () => {
    const id = await requested('esm-util');
    const noReason = await act(id, { action: 'reject' });
    assert.equal(noReason.status, 400);
    assert.match(JSON.stringify(noReason.body.message), /reason is required/);
    const critical = await act(id, { action: 'reject', reason: 'no', allow_critical: true });
    assert.equal(critical.status, 400, 'allow_critical is for approve only');
    const withReason = await act(id, { action: 'approve', reason: 'because' });
    assert.equal(withReason.status, 400, 'reason is for reject only');
    const rejected = await act(id, { action: 'reject', reason: 'use the built-in string methods' });
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.body.rejection_reason, 'use the built-in string methods');

    const status = await mcp('mcpbox_get_tool_status', { tool_id: toolId });
    assert.equal(status.isError, false, status.text);
    const mine = status.value.module_requests.find((r: { id: string }) => r.id === id);
    assert.equal(mine.status, 'rejected');
    assert.equal(mine.rejection_reason, 'use the built-in string methods');
    const pending = await mcp('mcpbox_list_pending_requests', {});
    assert.equal(pending.isError, false, pending.text);
    const names = pending.value.module_requests.map(
      (r: { module_name: string; status: string }) => `${r.module_name}:${r.status}`,
    );
    assert.ok(names.includes('esm-util:rejected'), names.join());
    assert.ok(names.includes('needs-fs:pending'), names.join());
    assert.ok(!names.some((n: string) => n.startsWith('yaml:')), 'approved requests are not pending');
  });

  it('the queue: status filter (all), search, pagination, and bad queries', async () => {
    const all = await t.get('/api/approvals/modules?status=all&page_size=2', { token });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.items.length, 2);
    assert.equal(all.body.page_size, 2);
    assert.equal(all.body.pages, Math.ceil(all.body.total / 2));
    const rejected = await t.get('/api/approvals/modules?status=rejected', { token });
    assert.deepEqual(
      rejected.body.items.map((r: { module_name: string }) => r.module_name),
      ['esm-util'],
    );
    const search = await t.get('/api/approvals/modules?status=all&search=TAMPER', { token });
    assert.deepEqual(
      search.body.items.map((r: { module_name: string }) => r.module_name),
      ['tampered'],
    );
    for (const q of ['status=pending_review', 'status=', 'page_size=101', 'page=0', 'x=1', `search=${'s'.repeat(201)}`])
      assert.equal((await t.get(`/api/approvals/modules?${q}`, { token })).status, 400, q);
    assert.equal((await act('not-a-uuid', { action: 'approve' })).status, 400);
    assert.equal((await act('3f2b8a1e-5c4d-4e6f-9a8b-7c6d5e4f3a2b', { action: 'approve' })).status, 404);
    assert.equal((await act('3f2b8a1e-5c4d-4e6f-9a8b-7c6d5e4f3a2b', { action: 'maybe' })).status, 400);

    const stats = (await t.get('/api/approvals/stats', { token })).body;
    const counts = await t.db.query('SELECT status, count(*)::int AS n FROM module_requests GROUP BY status');
    for (const { status, n } of counts.rows) assert.equal(stats.modules[status], n, status);
    assert.deepEqual(Object.keys(stats).sort(), ['modules', 'network', 'tools']);
  });

  it('bad module names and tricks are refused before anything is written or fetched', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM module_requests')).rows[0].n;
    const fetched = world.registry.requests.length;
    for (const name of [
      '../x',
      '@scope/../x',
      'https://evil.example/x.tgz',
      'git+https://github.com/a/b.git',
      'github:a/b',
      'file:../x',
      'x.tgz',
      'Yaml',
      'yaml@1.0.0',
      'fs',
      '',
      ' yaml',
    ])
      assert.equal((await request(name)).isError, true, name);
    assert.equal((await t.db.query('SELECT count(*)::int AS n FROM module_requests')).rows[0].n, before);
    assert.equal(world.registry.requests.length, fetched, 'nothing reached the registry');
    const blank = await mcp('mcpbox_request_module', { tool_id: toolId, module_name: 'vuln-lib', justification: '  ' });
    assert.match(blank.text, /justification is required/);
    const noTool = await mcp('mcpbox_request_module', {
      tool_id: '3f2b8a1e-5c4d-4e6f-9a8b-7c6d5e4f3a2b',
      module_name: 'vuln-lib',
      justification: 'j',
    });
    assert.match(noTool.text, /not found/);

    for (const path of [
      '..%2Fx',
      '%40scope%2F..%2Fx',
      'https%3A%2F%2Fevil.example%2Fx.tgz',
      'github%3Aa%2Fb',
      'file%3A..%2Fx',
      'x.tgz',
      'fs',
      'Yaml',
    ])
      for (const route of [`npm/${path}`, `pypi/${path}`]) {
        const res = await t.get(`/api/settings/modules/${route}`, { token });
        assert.equal(res.status, 400, `${route}: ${res.text}`);
      }
    assert.equal(world.registry.requests.length, fetched, 'nothing reached the registry');
  });

  it('looks packages up on the registry (npm/ and the seed path pypi/ are one handler)', async () => {
    const npm = await t.get('/api/settings/modules/npm/yaml', { token });
    assert.equal(npm.status, 200, npm.text);
    assert.equal(npm.body.name, 'yaml');
    assert.equal(npm.body.latest_version, world.yaml.version);
    assert.equal(npm.body.license, 'ISC');
    assert.equal(npm.body.needs_node_builtins, false);
    assert.equal(npm.body.installable.ok, true);
    assert.equal(npm.body.allowed, true);
    assert.equal(npm.body.installed_version, world.yaml.version);
    const seed = await t.get('/api/settings/modules/pypi/yaml', { token });
    assert.deepEqual(seed.body, npm.body);

    const fs = (await t.get('/api/settings/modules/npm/needs-fs', { token })).body;
    assert.equal(fs.needs_node_builtins, true);
    assert.ok(
      fs.node_builtins.some((b: string) => b.startsWith('fs ')),
      fs.node_builtins.join(),
    );
    const vuln = (await t.get('/api/settings/modules/npm/vuln-lib', { token })).body;
    assert.equal(vuln.advisories_checked, true);
    const scoped = await t.get('/api/settings/modules/npm/%40mcpbox-test%2Fscoped', { token });
    assert.equal(scoped.status, 200, scoped.text);
    assert.equal(scoped.body.name, '@mcpbox-test/scoped');
    const missing = await t.get('/api/settings/modules/npm/no-such-package-here', { token });
    assert.equal(missing.status, 404, missing.text);
    assert.match(missing.body.message, /no-such-package-here/);
  });

  it('PATCH allows (installing first) and removes for every tool; a refused install changes nothing', async () => {
    events.length = 0;
    const added = await t.patch(
      '/api/settings/modules',
      { add_modules: ['@mcpbox-test/scoped', 'browser-field'] },
      { token },
    );
    assert.equal(added.status, 200, added.text);
    assert.ok(added.body.allowed_modules.includes('@mcpbox-test/scoped'));
    assert.equal(added.body.registry_url, world.registry.url);
    assert.deepEqual(events.at(-1)?.added, ['@mcpbox-test/scoped', 'browser-field']);
    const admin = await t.db.query(
      `SELECT source, status, reviewed_by, tool_id FROM module_requests WHERE module_name = '@mcpbox-test/scoped'`,
    );
    assert.deepEqual(admin.rows, [{ source: 'admin', status: 'approved', reviewed_by: 'admin', tool_id: null }]);
    assert.ok(await installer().readBundle('@mcpbox-test/scoped'));

    const before = await allowed();
    for (const body of [{ add_modules: ['needs-fs'] }, { add_modules: ['yaml', 'native-addon'] }]) {
      const refused = await t.patch('/api/settings/modules', body, { token });
      assert.equal(refused.status, 409, refused.text);
    }
    const missing = await t.patch('/api/settings/modules', { add_modules: ['no-such-package-here'] }, { token });
    assert.equal(missing.status, 404, missing.text);
    assert.deepEqual(await allowed(), before, 'nothing changed');
    for (const body of [
      {},
      { add_modules: ['../x'] },
      { add_modules: ['a'], remove_modules: ['a'] },
      { add_modules: 'yaml' },
      { allow_critical: true },
    ])
      assert.equal((await t.patch('/api/settings/modules', body, { token })).status, 400, JSON.stringify(body));

    events.length = 0;
    const removed = await t.patch('/api/settings/modules', { remove_modules: ['yaml'] }, { token });
    assert.equal(removed.status, 200, removed.text);
    assert.ok(!removed.body.allowed_modules.includes('yaml'));
    assert.deepEqual(
      events.map((e) => e.removed),
      [['yaml']],
    );
    const history = await t.db.query(`SELECT status, rejection_reason FROM module_requests WHERE module_name = 'yaml'`);
    assert.deepEqual(history.rows, [{ status: 'rejected', rejection_reason: 'removed from the allowed modules' }]);
    assert.equal(await installer().get('yaml'), null, 'its bundle is dropped');
    const code = 'import { parse } from "yaml";\nexport async function main() { return parse("a: 1") }';
    assert.deepEqual((await t.post('/api/tools/validate-code', { code }, { token })).body.disallowed_imports, ['yaml']);
  });

  it('install: a version range, scoped names in the path, and what it refuses', async () => {
    const reinstall = await t.post('/api/settings/modules/%40mcpbox-test%2Fscoped/install', {}, { token });
    assert.equal(reinstall.status, 200, reinstall.text);
    assert.equal(reinstall.body.name, '@mcpbox-test/scoped');
    assert.equal((await t.patch('/api/settings/modules', { add_modules: ['tiny-greet'] }, { token })).status, 200);
    events.length = 0;
    const pinned = await t.post('/api/settings/modules/tiny-greet/install', { version: '1.0.0' }, { token });
    assert.equal(pinned.status, 200, pinned.text);
    assert.equal(pinned.body.version, '1.0.0');
    assert.deepEqual(events.at(-1)?.updated, ['tiny-greet'], 'running servers hear of the new bundle');
    const nothing = await t.post('/api/settings/modules/tiny-greet/install', { version: '^9.0.0' }, { token });
    assert.equal(nothing.status, 404, nothing.text);
    assert.match(nothing.body.message, /9\.0\.0|matches/);
    assert.equal((await installer().get('tiny-greet'))?.version, '1.0.0', 'the installed bundle stays');
    for (const version of ['file:../x', 'https://evil.example/x.tgz', 'github:a/b'])
      assert.equal(
        (await t.post('/api/settings/modules/tiny-greet/install', { version }, { token })).status,
        400,
        version,
      );
    const notAllowed = await t.post('/api/settings/modules/esm-util/install', {}, { token });
    assert.equal(notAllowed.status, 409);
    assert.match(notAllowed.body.message, /not an allowed module/);
  });

  it('sync installs allowed-but-missing bundles and drops the ones no longer allowed', async () => {
    await installer().remove('tiny-greet');
    await installer().install('esm-util');
    const res = await t.post('/api/settings/modules/sync', undefined, { token });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.installed, ['tiny-greet']);
    assert.deepEqual(res.body.removed, ['esm-util']);
    assert.deepEqual(res.body.failed, []);
    assert.ok(await installer().readBundle('tiny-greet'));
    assert.equal(await installer().get('esm-util'), null);
  });

  it('module_approval_mode=auto_approve approves what installs at once, and leaves a refused one pending with the reason', async () => {
    assert.equal(
      (await t.patch('/api/settings/security-policy', { module_approval_mode: 'auto_approve' }, { token })).status,
      200,
    );
    try {
      const ok = await request('sha1-only');
      assert.equal(ok.isError, false, ok.text);
      assert.equal(ok.value.status, 'approved');
      assert.equal(ok.value.reviewed_by, 'auto_approve');
      assert.ok((await allowed()).includes('sha1-only'));
      const refused = await request('deep-net');
      assert.equal(refused.isError, false, refused.text);
      assert.equal(refused.value.status, 'pending');
      assert.match(refused.value.note, /auto_approve could not approve it.*net/);
    } finally {
      await t.patch('/api/settings/security-policy', { module_approval_mode: 'require_approval' }, { token });
    }
  });

  it("deleting a server deletes its tools' requests, and the allowed list follows the records", async () => {
    const doomed = await createServerVia(t, token, 'doomed');
    const tool = await createToolVia(t, token, doomed, {
      name: 'uses_optional',
      code: 'export async function main() {}',
    });
    const id = await requested('optional-guarded', tool.id);
    assert.equal((await act(id, { action: 'approve' })).status, 200);
    assert.ok((await allowed()).includes('optional-guarded'));
    events.length = 0;
    assert.equal((await t.delete(`/api/servers/${doomed}`, { token })).status, 204);
    assert.ok(!(await allowed()).includes('optional-guarded'));
    assert.deepEqual(
      events.map((e) => e.removed),
      [['optional-guarded']],
    );
    assert.equal(await installer().get('optional-guarded'), null, 'its bundle is dropped');
    assert.ok((await allowed()).includes('tiny-greet'), 'modules allowed by other records stay');
  });

  it('a package the registry does not have is a 404, an unreachable registry a 503; the request stays pending', async () => {
    const id = await requested('no-such-package-here');
    const missing = await act(id, { action: 'approve' });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.body.details.reason, 'not_found');
    assert.equal((await rowOf(id)).status, 'pending');
    world.registry.fault = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"down"}');
      return true;
    };
    try {
      const down = await t.get('/api/settings/modules/npm/tiny-greet', { token });
      assert.equal(down.status, 503, down.text);
      assert.equal(down.body.details.reason, 'registry_unavailable');
      assert.equal((await act(id, { action: 'approve' })).status, 503);
      assert.equal((await rowOf(id)).status, 'pending');
    } finally {
      world.registry.fault = undefined;
    }
  });

  it('concurrent approvals of different modules: the allowed list holds every one (no lost update)', async () => {
    const names = ['esm-util', 'uses-dep', 'optional-guarded'];
    const ids = await Promise.all(names.map((n) => requested(n)));
    const results = await Promise.all(ids.map((id) => act(id, { action: 'approve' })));
    for (const r of results) assert.equal(r.status, 200, r.text);
    const list = await allowed();
    for (const n of names) assert.ok(list.includes(n), `${n} in ${list.join()}`);
    const rows = await t.db.query('SELECT allowed_modules FROM global_config');
    assert.equal(rows.rows.length, 1, 'one singleton row');
    const approved = await t.db.query(
      `SELECT DISTINCT module_name FROM module_requests WHERE status = 'approved' ORDER BY 1`,
    );
    assert.deepEqual(rows.rows[0].allowed_modules, approved.rows.map((r) => r.module_name).sort());
  });

  it('allowing a module approves the other pending requests for it, by the same reviewer, however it was allowed', async () => {
    if ((await allowed()).includes('yaml'))
      assert.equal((await t.patch('/api/settings/modules', { remove_modules: ['yaml'] }, { token })).status, 200);
    const reasons = async (id: string) =>
      (
        await t.db.query<{ message: string }>(
          `SELECT message FROM activity_logs WHERE log_type = 'audit' AND details->>'request_id' = $1`,
          [id],
        )
      ).rows
        .map((r) => r.message)
        .join('\n');
    // Approving one tool's request.
    const mine = await requested('yaml');
    const theirs = await requested('yaml', otherToolId);
    assert.equal((await act(mine, { action: 'approve' })).status, 200);
    assert.equal((await rowOf(theirs)).status, 'approved');
    assert.equal((await rowOf(theirs)).reviewed_by, 'admin');
    assert.match(await reasons(theirs), new RegExp(`approved by admin: allowed when request ${mine} was approved`));
    const covered = await act(theirs, { action: 'reject', reason: 'too late' });
    assert.equal(covered.status, 409, 'decided already');
    // Adding it to the allowed modules.
    assert.equal((await t.patch('/api/settings/modules', { remove_modules: ['yaml'] }, { token })).status, 200);
    const again = [await requested('yaml'), await requested('yaml', otherToolId)];
    assert.equal((await t.patch('/api/settings/modules', { add_modules: ['yaml'] }, { token })).status, 200);
    for (const id of again) {
      assert.equal((await rowOf(id)).status, 'approved');
      assert.match(await reasons(id), /approved by admin: admin added it to the allowed modules/);
    }
    const open = await mcp('mcpbox_list_pending_requests', {});
    assert.ok(
      !open.value.module_requests.some(
        (r: { module_name: string; status: string }) => r.module_name === 'yaml' && r.status === 'pending',
      ),
    );
  });
});
