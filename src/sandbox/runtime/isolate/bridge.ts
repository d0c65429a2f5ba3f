/**
 * The host bridge of a call, as both of its sides see it. Types only: this file is shared by
 * the code that runs INSIDE the isolate (this folder, bundled into one script) and the host
 * side in the worker process (call-bridge.ts, call-runner.ts).
 *
 * The isolate reaches the host through ONE function, `host(op, ...args)`, that takes and
 * returns copies (strings, numbers, plain arrays and objects, ArrayBuffers — never a host
 * object). Every operation is a member of BridgeOp: its name, whether it answers at once
 * (`sync`) or later (`async`: the call gets an op id at once, and the reply arrives through
 * the call's control function), and the types of its arguments and reply. Both sides are
 * typed from this one union, so a mismatch is a type error.
 *
 * Adding a bridge (an `mcp.elicit`, a module import...) is a member here, a handler in
 * call-bridge.ts (the compiler asks for it) and the global that calls it in this folder.
 */

/** The parts of a URL as the host's WHATWG parser gives them (the isolate has no URL parser). */
export interface UrlParts {
  href: string;
  origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
}
export type UrlField = keyof UrlParts;
/** The fields a URL lets its user set (all but `origin`). */
export type SettableUrlField = Exclude<UrlField, 'origin'>;

/** Data for a digest or an HMAC: text (as UTF-8) or bytes. */
export type BridgeBytes = string | ArrayBuffer;

export interface FetchRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body: string | ArrayBuffer | null;
  timeoutMs?: number;
}

export interface FetchReply {
  status: number;
  statusText: string;
  /** The final URL, after redirects. */
  url: string;
  redirected: boolean;
  headers: [string, string][];
  body: ArrayBuffer;
}

/** The MCP log levels (RFC 5424 severities), lowest first. */
export const MCP_LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type McpLogLevel = (typeof MCP_LOG_LEVELS)[number];

/** A one-way message of the tool to its MCP client (mcp.progress, mcp.log). */
export type McpNote =
  | { kind: 'progress'; progress: number; total?: number; message?: string }
  /** `data` is the JSON text of what the tool logged. */
  | { kind: 'log'; level: McpLogLevel; data: string };

/** A question of the tool to the MCP client: the user (elicit), the client's model (sample) or its roots. */
export interface McpQuestion {
  kind: 'elicit' | 'sample' | 'roots';
  /** Names the question across re-runs (the 2026-07-28 era asks again by re-running the tool). */
  key: string;
  /** The request's params as the tool gave them (JSON text; `{}` for roots). */
  params: string;
}

export type BridgeOp =
  | { op: 'url'; mode: 'sync'; args: [input: string, base?: string]; reply: UrlParts }
  | { op: 'urlset'; mode: 'sync'; args: [href: string, field: SettableUrlField, value: string]; reply: UrlParts }
  | { op: 'uuid'; mode: 'sync'; args: []; reply: string }
  | { op: 'random'; mode: 'sync'; args: [bytes: number]; reply: ArrayBuffer }
  /** Hex digest of `data`. */
  | { op: 'digest'; mode: 'sync'; args: [algorithm: string, data: BridgeBytes]; reply: string }
  /** Hex HMAC of `data` under `key`. */
  | { op: 'hmac'; mode: 'sync'; args: [algorithm: string, key: BridgeBytes, data: BridgeBytes]; reply: string }
  /** Stops a pending async op (a timer) of this call: its reply never comes. */
  | { op: 'cancel'; mode: 'sync'; args: [opId: number]; reply: null }
  /** Seam for approved module bundles (the modules issue): none is installed yet, so it always refuses. */
  | { op: 'module'; mode: 'sync'; args: [name: string]; reply: never }
  /** mcp.progress / mcp.log: sent to the MCP client when the call's request allows it, else dropped. */
  | { op: 'mcp.note'; mode: 'sync'; args: [note: McpNote]; reply: null }
  /** mcp.elicit / mcp.sample / mcp.roots: the client's answer (the spec's result object). */
  | { op: 'mcp.ask'; mode: 'async'; args: [question: McpQuestion]; reply: unknown }
  | { op: 'sleep'; mode: 'async'; args: [ms: number]; reply: null }
  | { op: 'fetch'; mode: 'async'; args: [request: FetchRequest]; reply: FetchReply };

export type OpName = BridgeOp['op'];
export type SyncOpName = Extract<BridgeOp, { mode: 'sync' }>['op'];
export type AsyncOpName = Extract<BridgeOp, { mode: 'async' }>['op'];
export type OpArgs<N extends OpName> = Extract<BridgeOp, { op: N }>['args'];
export type OpReply<N extends OpName> = Extract<BridgeOp, { op: N }>['reply'];

/** The host's answer: a sync op's reply or an async op's id — or a refusal with its message. */
export type BridgeAnswer<T> = [ok: true, value: T] | [ok: false, message: string];

/** The one function the isolate calls (an ivm.Callback on the host side). */
export type HostBridge = <N extends OpName>(
  op: N,
  ...args: OpArgs<N>
) => BridgeAnswer<N extends SyncOpName ? OpReply<N> : number>;

/**
 * The call's control function, installed in its context under a random name: the host
 * delivers async replies through it (`deliver`), or reads the call's stdout after a timeout.
 */
export type ControlMessage = ['deliver', opId: number, ok: boolean, value: unknown] | ['stdout'];
export type ControlFunction = (...message: ControlMessage) => string | undefined;

/** The configuration of one call, handed to the bootstrap as one JSON text (callConfigJson in call-runner.ts). */
export interface CallConfig {
  /** The call's arguments (what `main` receives). */
  args: unknown;
  /** The server's secrets. */
  secrets: Record<string, string>;
  maxResultSize: number;
  maxStdout: number;
  /** The global name of the control function. */
  control: string;
}

/** What the in-isolate runner hands back (strings and flags only; the host checks every field again). */
export type ResultEnvelope =
  | { ok: true; kind: 'none'; stdout: string }
  | { ok: true; kind: 'text' | 'json'; data: string; size: number; truncated: boolean; stdout: string }
  | {
      ok: true;
      kind: 'content';
      data: string;
      truncated: boolean;
      isError: boolean;
      structured?: string;
      stdout: string;
    }
  | { ok: false; error: string; stdout: string };

/** A tool module turned into a factory (code-loader.ts): CommonJS parameters, `require` limited to approved modules. */
export type ToolFactory = (require: (name: string) => unknown, module: { exports: unknown }, exports: unknown) => void;

/** The bootstrap: installs the globals (docs/sandbox.md#globals) in a fresh context, runs the tool, returns its envelope. */
export type Bootstrap = (host: HostBridge, cfgJson: string, factory: ToolFactory) => Promise<ResultEnvelope>;
