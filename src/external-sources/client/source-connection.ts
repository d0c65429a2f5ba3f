import {
  Client,
  SdkHttpError,
  SseError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type AuthProvider,
  type ClientOptions,
  type FetchLike,
  type PriorDiscovery,
} from '@modelcontextprotocol/client';
import type { NormalizedOptions } from './source-options';

/**
 * The client does not validate a source's structured output against its output schema: a
 * passthrough returns the source's result unchanged, and judging it is the end client's
 * business (it has the same schema from tools/list).
 */
const PASSTHROUGH_VALIDATOR: NonNullable<ClientOptions['jsonSchemaValidator']> = {
  getValidator: () => (input: unknown) => ({ valid: true, data: input as never, errorMessage: undefined }),
};
/** How long a polite session DELETE may take when a connection closes. */
const TERMINATE_TIMEOUT_MS = 2000;

export type ConnectMode = { kind: 'negotiate' } | PriorDiscovery;
export type ConnectionPurpose = 'call' | 'watch';

/**
 * One SDK client connected to the source: a 2025 session (Streamable HTTP with
 * `Mcp-Session-Id`, or an SSE connection), or a 2026-07-28 stateless client. It learns of
 * its own death (the peer forgot the session, the stream broke) and is then never handed
 * out again.
 */
export class SourceConnection {
  inFlight = 0;
  lastUsed = Date.now();
  /** The transport closed or broke: unusable. */
  lost = false;
  /** The source answered 404 to our session. */
  sessionGone = false;
  /** Called once when the connection is found dead. */
  onLost?: () => void;
  private closing?: Promise<void>;

  constructor(
    readonly client: Client,
    readonly transport: StreamableHTTPClientTransport | SSEClientTransport,
    readonly purpose: ConnectionPurpose,
  ) {}

  get era(): 'modern' | 'legacy' {
    return this.client.getProtocolEra() === 'modern' ? 'modern' : 'legacy';
  }

  get protocolVersion(): string {
    return this.client.getNegotiatedProtocolVersion() ?? 'unknown';
  }

  /** Whether requests carry a session the source may forget (so that a 404 means "session gone"). */
  get hasSession(): boolean {
    return this.transport instanceof SSEClientTransport || Boolean(this.transport.sessionId);
  }

  get usable(): boolean {
    return !this.lost && !this.sessionGone && !this.closing;
  }

  markLost(): void {
    if (this.lost) return;
    this.lost = true;
    const notify = this.onLost;
    this.onLost = undefined;
    notify?.();
  }

  /** Ends the session at the source when it still exists (DELETE, briefly), then closes locally. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const terminate =
      this.transport instanceof StreamableHTTPClientTransport &&
      Boolean(this.transport.sessionId) &&
      !this.lost &&
      !this.sessionGone;
    this.closing = (async () => {
      if (terminate && this.transport instanceof StreamableHTTPClientTransport) {
        await Promise.race([
          this.transport.terminateSession().catch(() => undefined),
          new Promise((r) => setTimeout(r, TERMINATE_TIMEOUT_MS).unref()),
        ]);
      }
      await this.client.close().catch(() => undefined);
      this.markLost();
    })();
    return this.closing;
  }
}

/** Transport errors after which a connection is dead (its stream or session is gone). */
function isFatal(error: Error): boolean {
  if (SseError.isInstance(error)) return true;
  if (error instanceof SdkHttpError && error.status === 404) return true;
  return /Maximum reconnection attempts|Failed to open SSE stream: Not Found/.test(error.message);
}

function transportAuth(o: NormalizedOptions): { authProvider?: AuthProvider; headers?: Record<string, string> } {
  const auth = o.auth;
  if (auth.type === 'bearer') return { authProvider: { token: async () => auth.token } };
  if (auth.type === 'header') return { headers: { [auth.name]: auth.value } };
  if (auth.type === 'oauth') return { authProvider: auth.oauth.transportAuth() };
  return {};
}

/**
 * Opens a connection. `negotiate` probes the source's era (Streamable HTTP: `server/discover`
 * then the 2025 `initialize` fallback; SSE: the 2025 handshake); a prior verdict skips the
 * probe. Connections for calls suppress the 2025 GET notification stream (the watcher holds
 * the only one), so that a pool of sessions does not hold idle streams open at the source.
 */
export async function openConnection(
  o: NormalizedOptions,
  mode: ConnectMode,
  opts: { purpose: ConnectionPurpose; timeoutMs: number; signal?: AbortSignal },
): Promise<SourceConnection> {
  const ref: { conn?: SourceConnection } = {};
  // The SSE transport's EventSource keeps only a fetch failure's message: the error itself is kept here.
  let fetchFailure: unknown;
  const sse = o.transport === 'sse';
  const fetchFn: FetchLike = async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const sent = new Headers(init?.headers);
    // The standalone notification stream only; a GET resuming a response stream (Last-Event-ID) goes out.
    if (method === 'GET' && !sse && opts.purpose === 'call' && !sent.has('last-event-id'))
      return new Response(null, { status: 405, statusText: 'Method Not Allowed' });
    const withSession = sse || sent.has('mcp-session-id');
    let response: Response;
    try {
      response = await o.fetch(url, init);
    } catch (error) {
      fetchFailure = error;
      throw error;
    }
    if (response.status === 404 && method !== 'GET' && withSession && ref.conn) ref.conn.sessionGone = true;
    return response;
  };
  const { authProvider: rawAuth, headers } = transportAuth(o);
  // Errors of the auth seam are kept too: the SSE transport would turn them into a bare message.
  const authProvider: AuthProvider | undefined = rawAuth && {
    token: async () => {
      try {
        return await rawAuth.token();
      } catch (error) {
        fetchFailure = error;
        throw error;
      }
    },
    ...(rawAuth.onUnauthorized
      ? {
          onUnauthorized: async (ctx) => {
            try {
              await rawAuth.onUnauthorized!(ctx);
            } catch (error) {
              fetchFailure = error;
              throw error;
            }
          },
        }
      : {}),
  };
  const requestInit: RequestInit | undefined = headers ? { headers } : undefined;
  const transport = sse
    ? new SSEClientTransport(o.parsedUrl, { fetch: fetchFn, authProvider, requestInit })
    : new StreamableHTTPClientTransport(o.parsedUrl, { fetch: fetchFn, authProvider, requestInit });
  const negotiate = mode.kind === 'negotiate' && !sse;
  const client = new Client(o.clientInfo, {
    capabilities: {},
    jsonSchemaValidator: PASSTHROUGH_VALIDATOR,
    listMaxPages: o.maxDiscoverPages,
    ...(negotiate ? { versionNegotiation: { mode: 'auto', probe: { timeoutMs: opts.timeoutMs } } } : {}),
  });
  const conn = new SourceConnection(client, transport, opts.purpose);
  ref.conn = conn;
  client.onclose = () => conn.markLost();
  client.onerror = (error) => {
    if (isFatal(error)) conn.markLost();
  };
  try {
    await client.connect(transport, {
      timeout: opts.timeoutMs,
      signal: opts.signal,
      ...(mode.kind === 'negotiate' || sse ? {} : { prior: mode }),
    });
  } catch (error) {
    // A failed connect may leave the transport out of the client's reach: close both (aborts the request).
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    throw SseError.isInstance(error) && (error as SseError).code === undefined && fetchFailure ? fetchFailure : error;
  }
  conn.lastUsed = Date.now();
  return conn;
}
