import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkDestination, type Resolver } from '../../src/guarded-http/destination';
import { SandboxService } from '../../src/sandbox/sandbox.service';
import { ExecutionLogsService } from '../../src/sandbox/execution-logs.service';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import {
  allowHost,
  createServerVia,
  createToolVia,
  setPolicy,
  setSecret,
  startWeatherPeer,
  waitForRows,
  weatherCode,
  type WeatherPeer,
} from './sandbox-fixtures';

// Issue 10: each live switch flipped over the API while a server runs; the next call obeys.
// Network decisions for public names are tested as decisions with a fake resolver: no test
// ever sends traffic beyond loopback.

const PUBLIC_NAME = 'api.weather.example';
const fakeResolver: Resolver = async (hostname) => {
  if (hostname === PUBLIC_NAME) return [{ address: '93.184.215.14', family: 4 }];
  throw new Error(`unexpected lookup of ${hostname}`);
};

const echoSecretCode = `
export async function main() {
  console.log("token is " + secrets.API_TOKEN);
  return { token: secrets.API_TOKEN };
}
`;

describe('security policy switches act live', () => {
  let t: TestApp;
  let token: string;
  let sandbox: SandboxService;

  before(async () => {
    // No MCPBOX_TEST_ALLOW_LOOPBACK: loopback must stay refused whatever the policy says.
    t = await startApp();
    token = await setupAdmin(t);
    sandbox = t.app.get(SandboxService);
  });
  after(() => t.close());

  it('tool_approval_mode: a tool created under auto_approve is usable at once, one created under require_approval is not', async () => {
    const serverId = await createServerVia(t, token, 'approval_switch');
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);

    const strict = await createToolVia(t, token, serverId, {
      name: 'strict_tool',
      code: 'export async function main() { return "strict"; }',
    });
    assert.equal(strict.approval_status, 'draft');
    const refused = await t.post('/api/tools/test-code', { tool_id: strict.id, arguments: {} }, { token });
    assert.equal(refused.status, 403, refused.text);
    await assert.rejects(sandbox.executeTool(serverId, 'strict_tool', {}), /not loaded/);

    await setPolicy(t, token, { tool_approval_mode: 'auto_approve' });
    const easy = await createToolVia(t, token, serverId, {
      name: 'easy_tool',
      code: 'export async function main() { return "usable"; }',
    });
    assert.equal(easy.approval_status, 'approved');
    const tested = await t.post('/api/tools/test-code', { tool_id: easy.id, arguments: {} }, { token });
    assert.equal(tested.status, 200, tested.text);
    assert.equal(tested.body.success, true);
    // The running server picked it up without a restart.
    const outcome = await sandbox.executeTool(serverId, 'easy_tool', {});
    assert.deepEqual(outcome.content, [{ type: 'text', text: 'usable' }]);

    await setPolicy(t, token, { tool_approval_mode: 'require_approval' });
    const again = await createToolVia(t, token, serverId, {
      name: 'strict_again',
      code: 'export async function main() { return 1; }',
    });
    assert.equal(again.approval_status, 'draft');
  });

  it('network_access_policy: the decision for a public host no record allows flips with the policy, per call', async () => {
    const serverId = await createServerVia(t, token, 'network_switch');
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
    const url = `https://${PUBLIC_NAME}/v1/forecast`;

    const before = await checkDestination(url, sandbox.networkRulesFor(serverId), fakeResolver);
    assert.equal(before.allowed, false);

    await setPolicy(t, token, { network_access_policy: 'allow_all_public' });
    const open = await checkDestination(url, sandbox.networkRulesFor(serverId), fakeResolver);
    assert.equal(open.allowed, true);
    assert.equal(open.allowed && open.address.address, '93.184.215.14');

    await setPolicy(t, token, { network_access_policy: 'require_approval' });
    const closed = await checkDestination(url, sandbox.networkRulesFor(serverId), fakeResolver);
    assert.equal(closed.allowed, false);
  });

  it('network_access_policy: a loopback peer stays refused under allow_all_public without the test flag', async () => {
    const peer: WeatherPeer = await startWeatherPeer('k-123456');
    try {
      await setPolicy(t, token, { tool_approval_mode: 'auto_approve', network_access_policy: 'allow_all_public' });
      const serverId = await createServerVia(t, token, 'loopback_stays_blocked');
      await setSecret(t, token, serverId, 'WEATHER_KEY', 'k-123456');
      // Even an explicit admin record for 127.0.0.1 does not lift the loopback block.
      await allowHost(t, token, serverId, '127.0.0.1', peer.port);
      const tool = await createToolVia(t, token, serverId, { name: 'weather', code: weatherCode(peer.port) });
      assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);

      const outcome = await sandbox.executeTool(serverId, 'weather', { city: 'Oslo' });
      assert.equal(outcome.isError, true);
      assert.match(outcome.error ?? '', /loopback/i);
      assert.equal(peer.requests.length, 0, 'the peer must never have been contacted');
      const rows = await waitForRows(t, 1, 'tool_id = $1', [tool.id]);
      assert.equal(rows[0].success, false);
    } finally {
      await setPolicy(t, token, { tool_approval_mode: 'require_approval', network_access_policy: 'require_approval' });
      await peer.close();
    }
  });

  it('redact_secrets_in_output: a secret comes back raw only after redaction is turned off', async () => {
    await setPolicy(t, token, { tool_approval_mode: 'auto_approve' });
    const serverId = await createServerVia(t, token, 'redaction_switch');
    await setSecret(t, token, serverId, 'API_TOKEN', 'tok-live-7f3a9c');
    await createToolVia(t, token, serverId, { name: 'echo_secret', code: echoSecretCode });
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);

    const redacted = await sandbox.executeTool(serverId, 'echo_secret', {});
    assert.equal(redacted.success, true);
    assert.ok(!JSON.stringify(redacted).includes('tok-live-7f3a9c'));
    assert.deepEqual(redacted.structuredContent, { token: '[REDACTED]' });
    assert.match(redacted.stdout, /token is \[REDACTED\]/);

    await setPolicy(t, token, { redact_secrets_in_output: 'disabled' });
    const raw = await sandbox.executeTool(serverId, 'echo_secret', {});
    assert.deepEqual(raw.structuredContent, { token: 'tok-live-7f3a9c' });
    assert.match(raw.stdout, /token is tok-live-7f3a9c/);

    await setPolicy(t, token, { redact_secrets_in_output: 'enabled' });
    const again = await sandbox.executeTool(serverId, 'echo_secret', {});
    assert.deepEqual(again.structuredContent, { token: '[REDACTED]' });
    // The execution log never holds the value, whatever the switch said.
    await t.app.get(ExecutionLogsService).drain(); // rows are written behind: check them all
    const rows = await t.db.query(
      `SELECT count(*)::int AS n FROM tool_execution_logs WHERE (coalesce(result,'') || coalesce(stdout,'') || coalesce(input_args::text,'')) LIKE '%tok-live-7f3a9c%'`,
    );
    assert.equal(rows.rows[0].n, 0);
    await setPolicy(t, token, { tool_approval_mode: 'require_approval' });
  });
});
