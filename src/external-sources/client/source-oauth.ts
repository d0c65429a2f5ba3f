import { timingSafeEqual } from 'node:crypto';
import {
  auth,
  AuthorizationServerMismatchError,
  computeScopeUnion,
  extractWWWAuthenticateParams,
  IssuerMismatchError,
  OAuthError,
  type AuthProvider,
  type OAuthClientProvider,
} from '@modelcontextprotocol/client';
import {
  storedStateProvider,
  type AuthorizationResult,
  type AuthorizationStart,
  type Flow,
  type SourceOAuthOptions,
  type StoredOAuthState,
} from './oauth-state';
import { describeSource, OAuthFlowError, redact, SourceConfigError, SourceNeedsAuthError } from './source-errors';

const DEFAULT_SKEW_MS = 60_000;
const DEFAULT_PENDING_TTL_MS = 10 * 60_000;

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * OAuth 2.1 (authorization code + PKCE) for one source, on the SDK's auth helpers:
 * `startAuthorization()` discovers the protected-resource and authorization-server
 * metadata, registers MCPBox (Client ID Metadata Document when the server supports it,
 * else dynamic registration) and returns the URL an admin opens; `completeAuthorization()`
 * checks `state`, exchanges the code (PKCE verifier, RFC 9207 `iss`) and stores the tokens.
 * `transportAuth()` is what connections use: it refreshes shortly before expiry and after
 * a 401, and throws `SourceNeedsAuthError` when only an admin can help.
 */
export class SourceOAuth {
  private readonly skewMs: number;
  private readonly pendingTtlMs: number;
  private cached?: StoredOAuthState;
  private writes: Promise<void> = Promise.resolve();
  private refreshing?: Promise<void>;

  constructor(private readonly options: SourceOAuthOptions) {
    this.skewMs = options.refreshSkewMs ?? DEFAULT_SKEW_MS;
    this.pendingTtlMs = options.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
    try {
      new URL(options.redirectUrl);
    } catch {
      throw new SourceConfigError('The OAuth redirect URL is not a valid URL.', 'redirect_url');
    }
  }

  private get label(): string {
    return describeSource(this.options.url);
  }

  /** The secrets a message must never show. */
  secrets(): string[] {
    const s = this.cached;
    return [
      s?.tokens?.access_token,
      s?.tokens?.refresh_token,
      s?.clientInformation?.client_secret,
      s?.pending?.codeVerifier,
    ].filter((v): v is string => typeof v === 'string');
  }

  private async state(): Promise<StoredOAuthState> {
    if (!this.cached) this.cached = (await this.options.store.load()) ?? {};
    return this.cached;
  }

  /** Reads the store again (another instance, e.g. the callback route's, may have saved tokens). */
  private async reload(): Promise<StoredOAuthState> {
    await this.writes;
    this.cached = (await this.options.store.load()) ?? {};
    return this.cached;
  }

  private async update(change: (s: StoredOAuthState) => void): Promise<void> {
    const s = await this.state();
    change(s);
    const snapshot = structuredClone(s);
    const write = this.writes.then(() => this.options.store.save(snapshot));
    this.writes = write.catch(() => undefined);
    await write;
  }

  /** Whether MCPBox holds tokens for this source (they may still be refused). */
  async hasTokens(): Promise<boolean> {
    return Boolean((await this.state()).tokens?.access_token);
  }

  /** Forgets tokens and any started authorization (client registration and discovery stay). */
  async signOut(): Promise<void> {
    await this.update((s) => {
      delete s.tokens;
      delete s.tokensSavedAt;
      delete s.pending;
    });
  }

  // ---- the admin's two steps ---------------------------------------------------------

  async startAuthorization(opts: { scope?: string; signal?: AbortSignal } = {}): Promise<AuthorizationStart> {
    const challenge = await this.challenge(opts.signal);
    const granted = (await this.state()).tokens?.scope;
    const scope = computeScopeUnion(challenge.scope, opts.scope, granted) ?? this.options.scope;
    const flow: Flow = { interactive: true };
    try {
      const result = await auth(this.provider(flow), {
        serverUrl: this.options.url,
        resourceMetadataUrl: challenge.resourceMetadataUrl,
        scope,
        fetchFn: this.options.fetch,
        forceReauthorization: true,
      });
      if (result !== 'REDIRECT' || !flow.captured || !flow.state || !flow.verifier)
        throw new OAuthFlowError(
          'discovery',
          `The authorization server of ${this.label} did not start an authorization.`,
        );
    } catch (error) {
      throw this.flowError(error, 'discovery');
    }
    const metadata = (await this.state()).discovery?.authorizationServerMetadata;
    // OAuth 2.1 / MCP: no advertised S256 support means no PKCE, and the client must not go on.
    if (!metadata?.code_challenge_methods_supported?.includes('S256'))
      throw new OAuthFlowError(
        'pkce_unsupported',
        `The authorization server of ${this.label} does not advertise PKCE (S256) in its metadata; MCPBox will not authorize without it.`,
      );
    const pending = { state: flow.state as string, codeVerifier: flow.verifier as string, createdAt: Date.now() };
    await this.update((s) => {
      s.pending = pending;
    });
    return {
      authorizationUrl: (flow.captured as URL).href,
      state: pending.state,
      expiresAt: new Date(pending.createdAt + this.pendingTtlMs),
    };
  }

  async completeAuthorization(callback: URLSearchParams | Record<string, string>): Promise<AuthorizationResult> {
    const params = callback instanceof URLSearchParams ? callback : new URLSearchParams(callback);
    const pending = (await this.reload()).pending;
    if (!pending)
      throw new OAuthFlowError('no_pending', `No authorization of ${this.label} is in progress; start it again.`);
    const state = params.get('state');
    // A wrong state may be a forged callback: refuse it and leave the real one able to finish.
    if (!state || !sameSecret(state, pending.state))
      throw new OAuthFlowError(
        'state_mismatch',
        'The OAuth callback does not belong to the authorization MCPBox started.',
      );
    await this.update((s) => {
      delete s.pending;
    });
    if (Date.now() - pending.createdAt > this.pendingTtlMs)
      throw new OAuthFlowError('expired', `The authorization of ${this.label} took too long; start it again.`);
    const error = params.get('error');
    if (error) {
      // error_description is attacker-controlled in a mix-up attack: only the code is shown.
      const code = /^[\x20-\x7e]{1,64}$/.test(error) ? error : 'invalid';
      throw new OAuthFlowError(
        'denied',
        `The authorization server refused the authorization of ${this.label} (${code}).`,
      );
    }
    const code = params.get('code');
    if (!code) throw new OAuthFlowError('missing_code', 'The OAuth callback carries no authorization code.');
    try {
      const result = await auth(this.provider({ interactive: false, verifier: pending.codeVerifier }), {
        serverUrl: this.options.url,
        authorizationCode: code,
        iss: params.get('iss') ?? undefined,
        fetchFn: this.options.fetch,
      });
      if (result !== 'AUTHORIZED')
        throw new OAuthFlowError(
          'token_exchange',
          `The code exchange with the authorization server of ${this.label} failed.`,
        );
    } catch (error) {
      throw this.flowError(error, 'token_exchange');
    }
    const s = await this.state();
    const expiresIn = s.tokens?.expires_in;
    return {
      scope: s.tokens?.scope,
      expiresAt: expiresIn && s.tokensSavedAt ? new Date(s.tokensSavedAt + expiresIn * 1000) : undefined,
    };
  }

  // ---- what connections use ----------------------------------------------------------

  /** The transports' auth: the current token (refreshed before expiry), a refresh on 401, else needs_auth. */
  transportAuth(): AuthProvider {
    return {
      token: async () => {
        let s = await this.state();
        if (!s.tokens?.access_token) s = await this.reload();
        if (!s.tokens?.access_token)
          throw new SourceNeedsAuthError(
            `The external MCP source at ${this.label} needs an admin to authorize MCPBox (OAuth): no token is stored yet.`,
          );
        if (this.expiresSoon(s)) await this.refresh();
        return (await this.state()).tokens?.access_token;
      },
      onUnauthorized: async (ctx: Parameters<NonNullable<AuthProvider['onUnauthorized']>>[0]) => {
        const { error, resourceMetadataUrl } = extractWWWAuthenticateParams(ctx.response);
        // Another instance may have refreshed (refresh tokens rotate): then retry with its token.
        const refused = (await this.state()).tokens?.access_token;
        if ((await this.reload()).tokens?.access_token !== refused) return;
        // The source may have moved to another authorization server (SEP-2352): discover again.
        await this.update((s) => {
          delete s.discovery;
        });
        await this.refresh({ why: error === 'invalid_token' ? undefined : error, resourceMetadataUrl });
      },
    };
  }

  private expiresSoon(s: StoredOAuthState): boolean {
    const expiresIn = s.tokens?.expires_in;
    if (!expiresIn || !s.tokensSavedAt) return false;
    return s.tokensSavedAt + expiresIn * 1000 - Date.now() <= this.skewMs;
  }

  /** One refresh at a time; concurrent callers share it. */
  private refresh(opts: { why?: string; resourceMetadataUrl?: URL } = {}): Promise<void> {
    this.refreshing ??= this.doRefresh(opts).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh({ why, resourceMetadataUrl }: { why?: string; resourceMetadataUrl?: URL }): Promise<void> {
    const s = await this.state();
    const needsAuth = (reason: string) =>
      new SourceNeedsAuthError(
        `The external MCP source at ${this.label} needs an admin to authorize MCPBox again (OAuth): ${reason}.`,
      );
    if (!s.tokens?.refresh_token)
      throw needsAuth(
        why ? `the source refused the token (${why})` : 'the access token expired and there is no refresh token',
      );
    let result: string;
    try {
      result = await auth(this.provider({ interactive: false }), {
        serverUrl: this.options.url,
        resourceMetadataUrl,
        fetchFn: this.options.fetch,
      });
    } catch (error) {
      if (error instanceof OAuthError) throw needsAuth(`the token refresh was refused (${error.code})`);
      throw error;
    }
    if (result !== 'AUTHORIZED') throw needsAuth('the refresh token was refused');
  }

  private flowError(error: unknown, fallback: 'discovery' | 'token_exchange'): Error {
    if (error instanceof OAuthFlowError || error instanceof SourceNeedsAuthError) return error;
    if (error instanceof IssuerMismatchError || error instanceof AuthorizationServerMismatchError)
      return new OAuthFlowError(
        'issuer_mismatch',
        `The authorization server's issuer does not match the one this authorization started with (${this.label}); nothing was exchanged.`,
      );
    if (error instanceof OAuthError)
      return new OAuthFlowError(fallback, `The authorization server of ${this.label} answered "${error.code}".`);
    const message = error instanceof Error ? error.message : String(error);
    return new OAuthFlowError(fallback, `OAuth with ${this.label} failed: ${redact(message, this.secrets(), 300)}`);
  }

  /** An unauthenticated request to learn the source's challenge (resource metadata URL, scope). */
  private async challenge(signal?: AbortSignal): Promise<{ resourceMetadataUrl?: URL; scope?: string }> {
    const init: RequestInit =
      this.options.transport === 'sse'
        ? { method: 'GET', headers: { accept: 'text/event-stream' }, signal }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 'mcpbox-oauth-probe', method: 'ping' }),
            signal,
          };
    const res = await this.options.fetch(this.options.url, init);
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 401 && res.status !== 403) return {};
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(res);
    return { resourceMetadataUrl, scope };
  }

  private provider(flow: Flow): OAuthClientProvider {
    return storedStateProvider(flow, this.options, {
      state: () => this.state(),
      update: (change) => this.update(change),
    });
  }
}
