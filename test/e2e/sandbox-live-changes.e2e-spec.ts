import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DomainError } from '../../src/common/errors';
import { SandboxService } from '../../src/sandbox/sandbox.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import {
  allowHost,
  approveTool,
  createServerVia,
  createToolVia,
  setSecret,
  startWeatherPeer,
  weatherCode,
  type WeatherPeer,
} from './sandbox-fixtures';

const FIRST_KEY = 'wk-live-first-11111';
const SECOND_KEY = 'wk-live-second-22222';

const notLoaded = async (p: Promise<unknown>, name: string) =>
  assert.rejects(
    p,
    (err: unknown) => err instanceof DomainError && err.kind === 'not_found' && err.message.includes(`'${name}'`),
  );

/**
 * A running server picks up every change without a restart: the changing service publishes
 * on ServerChangesService after its commit, and the sandbox reloads the server's snapshot
 * before the publishing request returns.
 */
describe('sandbox: changes reach a running server without a restart', () => {
  let t: TestApp;
  let token: string;
  let peer: WeatherPeer;
  let otherPeer: WeatherPeer;
  let sandbox: SandboxService;
  let serverId: string;
  let startedAt: string;

  const call = (tool: string, args: Record<string, unknown> = { city: 'Lisbon' }) =>
    sandbox.executeTool(serverId, tool, args, { isTest: false, executedBy: 'mcp-user' });
  const status = async () => (await t.get(`/api/sandbox/servers/${serverId}/status`, { token })).body;

  before(async () => {
    t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
    token = await setupAdmin(t);
    peer = await startWeatherPeer(FIRST_KEY);
    otherPeer = await startWeatherPeer(FIRST_KEY);
    sandbox = t.app.get(SandboxService);
    serverId = await createServerVia(t, token, 'live');
    await setSecret(t, token, serverId, 'WEATHER_KEY', FIRST_KEY);
    await allowHost(t, token, serverId, '127.0.0.1', peer.port);
    const weather = await createToolVia(t, token, serverId, { name: 'current_weather', code: weatherCode(peer.port) });
    await approveTool(t, token, weather.id);
    const res = await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token });
    assert.equal(res.body.tools_loaded, 1, res.text);
    startedAt = res.body.started_at;
  });
  after(async () => {
    await t?.close();
    await peer?.close();
    await otherPeer?.close();
  });

  let forecastId: string;

  it('a tool approved while the server runs is callable on the next call', async () => {
    forecastId = (
      await createToolVia(t, token, serverId, {
        name: 'forecast',
        code: 'export async function main({ days = 3 }) { return { days, outlook: "fair" } }',
      })
    ).id;
    await notLoaded(call('forecast', {}), 'forecast');
    await approveTool(t, token, forecastId);
    const outcome = await call('forecast', { days: 5 });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(outcome.value, { days: 5, outlook: 'fair' });
    assert.deepEqual((await status()).tools, ['current_weather', 'forecast']);
  });

  it('a changed secret value is what the next call sends (and what redaction hides)', async () => {
    const before = await call('current_weather');
    assert.equal(before.success, true, before.error);
    assert.equal(peer.requests.at(-1)?.headers['x-api-key'], FIRST_KEY);

    peer.expectedKey = SECOND_KEY;
    await setSecret(t, token, serverId, 'WEATHER_KEY', SECOND_KEY);
    const after = await call('current_weather');
    assert.equal(after.success, true, after.error);
    assert.equal(peer.requests.at(-1)?.headers['x-api-key'], SECOND_KEY);
    assert.deepEqual((after.value as Record<string, unknown>).key_seen, '[REDACTED]');
    assert.ok(!JSON.stringify(after).includes(SECOND_KEY));
  });

  it('a host allowed while the server runs is reachable on the next call', async () => {
    otherPeer.expectedKey = SECOND_KEY;
    const tool = await createToolVia(t, token, serverId, { name: 'other_weather', code: weatherCode(otherPeer.port) });
    await approveTool(t, token, tool.id);
    const blocked = await call('other_weather');
    assert.equal(blocked.success, false, 'the port is not allowed yet');
    assert.equal(otherPeer.requests.length, 0, 'nothing reached the peer');

    await allowHost(t, token, serverId, '127.0.0.1', otherPeer.port);
    const allowed = await call('other_weather');
    assert.equal(allowed.success, true, allowed.error);
    assert.equal(otherPeer.requests.length, 1);
  });

  it('a revoked tool is gone from the next call', async () => {
    const res = await t.post(`/api/approvals/tools/${forecastId}/revoke`, {}, { token });
    assert.ok([200, 201].includes(res.status), res.text);
    await notLoaded(call('forecast', {}), 'forecast');
    assert.ok(!(await status()).tools.includes('forecast'));
  });

  it('an edited approved tool leaves (back to review) and returns with its new code once approved', async () => {
    const tool = await createToolVia(t, token, serverId, {
      name: 'greeting',
      code: 'export async function main() { return "v1" }',
    });
    await approveTool(t, token, tool.id);
    assert.equal((await call('greeting', {})).value, 'v1');
    const edit = await t.patch(
      `/api/tools/${tool.id}`,
      { code: 'export async function main() { return "v2" }' },
      { token },
    );
    assert.equal(edit.status, 200, edit.text);
    await notLoaded(call('greeting', {}), 'greeting');
    await approveTool(t, token, tool.id);
    assert.equal((await call('greeting', {})).value, 'v2');
  });

  it('a disabled tool is gone from the next call', async () => {
    const tool = await createToolVia(t, token, serverId, {
      name: 'to_disable',
      code: 'export async function main() { return 1 }',
    });
    await approveTool(t, token, tool.id);
    assert.equal((await call('to_disable', {})).success, true);
    const res = await t.patch(`/api/tools/${tool.id}`, { enabled: false }, { token });
    assert.equal(res.status, 200, res.text);
    await notLoaded(call('to_disable', {}), 'to_disable');
  });

  it('none of this restarted the server', async () => {
    const s = await status();
    assert.equal(s.status, 'running');
    assert.equal(s.started_at, startedAt);
  });

  it('a deleted server is dropped from the sandbox', async () => {
    const res = await t.delete(`/api/servers/${serverId}`, { token });
    assert.ok([200, 204].includes(res.status), res.text);
    assert.equal(sandbox.isRunning(serverId), false);
    await assert.rejects(
      call('current_weather'),
      (err: unknown) => err instanceof DomainError && err.kind === 'unavailable',
    );
  });
});
