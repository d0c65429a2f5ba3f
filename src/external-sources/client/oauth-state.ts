import { randomBytes } from 'node:crypto';
import type {
  FetchLike,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { OAuthFlowError } from './source-errors';
import type { SourceTransport } from './source-transport';

/**
 * Everything OAuth keeps for one source. All of it is sensitive (tokens, a client secret
 * when the authorization server issued one, the PKCE verifier): the caller's store
 * encrypts it (the server's secret box) and never shows it.
 */
export interface StoredOAuthState {
  clientInformation?: StoredOAuthClientInformation;
  tokens?: StoredOAuthTokens;
  /** When the tokens were saved (epoch ms): `expires_in` counts from here. */
  tokensSavedAt?: number;
  discovery?: OAuthDiscoveryState;
  /** An authorization the admin has started and not finished. */
  pending?: { state: string; codeVerifier: string; createdAt: number };
}

/** Where the caller keeps a source's OAuth state (encrypted). `save(null)` forgets it. */
export interface OAuthStateStore {
  load(): Promise<StoredOAuthState | null>;
  save(state: StoredOAuthState | null): Promise<void>;
}

export interface SourceOAuthOptions {
  url: string;
  transport: SourceTransport;
  /** The one network path (SSRF-safe in the product): discovery, registration, token requests. */
  fetch: FetchLike;
  store: OAuthStateStore;
  /** MCPBox's OAuth callback endpoint (where the authorization server sends the admin back). */
  redirectUrl: string;
  /**
   * An https URL where MCPBox serves its Client ID Metadata Document (see `clientMetadataDocument`).
   * Used as the client_id when the authorization server supports it; otherwise dynamic registration.
   */
  clientMetadataUrl?: string;
  clientName?: string;
  /** Scope to ask for when neither the source's challenge nor its metadata names one. */
  scope?: string;
  /** Refresh an access token this long before it expires (default 60 s). */
  refreshSkewMs?: number;
  /** How long a started authorization may wait for its callback (default 10 min). */
  pendingTtlMs?: number;
}

export interface AuthorizationStart {
  /** The URL the admin opens in a browser. */
  authorizationUrl: string;
  /** The `state` the callback must carry; the caller may use it to find the source again. */
  state: string;
  expiresAt: Date;
}

export interface AuthorizationResult {
  scope?: string;
  /** When the access token expires, if the authorization server said. */
  expiresAt?: Date;
}

/** One use of the SDK's auth(): an admin's start (stored tokens hidden, the redirect captured), a callback or a refresh. */
export interface Flow {
  interactive: boolean;
  captured?: URL;
  state?: string;
  verifier?: string;
}

/** The Client ID Metadata Document MCPBox serves at `clientMetadataUrl` (SEP-991). */
export function clientMetadataDocument(opts: {
  clientMetadataUrl: string;
  redirectUrl: string;
  clientName?: string;
}): OAuthClientMetadata & { client_id: string } {
  return {
    client_id: opts.clientMetadataUrl,
    client_name: opts.clientName ?? 'MCPBox',
    redirect_uris: [opts.redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

/** The store as a provider reads and changes it (through SourceOAuth's cache). */
export interface StateAccess {
  state: () => Promise<StoredOAuthState>;
  update: (change: (s: StoredOAuthState) => void) => Promise<void>;
}

/** The SDK's view of the stored state, for one flow (an admin's start, a callback, a refresh). */
export function storedStateProvider(flow: Flow, o: SourceOAuthOptions, store: StateAccess): OAuthClientProvider {
  return {
    redirectUrl: o.redirectUrl,
    clientMetadataUrl: o.clientMetadataUrl,
    clientMetadata: {
      client_name: o.clientName ?? 'MCPBox',
      redirect_uris: [o.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(o.scope ? { scope: o.scope } : {}),
    },
    state: () => {
      flow.state = randomBytes(32).toString('base64url');
      return flow.state;
    },
    clientInformation: async () => (await store.state()).clientInformation,
    saveClientInformation: (info) =>
      store.update((s) => {
        s.clientInformation = info;
      }),
    // While an admin starts a new authorization, old tokens must not short-circuit it.
    tokens: async () => (flow.interactive ? undefined : (await store.state()).tokens),
    saveTokens: (tokens) =>
      store.update((s) => {
        s.tokens = tokens;
        s.tokensSavedAt = Date.now();
      }),
    redirectToAuthorization: (url) => {
      // Outside startAuthorization nobody can open it: the flow ends as needs_auth.
      if (flow.interactive) flow.captured = url;
    },
    saveCodeVerifier: (verifier) => {
      if (flow.interactive) flow.verifier = verifier;
    },
    codeVerifier: () => {
      if (!flow.verifier) throw new OAuthFlowError('no_pending', 'No PKCE verifier is stored for this source.');
      return flow.verifier;
    },
    saveDiscoveryState: (discovery) =>
      store.update((s) => {
        s.discovery = discovery;
      }),
    discoveryState: async () => (await store.state()).discovery,
    invalidateCredentials: (scope) =>
      store.update((s) => {
        if (scope === 'all' || scope === 'client') delete s.clientInformation;
        if (scope === 'all' || scope === 'tokens') {
          delete s.tokens;
          delete s.tokensSavedAt;
        }
        if (scope === 'all' || scope === 'discovery') delete s.discovery;
      }),
  };
}
