import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { classifyInboundRequest, type AuthInfo } from '@modelcontextprotocol/server';
import { ActivityService } from '../activity/activity.service';
import { clientKey, isLoopback } from '../common/client-key';
import { MAX_JSON_DEPTH } from '../common/json-input';
import { NAME_PATTERN } from '../common/limits';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { SandboxService } from '../sandbox/sandbox.service';
import { ServersService } from '../servers/servers.service';
import { SettingsService } from '../settings/settings.service';
import { JSON_RPC, requestIdOf, writeJsonRpcError } from './http/json-rpc-reply';
import { OriginPolicy } from './http/origin-policy';
import { RateLimiter } from './http/rate-limiter';
import { StreamQuota } from './http/stream-quota';
import { LegacySessions } from './legacy-sessions';
import { ManagementToolsProvider } from './management/management-tools.provider';
import { McpEvents } from './mcp-events';
import { exchangeEntry, openExchange, runInExchange, settleExchange, type McpExchange } from './mcp-exchange';
import type { McpScope } from './mcp-scope';
import { identityAuthInfo } from './mcp-server-factory';
import { ModernEndpoints } from './modern-endpoints';
import { SandboxToolsProvider, SEPARATOR } from './sandbox-tools.provider';
import { ToolCatalog } from './tool-catalog';

export const SERVICE_TOKEN_HEADER = 'x-mcpbox-service-token';
export const USER_EMAIL_HEADER = 'x-mcpbox-user-email';
/** 2026-07-28 listen streams one client (address, or user in remote mode) may hold open. */
export const LISTEN_STREAMS_PER_CLIENT = 32;

/** A body the HTTP layer could not take (the route's content-type parsers return it in place of the body). */
export class BodyProblem {
  constructor(
    readonly problem: 'parse' | 'media-type' | 'too-large' | 'too-deep',
    readonly message = '',
  ) {}
}

export interface GatewayRequest {
  req: IncomingMessage & { auth?: AuthInfo };
  res: ServerResponse;
  /** The parsed JSON body, a BodyProblem, or undefined (GET, DELETE). */
  body: unknown;
  scope: McpScope;
  /** The client's address as Fastify resolved it (trusted proxies applied). */
  address: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * The MCP gateway's front door (docs/architecture.md#modes-and-the-front-door): every `/mcp` request passes the DNS-rebinding
 * check, the mode's authentication and the per-client rate limit, then goes to its era —
 * 2025 sessions or the stateless 2026-07-28 handler. Every refusal is a JSON-RPC error
 * that says why. Tool lists come from one catalog; when it changes, both eras hear it.
 */
@Injectable()
export class McpGateway implements OnModuleInit, OnModuleDestroy {
  private readonly origins: OriginPolicy;
  private readonly limiter = new RateLimiter();
  private readonly listens: StreamQuota;
  private readonly serviceTokenHash?: Buffer;
  private unsubscribe?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly settings: SettingsService,
    private readonly catalog: ToolCatalog,
    private readonly managementTools: ManagementToolsProvider,
    private readonly sandboxTools: SandboxToolsProvider,
    private readonly events: McpEvents,
    private readonly legacy: LegacySessions,
    private readonly modern: ModernEndpoints,
    private readonly servers: ServersService,
    private readonly sandbox: SandboxService,
    private readonly activity: ActivityService,
    private readonly metrics: MetricsService,
  ) {
    this.listens = new StreamQuota(config.mcp.maxListenStreams, LISTEN_STREAMS_PER_CLIENT);
    this.origins = new OriginPolicy({
      bindHost: config.host,
      allowedHosts: config.mcp.allowedHosts,
      allowedOrigins: [...config.mcp.allowedOrigins, ...config.corsOrigins],
      publicUrl: config.publicUrl,
    });
    if (config.serviceToken) this.serviceTokenHash = sha256(config.serviceToken);
  }

  onModuleInit(): void {
    this.catalog.register(this.managementTools);
    this.catalog.register(this.sandboxTools);
    this.unsubscribe = this.catalog.onListChanged((scopes) =>
      this.events.publish({ kind: 'tools_list_changed', scopes }),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Open 2026-07-28 listen streams (the metrics' gauge). */
  get listenStreams(): number {
    return this.listens.size;
  }

  /** Every request, refused or served, ends as one `mcp_request` activity entry (written behind). */
  handle(request: GatewayRequest): Promise<void> {
    const exchange = openExchange(request.req, request.body, request.scope);
    request.res.once('close', () => this.record(exchange, request));
    return runInExchange(exchange, () => this.route(request, exchange));
  }

  private async route({ req, res, body, scope, address }: GatewayRequest, exchange: McpExchange): Promise<void> {
    const id = requestIdOf(body);
    const refused = this.origins.refusal(req.headers.host, header(req, 'origin'));
    if (refused) return writeJsonRpcError(res, 403, JSON_RPC.serverError, `Forbidden: ${refused}`, { id });

    const remote = this.config.mode === 'remote';
    if (remote && !this.validServiceToken(header(req, SERVICE_TOKEN_HEADER))) {
      return writeJsonRpcError(
        res,
        401,
        JSON_RPC.serverError,
        'Unauthorized: a valid X-MCPbox-Service-Token header is required (remote mode)',
        { id },
      );
    }

    // A client is its user in remote mode, where the header comes from the service token's holder;
    // in local mode anyone may send any email, so a client is its address there.
    const email = remote ? header(req, USER_EMAIL_HEADER)?.trim().toLowerCase().slice(0, 320) || null : null;
    const client = email ? `user:${email}` : `ip:${clientKey(address)}`;
    const retryAfter = this.limiter.take(client, this.settings.get('mcp_rate_limit_rpm'));
    if (retryAfter !== null) {
      return writeJsonRpcError(
        res,
        429,
        JSON_RPC.serverError,
        `Rate limit exceeded (mcp_rate_limit_rpm = ${this.settings.get('mcp_rate_limit_rpm')} requests a minute per client); retry after ${retryAfter} s`,
        { id, headers: { 'retry-after': String(retryAfter) } },
      );
    }

    if (scope.kind === 'server' && !(await this.serverExists(scope.serverName))) {
      return writeJsonRpcError(
        res,
        404,
        JSON_RPC.serverError,
        `Not found: no MCPBox server is named "${scope.serverName}"`,
        { id },
      );
    }

    if (body instanceof BodyProblem) {
      if (body.problem === 'too-large') {
        return writeJsonRpcError(
          res,
          413,
          JSON_RPC.invalidRequest,
          'Request body too large: it holds too many JSON values',
        );
      }
      if (body.problem === 'too-deep') {
        return writeJsonRpcError(
          res,
          400,
          JSON_RPC.invalidRequest,
          `Invalid Request: the message is nested more than ${MAX_JSON_DEPTH} levels deep`,
        );
      }
      if (body.problem === 'media-type') {
        return writeJsonRpcError(
          res,
          415,
          JSON_RPC.serverError,
          'Unsupported Media Type: send the JSON-RPC message as application/json',
        );
      }
      return writeJsonRpcError(res, 400, JSON_RPC.parseError, `Parse error: ${body.message}`);
    }
    if (req.method === 'POST' && body === undefined) {
      return writeJsonRpcError(
        res,
        400,
        JSON_RPC.parseError,
        'Parse error: the request body must be a JSON-RPC message',
      );
    }

    req.auth = identityAuthInfo({ email, address });
    const legacy = this.isLegacy(req, body);
    exchange.era = legacy ? 'legacy' : 'modern';
    if (legacy) return this.legacy.handle({ req, res, body, scope });
    if ((body as { method?: unknown } | undefined)?.method === 'subscriptions/listen') {
      // A client is known by its user, or by an address only it has: every request of remote mode
      // comes from the proxy's, and every local client of a loopback bind from 127.0.0.1. Such a
      // stream counts in the total only, so that a proxy or a machine is not one client.
      const known = remote ? email !== null : !isLoopback(address);
      const refused = this.listens.open(known ? client : null, res);
      if (refused) return writeJsonRpcError(res, 503, JSON_RPC.serverError, refused, { id });
    }
    return this.modern.handle(req, res, body, scope);
  }

  private record(exchange: McpExchange, { req, res }: GatewayRequest): void {
    const result = settleExchange(exchange, res);
    const user = this.config.mode === 'remote' ? header(req, USER_EMAIL_HEADER)?.trim().slice(0, 320) || null : null;
    this.activity.enqueue(exchangeEntry(result, this.serverOf(exchange), user));
    this.metrics.mcpRequest(exchange.method, exchange.era, result.outcome, result.durationMs / 1000);
  }

  /** The running server a request addressed (its endpoint, or the `{server}__` prefix of the tool it called). */
  private serverOf(exchange: McpExchange): string | null {
    const name =
      exchange.scope.kind === 'server'
        ? exchange.scope.serverName
        : exchange.tool?.includes(SEPARATOR)
          ? exchange.tool.slice(0, exchange.tool.indexOf(SEPARATOR))
          : null;
    return name ? (this.sandbox.runningServerId(name) ?? null) : null;
  }

  private validServiceToken(given: string | undefined): boolean {
    if (!given || !this.serviceTokenHash) return false;
    return timingSafeEqual(sha256(given), this.serviceTokenHash);
  }

  private async serverExists(name: string): Promise<boolean> {
    if (!NAME_PATTERN.test(name)) return false;
    if (this.sandbox.runningServers().some((s) => s.serverName === name)) return true;
    return (await this.servers.findByName(name)) !== null;
  }

  /**
   * The SDK's own era decision (2025 sessions vs 2026-07-28): `classifyInboundRequest`, the step
   * behind its `isLegacyRequest`, fed the parsed body and the three headers it reads — without
   * building a web `Request` per call. A GET or DELETE is 2025 (its GET stream, its session end);
   * a body the ladder refuses goes to the 2026-07-28 handler, which answers with the spec's error.
   */
  private isLegacy(req: IncomingMessage, body: unknown): boolean {
    const outcome = classifyInboundRequest({
      httpMethod: req.method ?? 'GET',
      protocolVersionHeader: header(req, 'mcp-protocol-version'),
      mcpMethodHeader: header(req, 'mcp-method'),
      mcpNameHeader: header(req, 'mcp-name'),
      ...(body !== undefined && { body }),
    });
    return outcome.kind === 'legacy';
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
