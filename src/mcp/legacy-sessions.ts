import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, type AuthInfo, type Server } from '@modelcontextprotocol/server';
import { AppConfig } from '../config/app-config';
import { JSON_RPC, requestIdOf, writeJsonRpcError } from './http/json-rpc-reply';
import { scopeKey, type McpScope } from './mcp-scope';
import { McpEvents } from './mcp-events';
import { McpServerFactory } from './mcp-server-factory';
import { ToolCatalog } from './tool-catalog';

/** Requests one session may have in flight at once: what a session holds is bounded by it. */
export const MAX_IN_FLIGHT_PER_SESSION = 16;

interface LegacySession {
  id: string;
  scopeKey: string;
  transport: NodeStreamableHTTPServerTransport;
  server: Server;
  lastActivity: number;
  /** Open GET (notification) streams: a listening client is not idle. */
  streams: number;
  inFlight: number;
}

export interface LegacyRequest {
  req: IncomingMessage & { auth?: AuthInfo };
  res: ServerResponse;
  body: unknown;
  scope: McpScope;
}

/**
 * The 2025-11-25 era on the gateway: stateful sessions (`initialize`, `Mcp-Session-Id`,
 * the GET notification stream, DELETE), one SDK transport and server per session. The
 * SDK keeps sessions forever and without limit; here an idle session expires
 * (MCP_SESSION_IDLE_SECONDS), their number is capped (MCP_MAX_SESSIONS) and each may
 * have a bounded number of requests in flight.
 */
@Injectable()
export class LegacySessions implements OnModuleDestroy {
  private readonly log = new Logger(LegacySessions.name);
  private readonly sessions = new Map<string, LegacySession>();
  /** Sessions being initialized (not yet in the map), counted against the cap. */
  private opening = 0;
  private readonly sweeper: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly factory: McpServerFactory,
    private readonly catalog: ToolCatalog,
    events: McpEvents,
  ) {
    this.unsubscribe = events.subscribe((e) => this.toolsChanged(e.scopes));
    const every = Math.max(1000, Math.min(30_000, Math.floor(config.mcp.sessionIdleMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle({ req, res, body, scope }: LegacyRequest): Promise<void> {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string' && sid) return this.handleInSession(sid, req, res, body, scope);
    if (req.method === 'POST' && isInitializeRequest(body)) return this.open(req, res, body, scope);
    const message =
      req.method === 'POST'
        ? 'Bad Request: no Mcp-Session-Id header; start a session with initialize (or use protocol 2026-07-28)'
        : 'Bad Request: Mcp-Session-Id header is required';
    writeJsonRpcError(res, 400, JSON_RPC.serverError, message, { id: requestIdOf(body) });
  }

  /** `notifications/tools/list_changed` to every initialized session of the given scopes. */
  private toolsChanged(scopes: McpScope[]): void {
    const keys = new Set(scopes.map(scopeKey));
    for (const session of this.sessions.values()) {
      if (!keys.has(session.scopeKey)) continue;
      session.server.sendToolListChanged().catch(() => undefined);
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    this.unsubscribe();
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
  }

  private async handleInSession(
    sid: string,
    req: LegacyRequest['req'],
    res: ServerResponse,
    body: unknown,
    scope: McpScope,
  ): Promise<void> {
    const session = this.sessions.get(sid);
    if (!session || session.scopeKey !== scopeKey(scope)) {
      return writeJsonRpcError(
        res,
        404,
        JSON_RPC.sessionNotFound,
        'Session not found (it expired or was closed); initialize a new one',
        {
          id: requestIdOf(body),
        },
      );
    }
    session.lastActivity = Date.now();
    if (req.method === 'GET') {
      session.streams++;
      res.once('close', () => {
        session.streams--;
        session.lastActivity = Date.now();
      });
      return session.transport.handleRequest(req, res, body);
    }
    if (session.inFlight >= MAX_IN_FLIGHT_PER_SESSION) {
      return writeJsonRpcError(
        res,
        429,
        JSON_RPC.serverError,
        `Too many requests in flight on this session (at most ${MAX_IN_FLIGHT_PER_SESSION}); wait for earlier answers`,
        { id: requestIdOf(body), headers: { 'retry-after': '1' } },
      );
    }
    session.inFlight++;
    try {
      await session.transport.handleRequest(req, res, body);
    } finally {
      session.inFlight--;
      session.lastActivity = Date.now();
    }
  }

  private async open(req: LegacyRequest['req'], res: ServerResponse, body: unknown, scope: McpScope): Promise<void> {
    if (this.sessions.size + this.opening >= this.config.mcp.maxSessions) this.sweep();
    if (this.sessions.size + this.opening >= this.config.mcp.maxSessions) {
      return writeJsonRpcError(
        res,
        503,
        JSON_RPC.serverError,
        `Too many open MCP sessions (the limit is ${this.config.mcp.maxSessions}, MCP_MAX_SESSIONS); close unused sessions or try again later`,
        { id: requestIdOf(body), headers: { 'retry-after': '30' } },
      );
    }
    this.opening++;
    this.catalog.watch(scope);
    let opened = false;
    const server = this.factory.build(scope, 'legacy');
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        opened = true;
        this.opening--;
        const now = Date.now();
        this.sessions.set(id, {
          id,
          scopeKey: scopeKey(scope),
          transport,
          server,
          lastActivity: now,
          streams: 0,
          inFlight: 0,
        });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      if (!opened) {
        this.opening--;
        await server.close().catch(() => undefined);
      }
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (session.streams > 0 || session.inFlight > 0) {
        session.lastActivity = now;
        continue;
      }
      if (now - session.lastActivity > this.config.mcp.sessionIdleMs) {
        this.log.log({ session: session.id }, 'MCP session expired after being idle');
        void this.close(session);
      }
    }
  }

  private async close(session: LegacySession): Promise<void> {
    this.sessions.delete(session.id);
    await session.server.close().catch(() => undefined);
    await session.transport.close().catch(() => undefined);
  }
}
