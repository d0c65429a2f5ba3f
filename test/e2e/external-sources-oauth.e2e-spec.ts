import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { SourceClients } from '../../src/external-sources/source-clients';
import { setupAdmin, startApp, type TestApp } from '../support/app';
import { connectMcp, firstText, sleep } from '../support/mcp';
import { fixtureTools, TestSource } from '../support/mcp-sources';
import { oauthProtection, TestAuthorizationServer } from '../support/oauth-server';
import { plainFetch } from '../support/plain-fetch';
import { allowHost, approveTool, createServerVia } from './sandbox-fixtures';

/**
 * A source protected by OAuth 2.1 with the test's own authorization server (dynamic
 * registration, PKCE S256, RFC 9207 iss, rotating refresh tokens): the admin starts the
 * authorization, the browser comes back to the public callback (bound by its state), the
 * tokens are stored encrypted, an expired access token is refreshed, and a source whose
 * token can no longer be refreshed goes to needs_auth and says so.
 */
describe('external sources: OAuth', () => {
  let t: TestApp;
  let token: string;
  let as: TestAuthorizationServer;
  let source: TestSource;
  let client: Client | undefined;
  let serverId: string;
  let sourceId: string;

  const row = async () => (await t.get(`/api/external-sources/sources/${sourceId}`, { token })).body;
  /** What the admin's browser does: open the URL; the authorization server approves and redirects back. */
  const browserCallback = async (authorizationUrl: string) => {
    const res = await plainFetch(authorizationUrl, { method: 'GET' });
    assert.equal(res.status, 302, await res.text());
    const back = new URL(res.headers.get('location') as string);
    assert.equal(back.pathname, '/api/external-sources/oauth/callback');
    return `${back.pathname}${back.search}`;
  };

  before(async () => {
    t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true' });
    token = await setupAdmin(t);
    Object.assign(t.app.get(SourceClients).tuning, { connectTimeoutMs: 3000 });
    as = await new TestAuthorizationServer().start();
    const ref: { s?: TestSource } = {};
    source = new TestSource('modern', { tools: fixtureTools(), ...oauthProtection(as, () => ref.s as TestSource) });
    ref.s = source;
    await source.start();
    serverId = await createServerVia(t, token, 'oauth');
    await allowHost(t, token, serverId, '127.0.0.1', source.port);
    await allowHost(t, token, serverId, '127.0.0.1', Number(new URL(as.url).port));
    const res = await t.post(
      `/api/external-sources/servers/${serverId}/sources`,
      { name: 'protected', url: source.url, auth_type: 'oauth' },
      { token },
    );
    assert.equal(res.status, 201, res.text);
    sourceId = res.body.id;
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await source?.stop();
    await as?.stop();
    await t?.close();
  });

  it('without tokens, discover says an admin must authorize (needs_auth)', async () => {
    const res = await t.post(`/api/external-sources/sources/${sourceId}/discover`, undefined, { token });
    assert.equal(res.status, 409, res.text);
    assert.match(res.body.message, /authorize/);
    assert.equal((await row()).status, 'needs_auth');
  });

  it('start → browser → callback (bound by its state, single use) → tokens stored encrypted', async () => {
    const started = await t.post(`/api/external-sources/sources/${sourceId}/oauth/start`, {}, { token });
    assert.equal(started.status, 200, started.text);
    const url = new URL(started.body.authorization_url);
    assert.equal(url.origin, as.url);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(as.registrations.length, 1, 'dynamic client registration');

    const callback = await browserCallback(started.body.authorization_url);
    // A forged state is refused and does not spend the real one.
    const forged = await t.get(callback.replace(/state=[^&]+/, 'state=forged'));
    assert.equal(forged.status, 400, forged.text);
    const done = await t.get(callback);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.status, 'active');
    assert.equal((await t.get(callback)).status, 400, 'a state is used once');
    assert.deepEqual(as.tokenRequests, ['authorization_code']);

    const stored = await t.db.query('SELECT oauth_state FROM external_mcp_sources WHERE id = $1', [sourceId]);
    assert.match(stored.rows[0].oauth_state, /^v1:/);
    assert.doesNotMatch(stored.rows[0].oauth_state, /access_token|refresh_token/);
    const shown = await row();
    assert.equal(shown.status, 'active');
    assert.ok(!('oauth_state' in shown));
  });

  it('discover, import, approve and call with the token; an expired token is refreshed', async () => {
    const found = await t.post(`/api/external-sources/sources/${sourceId}/discover`, undefined, { token });
    assert.equal(found.status, 200, found.text);
    const imported = await t.post(
      `/api/external-sources/sources/${sourceId}/import`,
      { tool_names: ['Echo-Text'] },
      { token },
    );
    assert.equal(imported.status, 201, imported.text);
    await approveTool(t, token, imported.body.tools[0].id);
    assert.equal((await t.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
    client = await connectMcp(`${t.url}/mcp`, 'legacy');
    for (let i = 0; i < 100 && !(await client.listTools()).tools.some((x) => x.name === 'oauth__echo_text'); i++)
      await sleep(50);
    assert.equal(
      firstText(await client.callTool({ name: 'oauth__echo_text', arguments: { text: 'one' } })),
      'echo: one',
    );

    as.expireAccessTokens();
    const after = await client.callTool({ name: 'oauth__echo_text', arguments: { text: 'two' } });
    assert.equal(firstText(after), 'echo: two');
    assert.ok(as.tokenRequests.includes('refresh_token'), 'the expired token was refreshed');
    assert.equal((await row()).status, 'active');
  });

  it('a token that can no longer be refreshed: isError saying so, the source goes to needs_auth', async () => {
    as.revokeRefreshTokens();
    as.expireAccessTokens();
    const res = await client!.callTool({ name: 'oauth__echo_text', arguments: { text: 'three' } });
    assert.equal(res.isError, true);
    assert.match(firstText(res), /authorize/);
    const shown = await row();
    assert.equal(shown.status, 'needs_auth');
    assert.match(shown.status_message, /authorize/);
  });

  it('a token about to expire is refreshed before it is sent (no 401 first)', async () => {
    // Tokens that live 30 s are within the refresh margin (60 s): the next request refreshes first.
    const shortAs = await new TestAuthorizationServer({ accessTtlS: 30 }).start();
    const ref: { s?: TestSource } = {};
    const guarded = new TestSource('session', {
      tools: fixtureTools(),
      ...oauthProtection(shortAs, () => ref.s as TestSource),
    });
    ref.s = guarded;
    await guarded.start();
    try {
      const id = await createServerVia(t, token, 'oauth_short');
      await allowHost(t, token, id, '127.0.0.1', guarded.port);
      await allowHost(t, token, id, '127.0.0.1', Number(new URL(shortAs.url).port));
      const created = await t.post(
        `/api/external-sources/servers/${id}/sources`,
        { name: 'short', url: guarded.url, auth_type: 'oauth' },
        { token },
      );
      const started = await t.post(`/api/external-sources/sources/${created.body.id}/oauth/start`, {}, { token });
      assert.equal((await t.get(await browserCallback(started.body.authorization_url))).status, 200);
      assert.deepEqual(shortAs.tokenRequests, ['authorization_code']);
      const seen = guarded.requests.length;
      const found = await t.post(`/api/external-sources/sources/${created.body.id}/discover`, undefined, { token });
      assert.equal(found.status, 200, found.text);
      // (Tokens shorter-lived than the margin are refreshed before every use.)
      assert.deepEqual(shortAs.tokenRequests.slice(0, 2), ['authorization_code', 'refresh_token']);
      // Every request after the refresh carried a valid token: the source refused none of them.
      const after = guarded.headers.slice(seen);
      assert.ok(after.length > 0);
      assert.ok(after.every((h) => shortAs.isValid(String(h.authorization ?? '').slice(7))));
    } finally {
      await guarded.stop();
      await shortAs.stop();
    }
  });

  it('refuses bad starts and callbacks', async () => {
    const missing = await t.get('/api/external-sources/oauth/callback');
    assert.equal(missing.status, 400);
    const unknown = await t.get('/api/external-sources/oauth/callback?state=nothing&code=x');
    assert.equal(unknown.status, 400);
    assert.equal(
      (await t.post(`/api/external-sources/sources/${sourceId}/oauth/start`, { scope: '' }, { token })).status,
      400,
    );
    // A source that does not use OAuth has nothing to start.
    const plain = await t.post(
      `/api/external-sources/servers/${serverId}/sources`,
      { name: 'plain', url: source.url },
      { token },
    );
    const res = await t.post(`/api/external-sources/sources/${plain.body.id}/oauth/start`, {}, { token });
    assert.equal(res.status, 400, res.text);
    assert.equal((await t.post(`/api/external-sources/sources/${sourceId}/oauth/start`, {})).status, 401);
  });
});

describe('external sources after a restart of MCPBox', () => {
  const env = { MCPBOX_TEST_ALLOW_LOOPBACK: 'true', MCPBOX_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  let as: TestAuthorizationServer;
  let source: TestSource;
  let client: Client | undefined;

  after(async () => {
    await client?.close().catch(() => undefined);
    await first?.close().catch(() => undefined);
    await second?.close();
    await source?.stop();
    await as?.stop();
  });

  it('serves the passthrough tools again with the stored (encrypted) OAuth tokens, and re-discovers on list_changed', async () => {
    as = await new TestAuthorizationServer().start();
    const ref: { s?: TestSource } = {};
    const tools = fixtureTools();
    source = new TestSource('session', { tools, ...oauthProtection(as, () => ref.s as TestSource) });
    ref.s = source;
    await source.start();

    first = await startApp(env, { keepDatabase: true });
    const token = await setupAdmin(first);
    const serverId = await createServerVia(first, token, 'resumed');
    await allowHost(first, token, serverId, '127.0.0.1', source.port);
    await allowHost(first, token, serverId, '127.0.0.1', Number(new URL(as.url).port));
    const created = await first.post(
      `/api/external-sources/servers/${serverId}/sources`,
      { name: 'protected', url: source.url, auth_type: 'oauth' },
      { token },
    );
    const sourceId = created.body.id as string;
    const started = await first.post(`/api/external-sources/sources/${sourceId}/oauth/start`, {}, { token });
    const res = await plainFetch(started.body.authorization_url, { method: 'GET' });
    const back = new URL(res.headers.get('location') as string);
    assert.equal((await first.get(`${back.pathname}${back.search}`)).status, 200);
    assert.equal(
      (await first.post(`/api/external-sources/sources/${sourceId}/discover`, undefined, { token })).status,
      200,
    );
    const imported = await first.post(
      `/api/external-sources/sources/${sourceId}/import`,
      { tool_names: ['Echo-Text'] },
      { token },
    );
    const toolId = imported.body.tools[0].id as string;
    await approveTool(first, token, toolId);
    assert.equal((await first.post(`/api/sandbox/servers/${serverId}/start`, undefined, { token })).status, 200);
    const databaseUrl = first.databaseUrl;
    await first.close();
    first = undefined;

    second = await startApp(env, { databaseUrl });
    const token2 = await setupAdmin(second);
    client = await connectMcp(`${second.url}/mcp`, 'legacy');
    for (let i = 0; i < 100 && !(await client.listTools()).tools.some((x) => x.name === 'resumed__echo_text'); i++)
      await sleep(50);
    const answer = await client.callTool({ name: 'resumed__echo_text', arguments: { text: 'after restart' } });
    assert.equal(firstText(answer), 'echo: after restart');
    assert.deepEqual(as.tokenRequests, ['authorization_code'], 'the stored token was used, no new authorization');

    // The change stream resumed at start-up: a changed definition sends the tool back to review.
    tools[0].definition.description = 'changed while MCPBox restarted';
    const pending = async () =>
      (await second!.get(`/api/tools/${toolId}`, { token: token2 })).body.approval_status === 'pending_review';
    for (let attempt = 0; attempt < 8 && !(await pending()); attempt++) {
      await source.notifyToolsChanged();
      const until = Date.now() + 1500;
      while (Date.now() < until && !(await pending())) await sleep(50);
    }
    assert.ok(await pending());
  });
});

describe('external sources: OAuth with a Client ID Metadata Document (an https public URL)', () => {
  const PUBLIC = 'https://mcpbox.example';
  let t: TestApp;
  let token: string;
  let as: TestAuthorizationServer;
  let source: TestSource;

  before(async () => {
    t = await startApp({ MCPBOX_TEST_ALLOW_LOOPBACK: 'true', MCPBOX_PUBLIC_URL: PUBLIC });
    token = await setupAdmin(t);
    as = await new TestAuthorizationServer({ cimd: true }).start();
    const ref: { s?: TestSource } = {};
    source = new TestSource('modern', { tools: fixtureTools(), ...oauthProtection(as, () => ref.s as TestSource) });
    ref.s = source;
    await source.start();
  });
  after(async () => {
    await source?.stop();
    await as?.stop();
    await t?.close();
  });

  it('serves the document publicly and is known by its URL: no dynamic registration', async () => {
    const doc = await t.get('/api/external-sources/oauth/client-metadata.json');
    assert.equal(doc.status, 200, doc.text);
    assert.deepEqual(doc.body, {
      client_id: `${PUBLIC}/api/external-sources/oauth/client-metadata.json`,
      client_name: 'MCPBox',
      redirect_uris: [`${PUBLIC}/api/external-sources/oauth/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });

    const serverId = await createServerVia(t, token, 'cimd');
    await allowHost(t, token, serverId, '127.0.0.1', source.port);
    await allowHost(t, token, serverId, '127.0.0.1', Number(new URL(as.url).port));
    const created = await t.post(
      `/api/external-sources/servers/${serverId}/sources`,
      { name: 'protected', url: source.url, auth_type: 'oauth' },
      { token },
    );
    assert.equal(created.status, 201, created.text);
    const started = await t.post(`/api/external-sources/sources/${created.body.id}/oauth/start`, {}, { token });
    assert.equal(started.status, 200, started.text);
    const url = new URL(started.body.authorization_url);
    assert.equal(url.searchParams.get('client_id'), doc.body.client_id);
    assert.equal(url.searchParams.get('redirect_uri'), `${PUBLIC}/api/external-sources/oauth/callback`);
    assert.equal(as.registrations.length, 0, 'no dynamic registration');

    const res = await plainFetch(started.body.authorization_url, { method: 'GET' });
    assert.equal(res.status, 302, await res.text());
    const back = new URL(res.headers.get('location') as string);
    assert.equal(back.origin, PUBLIC);
    const done = await t.get(`${back.pathname}${back.search}`);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.status, 'active');
    const found = await t.post(`/api/external-sources/sources/${created.body.id}/discover`, undefined, { token });
    assert.equal(found.status, 200, found.text);
    assert.ok(
      found.body.tools.some((x: { name: string }) => x.name === 'Echo-Text'),
      found.text,
    );
  });
});
