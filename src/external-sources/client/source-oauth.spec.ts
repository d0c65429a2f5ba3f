import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fixtureTools, TestSource, type SourceKind } from '../../../test/support/mcp-sources';
import {
  oauthProtection,
  TestAuthorizationServer,
  type AuthorizationServerOptions,
} from '../../../test/support/oauth-server';
import { plainFetch } from '../../../test/support/plain-fetch';
import { ExternalSourceClient } from './external-source-client';
import { OAuthFlowError, SourceNeedsAuthError } from './source-errors';
import type { OAuthStateStore, SourceOAuthOptions, StoredOAuthState } from './oauth-state';
import { SourceOAuth } from './source-oauth';

const REDIRECT = 'https://mcpbox.example/api/external-sources/oauth/callback';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

/** The caller's store: here JSON in memory (the product encrypts it with the server's secret box). */
class MemoryStore implements OAuthStateStore {
  json: string | null = null;
  saves = 0;
  async load(): Promise<StoredOAuthState | null> {
    return this.json ? (JSON.parse(this.json) as StoredOAuthState) : null;
  }
  async save(state: StoredOAuthState | null): Promise<void> {
    this.saves++;
    this.json = state ? JSON.stringify(state) : null;
  }
  get state(): StoredOAuthState {
    return JSON.parse(this.json ?? '{}') as StoredOAuthState;
  }
}

async function setup(
  kind: SourceKind = 'modern',
  asOptions: AuthorizationServerOptions = {},
  oauthOptions: Partial<SourceOAuthOptions> = {},
) {
  const as = await new TestAuthorizationServer(asOptions).start();
  cleanup.push(() => as.stop());
  const calls: string[] = [];
  const ref: { source?: TestSource } = {};
  const protection = oauthProtection(as, () => ref.source!);
  const source = new TestSource(kind, { tools: fixtureTools(calls), ...protection });
  ref.source = source;
  await source.start();
  cleanup.push(() => source.stop());
  const store = new MemoryStore();
  const oauth = new SourceOAuth({
    url: source.url,
    transport: kind === 'sse' ? 'sse' : 'streamable_http',
    fetch: plainFetch,
    store,
    redirectUrl: REDIRECT,
    clientName: 'MCPBox test',
    ...oauthOptions,
  });
  const client = new ExternalSourceClient({
    url: source.url,
    transport: kind === 'sse' ? 'sse' : 'streamable_http',
    fetch: plainFetch,
    auth: { type: 'oauth', oauth },
    connectTimeoutMs: 5000,
  });
  cleanup.push(() => client.close());
  return { as, source, store, oauth, client, calls };
}

/** What the admin's browser does: open the URL; the authorization server approves and redirects back. */
async function adminApproves(authorizationUrl: string): Promise<URLSearchParams> {
  const res = await plainFetch(authorizationUrl, { method: 'GET' });
  assert.equal(res.status, 302, await res.text());
  const back = new URL(res.headers.get('location')!);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  return back.searchParams;
}

async function authorize(oauth: SourceOAuth): Promise<void> {
  const { authorizationUrl } = await oauth.startAuthorization();
  await oauth.completeAuthorization(await adminApproves(authorizationUrl));
}

describe('OAuth-protected external sources', () => {
  for (const kind of ['modern', 'session', 'sse'] as const) {
    it(`on a ${kind} source: needs_auth first, then the admin's two steps, then calls work`, async () => {
      const { as, store, oauth, client, calls } = await setup(kind);
      const before = await client.call('Echo-Text', { text: 'x' }).catch((e: unknown) => e);
      assert.ok(before instanceof SourceNeedsAuthError, String(before));
      assert.equal(before.sourceStatus, 'needs_auth');
      assert.equal(as.registrations.length, 0, 'a call never registers or redirects by itself');

      const started = await oauth.startAuthorization();
      const url = new URL(started.authorizationUrl);
      assert.equal(url.origin + url.pathname, `${as.url}/authorize`);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(url.searchParams.get('code_challenge'));
      assert.equal(url.searchParams.get('state'), started.state);
      assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
      assert.equal(url.searchParams.get('scope'), 'mcp');
      assert.deepEqual(as.registrations, ['MCPBox test'], 'dynamic client registration');
      assert.equal(store.state.pending?.state, started.state);

      const result = await oauth.completeAuthorization(await adminApproves(started.authorizationUrl));
      assert.equal(result.scope, 'mcp');
      assert.ok(result.expiresAt && result.expiresAt.getTime() > Date.now());
      assert.ok(store.state.tokens?.access_token, 'tokens handed to the store');
      assert.equal(store.state.pending, undefined, 'a callback is single-use');

      const found = await client.discover();
      assert.equal(found.tools.length, 5);
      assert.deepEqual((await client.call('Echo-Text', { text: 'hi' })).content, [{ type: 'text', text: 'echo: hi' }]);
      assert.deepEqual(calls, ['Echo-Text']);
    });
  }

  it("picks up tokens saved by another instance (the callback route's) from the store", async () => {
    const { source, store, client } = await setup();
    assert.ok((await client.call('Echo-Text', { text: 'x' }).catch((e: unknown) => e)) instanceof SourceNeedsAuthError);
    const callbackSide = new SourceOAuth({
      url: source.url,
      transport: 'streamable_http',
      fetch: plainFetch,
      store,
      redirectUrl: REDIRECT,
    });
    const { authorizationUrl } = await callbackSide.startAuthorization();
    await callbackSide.completeAuthorization(await adminApproves(authorizationUrl));
    assert.deepEqual((await client.call('Echo-Text', { text: 'y' })).content, [{ type: 'text', text: 'echo: y' }]);
  });

  it('registers by Client ID Metadata Document when the authorization server supports it', async () => {
    const cimd = 'https://mcpbox.example/oauth/client-metadata.json';
    const { as, oauth, client } = await setup('modern', { cimd: true }, { clientMetadataUrl: cimd });
    const { authorizationUrl } = await oauth.startAuthorization();
    assert.equal(new URL(authorizationUrl).searchParams.get('client_id'), cimd);
    assert.equal(as.registrations.length, 0, 'no dynamic registration');
    await oauth.completeAuthorization(await adminApproves(authorizationUrl));
    assert.equal((await client.discover()).tools.length, 5);
  });

  it('refuses a callback whose state does not match, and the real one still completes', async () => {
    const { oauth, client } = await setup();
    const { authorizationUrl } = await oauth.startAuthorization();
    const params = await adminApproves(authorizationUrl);
    const forged = new URLSearchParams(params);
    forged.set('state', 'forged-state');
    await assert.rejects(oauth.completeAuthorization(forged), (e: unknown) => {
      assert.ok(e instanceof OAuthFlowError);
      assert.equal(e.reason, 'state_mismatch');
      return true;
    });
    await oauth.completeAuthorization(params);
    assert.equal((await client.discover()).tools.length, 5);
    await assert.rejects(oauth.completeAuthorization(params), /No authorization .* is in progress/);
  });

  it('exchanges the code only with the PKCE verifier of this authorization', async () => {
    const { as, oauth, store } = await setup();
    const { authorizationUrl } = await oauth.startAuthorization();
    const params = await adminApproves(authorizationUrl);
    // Another process's store holding a different verifier: the authorization server refuses it.
    const tampered = store.state;
    tampered.pending!.codeVerifier = 'x'.repeat(64);
    const saved: (StoredOAuthState | null)[] = [];
    const other = new SourceOAuth({
      url: new URL(authorizationUrl).searchParams.get('resource') ?? '',
      transport: 'streamable_http',
      fetch: plainFetch,
      store: { load: async () => tampered, save: async (state) => void saved.push(structuredClone(state)) },
      redirectUrl: REDIRECT,
    });
    const err = await other.completeAuthorization(params).catch((e: unknown) => e);
    assert.ok(err instanceof OAuthFlowError, String(err));
    assert.equal(err.reason, 'token_exchange');
    assert.match(err.message, /invalid_grant/);
    assert.ok(as.tokenRequests.every((t) => t === 'authorization_code'));
    assert.ok(!saved.some((s) => s?.tokens), 'no token was issued');
  });

  it('reaches the authorization server only through the injected fetch', async () => {
    const { as, source, store } = await setup();
    const onlyTheSource = async (input: string | URL, init?: RequestInit) => {
      if (new URL(String(input)).origin !== new URL(source.url).origin)
        throw Object.assign(new Error(`blocked: ${new URL(String(input)).host} is not allowed`), { code: 'blocked' });
      return plainFetch(input, init);
    };
    const oauth = new SourceOAuth({
      url: source.url,
      transport: 'streamable_http',
      fetch: onlyTheSource,
      store,
      redirectUrl: REDIRECT,
    });
    const err = await oauth.startAuthorization().catch((e: unknown) => e);
    assert.ok(err instanceof OAuthFlowError, String(err));
    assert.match(err.message, /blocked: 127\.0\.0\.1:\d+ is not allowed/);
    assert.deepEqual(as.requests, [], 'the authorization server heard nothing');
  });

  it('refuses an authorization server that does not advertise PKCE', async () => {
    const { oauth } = await setup('modern', { noPkceMetadata: true });
    const err = await oauth.startAuthorization().catch((e: unknown) => e);
    assert.ok(err instanceof OAuthFlowError, String(err));
    assert.equal(err.reason, 'pkce_unsupported');
  });

  it('refreshes an access token before it expires, without a 401 at the source', async () => {
    const { as, oauth, client, source } = await setup('modern', { accessTtlS: 2 }, { refreshSkewMs: 1500 });
    await authorize(oauth);
    await client.call('Echo-Text', { text: 'a' });
    await sleep(700);
    const unauthorizedBefore = source.requests.length;
    await client.call('Echo-Text', { text: 'b' });
    assert.deepEqual(as.tokenRequests, ['authorization_code', 'refresh_token']);
    assert.equal(source.requests.length - unauthorizedBefore, 1, 'one request, no 401 round');
  });

  it('refreshes transparently when the source refuses an expired token', async () => {
    const { as, oauth, client, store } = await setup('session');
    await authorize(oauth);
    await client.call('Echo-Text', { text: 'a' });
    const firstToken = store.state.tokens?.access_token;
    as.expireAccessTokens();
    const again = await client.call('Echo-Text', { text: 'b' });
    assert.deepEqual(again.content, [{ type: 'text', text: 'echo: b' }]);
    assert.deepEqual(as.tokenRequests, ['authorization_code', 'refresh_token']);
    assert.notEqual(store.state.tokens?.access_token, firstToken);
  });

  it('reports needs_auth when the token cannot be refreshed, without showing any token', async () => {
    const { as, oauth, client, store } = await setup();
    await authorize(oauth);
    await client.call('Echo-Text', { text: 'a' });
    const tokens = store.state.tokens!;
    as.expireAccessTokens();
    as.revokeRefreshTokens();
    const err = await client.call('Echo-Text', { text: 'b' }).catch((e: unknown) => e);
    assert.ok(err instanceof SourceNeedsAuthError, String(err));
    assert.equal(err.sourceStatus, 'needs_auth');
    assert.match(err.message, /needs an admin to authorize MCPBox again/);
    assert.ok(!err.message.includes(tokens.access_token) && !err.message.includes(tokens.refresh_token!));
    // The admin authorizes again and calls work.
    await authorize(oauth);
    assert.deepEqual((await client.call('Echo-Text', { text: 'c' })).content, [{ type: 'text', text: 'echo: c' }]);
  });
});
