/**
 * A small OAuth 2.1 authorization server on 127.0.0.1 for the external-source tests:
 * RFC 8414 metadata, dynamic client registration (RFC 7591), Client ID Metadata Document
 * client ids when enabled, an authorization endpoint that approves at once (the admin's
 * browser is the test) with PKCE S256 and RFC 9207 `iss`, and a token endpoint for the
 * authorization-code and refresh-token grants (refresh tokens rotate). Its access tokens
 * are what `oauthGate` lets through to an MCP source.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthGate, TestSource } from './mcp-sources';

export interface AuthorizationServerOptions {
  /** Lifetime of access tokens, seconds (default 3600). */
  accessTtlS?: number;
  /** Advertise and accept Client ID Metadata Document URLs as client ids. */
  cimd?: boolean;
  /** Leave code_challenge_methods_supported out of the metadata (a server without PKCE). */
  noPkceMetadata?: boolean;
  scopes?: string[];
}

interface Grant {
  clientId: string;
  scope: string;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
};
const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
const token = () => randomBytes(24).toString('base64url');

export class TestAuthorizationServer {
  url = '';
  /** Every HTTP request it received (method and path). */
  readonly requests: string[] = [];
  readonly registrations: string[] = [];
  /** Grant types of every token request, in order. */
  readonly tokenRequests: string[] = [];
  readonly authorizeRequests: URLSearchParams[] = [];
  private readonly clients = new Map<string, { redirectUris: string[] }>();
  private readonly codes = new Map<
    string,
    { clientId: string; redirectUri: string; challenge: string; scope: string; resource?: string }
  >();
  private readonly access = new Map<string, Grant & { expiresAt: number }>();
  private readonly refresh = new Map<string, Grant>();
  private http?: HttpServer;

  constructor(private readonly options: AuthorizationServerOptions = {}) {}

  async start(): Promise<this> {
    this.http = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(err) });
      });
    });
    await new Promise<void>((r) => this.http!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.http?.closeAllConnections();
    await new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r()));
  }

  /** Whether an access token is valid now. */
  isValid(accessToken: string): boolean {
    const grant = this.access.get(accessToken);
    return Boolean(grant && grant.expiresAt > Date.now());
  }

  /** Every access token stops working (as if expired or revoked). */
  expireAccessTokens(): void {
    for (const grant of this.access.values()) grant.expiresAt = 0;
  }

  /** Every refresh token stops working (revoked, or the grant ended). */
  revokeRefreshTokens(): void {
    this.refresh.clear();
  }

  get metadata(): Record<string, unknown> {
    return {
      issuer: this.url,
      authorization_endpoint: `${this.url}/authorize`,
      token_endpoint: `${this.url}/token`,
      registration_endpoint: `${this.url}/register`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
      scopes_supported: this.options.scopes ?? ['mcp'],
      authorization_response_iss_parameter_supported: true,
      ...(this.options.noPkceMetadata ? {} : { code_challenge_methods_supported: ['S256'] }),
      ...(this.options.cimd ? { client_id_metadata_document_supported: true } : {}),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'GET' && url.pathname === '/.well-known/oauth-authorization-server')
      return json(res, 200, this.metadata);
    if (req.method === 'POST' && url.pathname === '/register') {
      const body = JSON.parse(await readBody(req)) as { redirect_uris?: string[]; client_name?: string };
      const clientId = `client-${this.registrations.length + 1}`;
      this.registrations.push(body.client_name ?? '');
      this.clients.set(clientId, { redirectUris: body.redirect_uris ?? [] });
      return json(res, 201, { ...body, client_id: clientId, token_endpoint_auth_method: 'none' });
    }
    if (req.method === 'GET' && url.pathname === '/authorize') return this.authorize(url.searchParams, res);
    if (req.method === 'POST' && url.pathname === '/token')
      return this.token(new URLSearchParams(await readBody(req)), res);
    json(res, 404, { error: 'not_found' });
  }

  private authorize(q: URLSearchParams, res: ServerResponse): void {
    this.authorizeRequests.push(q);
    const clientId = q.get('client_id') ?? '';
    const redirectUri = q.get('redirect_uri') ?? '';
    const known = this.clients.get(clientId);
    const cimd = this.options.cimd && clientId.startsWith('https://');
    if ((!known && !cimd) || (known && !known.redirectUris.includes(redirectUri)))
      return json(res, 400, { error: 'invalid_request', error_description: 'unknown client or redirect_uri' });
    if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge'))
      return json(res, 400, { error: 'invalid_request', error_description: 'PKCE S256 required' });
    const code = token();
    this.codes.set(code, {
      clientId,
      redirectUri,
      challenge: q.get('code_challenge')!,
      scope: q.get('scope') ?? '',
      resource: q.get('resource') ?? undefined,
    });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    back.searchParams.set('iss', this.url);
    res.writeHead(302, { location: back.href }).end();
  }

  private token(p: URLSearchParams, res: ServerResponse): void {
    const grantType = p.get('grant_type') ?? '';
    this.tokenRequests.push(grantType);
    let grant: Grant;
    if (grantType === 'authorization_code') {
      const code = this.codes.get(p.get('code') ?? '');
      this.codes.delete(p.get('code') ?? '');
      const verifier = p.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!code || code.clientId !== p.get('client_id') || code.redirectUri !== p.get('redirect_uri'))
        return json(res, 400, { error: 'invalid_grant', error_description: 'bad code' });
      if (challenge !== code.challenge)
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      grant = { clientId: code.clientId, scope: code.scope };
    } else if (grantType === 'refresh_token') {
      const old = this.refresh.get(p.get('refresh_token') ?? '');
      if (!old) return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token revoked' });
      this.refresh.delete(p.get('refresh_token') ?? '');
      grant = old;
    } else {
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    const accessToken = token();
    const refreshToken = token();
    const ttl = this.options.accessTtlS ?? 3600;
    this.access.set(accessToken, { ...grant, expiresAt: Date.now() + ttl * 1000 });
    this.refresh.set(refreshToken, grant);
    json(res, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      refresh_token: refreshToken,
      scope: grant.scope,
    });
  }
}

/**
 * The MCP source's side: protected-resource metadata (RFC 9728) at the path-aware well-known
 * URL, and a gate that lets valid access tokens of `as` through (401 with the metadata URL
 * and scope otherwise).
 */
export function oauthProtection(
  as: TestAuthorizationServer,
  source: () => TestSource,
): { gate: AuthGate; routes: (req: IncomingMessage, res: ServerResponse) => boolean } {
  const metadataUrl = () => {
    const u = new URL(source().url);
    return `${u.origin}/.well-known/oauth-protected-resource${u.pathname}`;
  };
  return {
    routes: (req, res) => {
      if (req.method !== 'GET' || new URL(metadataUrl()).pathname !== req.url) return false;
      json(res, 200, { resource: source().url, authorization_servers: [as.url], scopes_supported: ['mcp'] });
      return true;
    },
    gate: (req, res) => {
      const auth = req.headers.authorization ?? '';
      if (auth.startsWith('Bearer ') && as.isValid(auth.slice(7))) return true;
      json(
        res,
        401,
        { error: 'invalid_token' },
        { 'www-authenticate': `Bearer resource_metadata="${metadataUrl()}", scope="mcp"` },
      );
      return false;
    },
  };
}
