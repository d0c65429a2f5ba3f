import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppConfig } from '../../src/config/app-config';
import { moduleStoreDir } from '../../src/health/checks/module-store.check';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { createServerVia } from './sandbox-fixtures';

interface Service {
  name: string;
  status: string;
  latency_ms: number;
  details?: Record<string, unknown>;
  error?: string;
}

describe('health of the services', () => {
  let t: TestApp;
  let token: string;
  const service = async (name: string): Promise<Service> => {
    const res = await t.get('/health/services');
    assert.equal(res.status, 200, res.text);
    const found = (res.body.items as Service[]).find((s) => s.name === name);
    assert.ok(found, `${name} in ${JSON.stringify(res.body.items)}`);
    assert.equal(typeof found.latency_ms, 'number');
    return found;
  };

  before(async () => {
    t = await startApp();
    token = await setupAdmin(t);
  });
  after(() => t.close());

  it('reports the database, the sandbox pool, the module store and the external sources, each with latency', async () => {
    const res = await t.get('/health/detail');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((res.body.services as Service[]).map((s) => s.name).sort(), [
      'database',
      'external_sources',
      'module_store',
      'sandbox',
    ]);
    assert.equal(res.body.status, 'ok');
    const sandbox = await service('sandbox');
    assert.equal(sandbox.status, 'ok');
    assert.equal(sandbox.details?.workers, 1);
  });

  it('reports a module store not made yet as ok (the first install creates it), then its modules', async () => {
    const before = await service('module_store');
    assert.deepEqual([before.status, before.details], ['ok', { present: false, writable: true, installed: 0 }]);
    const dir = moduleStoreDir(t.app.get(AppConfig).dataDir);
    mkdirSync(join(dir, 'modules'), { recursive: true });
    writeFileSync(join(dir, 'modules', 'left-pad.json'), '{}');
    const after = await service('module_store');
    assert.deepEqual([after.status, after.details], ['ok', { present: true, writable: true, installed: 1 }]);
  });

  it('counts the external sources by status; one in error makes it degraded, without naming a URL', async () => {
    const none = await service('external_sources');
    assert.deepEqual(
      [none.status, none.details],
      ['ok', { total: 0, active: 0, error: 0, disabled: 0, needs_auth: 0 }],
    );
    const serverId = await createServerVia(t, token, 'with_sources');
    await t.db.query(
      `INSERT INTO external_mcp_sources (server_id, name, url, status) VALUES ($1, 'good', 'https://user:pw@good.example/mcp', 'active'), ($1, 'bad', 'https://bad.example/mcp?key=k', 'error')`,
      [serverId],
    );
    const res = await t.get('/health/services');
    const sources = (res.body.items as Service[]).find((s) => s.name === 'external_sources');
    assert.equal(sources?.status, 'degraded');
    assert.deepEqual(sources?.details, { total: 2, active: 1, error: 1, disabled: 0, needs_auth: 0 });
    assert.doesNotMatch(res.text, /example|user:pw|key=k/);
    const detail = await t.get('/health/detail');
    assert.equal(detail.body.status, 'degraded');
  });
});
