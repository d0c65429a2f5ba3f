/**
 * Real MCP servers on 127.0.0.1 for the external-source client's tests, built with the
 * SDK's server packages: a 2026-07-28 source (`createMcpHandler`), a 2025 session source
 * (`NodeStreamableHTTPServerTransport` with `Mcp-Session-Id`, 404 for a forgotten session)
 * and an old HTTP+SSE source (`SSEServerTransport` of `@modelcontextprotocol/server-legacy`).
 * Each can be stopped and started again on the same port (a restart: sessions forgotten),
 * and may sit behind an auth gate (bearer token, custom header, or OAuth tokens).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isInitializeRequest,
  Server,
  type CallToolResult,
  type McpHttpHandler,
  type Tool,
} from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';

export interface SourceTool {
  definition: Tool;
  run: (args: Record<string, unknown>, signal: AbortSignal) => Promise<CallToolResult> | CallToolResult;
}

export const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** The usual fixture: text, image, an error result, structured output, a slow tool and a call counter. */
export function fixtureTools(calls: string[] = []): SourceTool[] {
  const logged =
    (name: string, run: SourceTool['run']): SourceTool['run'] =>
    (args, signal) => {
      calls.push(name);
      return run(args, signal);
    };
  return [
    {
      definition: {
        name: 'Echo-Text',
        title: 'Echo',
        description: 'Echoes its text argument',
        inputSchema: {
          type: 'object',
          properties: { text: { type: 'string', description: 'what to echo' } },
          required: ['text'],
        },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      run: logged('Echo-Text', (args) => ({ content: [{ type: 'text', text: `echo: ${String(args.text)}` }] })),
    },
    {
      definition: { name: 'picture', description: 'A one-pixel image', inputSchema: { type: 'object' } },
      run: logged('picture', () => ({
        content: [
          { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
          { type: 'text', text: 'a pixel' },
        ],
      })),
    },
    {
      definition: { name: 'fails', description: 'Always reports a tool error', inputSchema: { type: 'object' } },
      run: logged('fails', () => ({ content: [{ type: 'text', text: 'the widget is broken' }], isError: true })),
    },
    {
      definition: {
        name: 'stats',
        description: 'Structured output that does not match its own schema',
        inputSchema: { type: 'object' },
        outputSchema: { type: 'object', properties: { count: { type: 'number' } }, required: ['count'] },
      },
      run: logged('stats', () => ({
        content: [{ type: 'text', text: '{"count":"many"}' }],
        structuredContent: { count: 'many' },
        _meta: { 'example.com/trace': 'abc' },
      })),
    },
    {
      definition: {
        name: 'slow',
        description: 'Sleeps ms milliseconds',
        inputSchema: { type: 'object', properties: { ms: { type: 'number' } } },
      },
      run: logged('slow', async (args, signal) => {
        await sleep(Number(args.ms ?? 1000), signal);
        return { content: [{ type: 'text', text: 'slept' }] };
      }),
    },
  ];
}

export type SourceKind = 'modern' | 'session' | 'sse';

/** Decides whether a request may reach MCP: null to let it through, or writes the refusal itself. */
export type AuthGate = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface TestSourceOptions {
  tools: SourceTool[];
  gate?: AuthGate;
  /** Tools per tools/list page (pagination); default all on one page. */
  pageSize?: number;
  /** Extra routes served before the gate (e.g. protected-resource metadata). */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
  name?: string;
  /**
   * `session`: the status for a session it does not know. 404 by the spec; 400 as the SDK 1
   * examples (and so many servers built from them, the reference server-everything too) answer.
   */
  unknownSessionStatus?: 404 | 400;
}

/** A bearer-token gate: 401 with a challenge unless `Authorization: Bearer <token>`. */
export function bearerGate(token: string, challenge = 'Bearer realm="test"'): AuthGate {
  return (req, res) => {
    if (req.headers.authorization === `Bearer ${token}`) return true;
    res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_token' }));
    return false;
  };
}

/** A custom-header gate. */
export function headerGate(name: string, value: string): AuthGate {
  return (req, res) => {
    if (req.headers[name.toLowerCase()] === value) return true;
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad key' }));
    return false;
  };
}

export class TestSource {
  url = '';
  port = 0;
  /** TCP connections accepted since the first start. */
  connections = 0;
  /** HTTP requests seen (method and path), since the first start. */
  readonly requests: string[] = [];
  /** Headers of every request (for checks of what the client sent). */
  readonly headers: Record<string, string | string[] | undefined>[] = [];
  private http?: HttpServer;
  private handler?: McpHttpHandler;
  private legacySessions = new Map<string, { transport: NodeStreamableHTTPServerTransport; server: Server }>();
  private sseSessions = new Map<string, { transport: SSEServerTransport; server: Server }>();

  constructor(
    readonly kind: SourceKind,
    private readonly options: TestSourceOptions,
  ) {}

  get sessionCount(): number {
    return this.kind === 'sse' ? this.sseSessions.size : this.legacySessions.size;
  }

  /** Starts (again) on the same port when it ran before. */
  async start(): Promise<this> {
    this.legacySessions = new Map();
    this.sseSessions = new Map();
    if (this.kind === 'modern') {
      this.handler = createMcpHandler(() => this.buildServer());
    }
    const node = this.handler ? toNodeHandler(this.handler) : undefined;
    const http = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      this.headers.push({ ...req.headers });
      if (this.options.routes?.(req, res)) return;
      if (this.options.gate && !this.options.gate(req, res)) return;
      const done = (err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      };
      if (node) node(req, res).catch(done);
      else if (this.kind === 'session') this.handleSession(req, res).catch(done);
      else this.handleSse(req, res).catch(done);
    });
    http.on('connection', () => this.connections++);
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.http = http;
    this.port = (http.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}${this.kind === 'sse' ? '/sse' : '/mcp'}`;
    return this;
  }

  /** Stops as a crashed process would: every session forgotten, every connection cut. */
  async stop(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    await this.handler?.close().catch(() => undefined);
    this.handler = undefined;
    for (const s of this.legacySessions.values()) await s.transport.close().catch(() => undefined);
    for (const s of this.sseSessions.values()) await s.transport.close().catch(() => undefined);
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Announces a tool-list change the way the source's era does. */
  async notifyToolsChanged(): Promise<void> {
    if (this.handler) this.handler.notify.toolsChanged();
    for (const s of this.legacySessions.values()) await s.server.sendToolListChanged().catch(() => undefined);
    for (const s of this.sseSessions.values()) await s.server.sendToolListChanged().catch(() => undefined);
  }

  private buildServer(): Server {
    const server = new Server(
      { name: this.options.name ?? `test-${this.kind}`, version: '3.1.4' },
      { capabilities: { tools: { listChanged: true } }, instructions: 'Test source.' },
    );
    server.setRequestHandler('tools/list', (request) => {
      const all = this.options.tools.map((t) => t.definition);
      const size = this.options.pageSize ?? all.length;
      const start = Number(request.params?.cursor ?? 0);
      const next = start + size;
      return { tools: all.slice(start, next), ...(next < all.length ? { nextCursor: String(next) } : {}) };
    });
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const tool = this.options.tools.find((t) => t.definition.name === request.params.name);
      if (!tool) throw new Error(`Unknown tool: ${request.params.name}`);
      return tool.run(request.params.arguments ?? {}, ctx.mcpReq.signal);
    });
    return server;
  }

  private async handleSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string' && this.legacySessions.has(sid)) {
      return this.legacySessions.get(sid)!.transport.handleRequest(req, res, body);
    }
    if (!sid && req.method === 'POST' && isInitializeRequest(body)) {
      const server = this.buildServer();
      const sessions = this.legacySessions;
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    const json = (status: number, code: number, message: string): void => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
    };
    if (sid && this.options.unknownSessionStatus === 400)
      json(400, -32000, 'Bad Request: No valid session ID provided');
    else if (sid) json(404, -32001, 'Session not found');
    else json(400, -32000, 'Bad Request: Session ID required');
  }

  private async handleSse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      const server = this.buildServer();
      const sessions = this.sseSessions;
      sessions.set(transport.sessionId, { transport, server });
      transport.onclose = () => sessions.delete(transport.sessionId);
      await server.connect(transport);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const session = this.sseSessions.get(url.searchParams.get('sessionId') ?? '');
      if (!session) {
        res.writeHead(404).end('Session not found');
        return;
      }
      return session.transport.handlePostMessage(req, res);
    }
    res.writeHead(404).end();
  }
}

export async function startSource(kind: SourceKind, options: TestSourceOptions): Promise<TestSource> {
  return new TestSource(kind, options).start();
}

/** A fetch with a log of what went through it. */
export function loggingFetch(
  inner: (input: string | URL, init?: RequestInit) => Promise<Response> = fetch,
  log: string[] = [],
): { fetch: (input: string | URL, init?: RequestInit) => Promise<Response>; log: string[] } {
  return {
    log,
    fetch: async (input, init) => {
      log.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return inner(input, init);
    },
  };
}
