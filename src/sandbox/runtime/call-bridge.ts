import { MAX_CONCURRENT_REQUESTS_PER_CALL } from '../../common/limits';
import { GuardedHttpClient, GuardedHttpError } from '../../guarded-http/guarded-http-client';
import { secretNeedles } from '../output-redaction';
import { digest, hmac, random, toBuffer, urlParts, urlSet, uuid } from './bridge-sync-ops';
import type { NetworkRules } from './contract';
import { HostBudget, MAX_REQUEST_BODY_BYTES, type HostHold } from './host-budget';
import {
  MCP_LOG_LEVELS,
  type AsyncOpName,
  type BridgeAnswer,
  type FetchReply,
  type FetchRequest,
  type McpNote,
  type McpQuestion,
  type OpArgs,
  type OpReply,
  type SyncOpName,
} from './isolate/bridge';

/** Total outbound requests one call may start; beyond it `fetch` rejects at once. */
export const MAX_REQUESTS_PER_CALL = 1000;
/** mcp.progress and mcp.log messages one call may send; beyond it they throw. */
export const MAX_MCP_NOTES_PER_CALL = 1000;
/** Questions (mcp.elicit, mcp.sample, mcp.roots) one call may ask. */
export const MAX_MCP_QUESTIONS_PER_CALL = 32;
/** The largest answer a question may get (JSON text), counted against the call's host budget too. */
export const MAX_MCP_ANSWER_BYTES = 1024 * 1024;

/**
 * How a call reaches its MCP client (worker side: messages to the app, which holds the
 * client's request). A call without one (a test run, a direct runtime call) drops its notes
 * and gets an error for its questions.
 */
export interface McpPort {
  note(note: McpNote): void;
  ask(question: McpQuestion): Promise<unknown>;
}

export const NO_MCP_CLIENT: McpPort = {
  note: () => undefined,
  ask: () => Promise.reject(new Error('this call has no MCP client to ask (a test run, or a call outside /mcp)')),
};

const KINDS = new Set(['elicit', 'sample', 'roots']);
const LEVELS = new Set<string>(MCP_LOG_LEVELS);
const KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Delivers the outcome of an async op into the isolate (bounded by the call's deadline);
 * settles once the value has been copied in (or could not be), never rejects.
 */
export type Deliver = (opId: number, ok: boolean, value: unknown) => Promise<void>;

/** An async op in flight: its id, and what it holds of the call's host budget (given back once delivered). */
export interface AsyncOp {
  readonly id: number;
  readonly hold: HostHold;
}

/** A handler for every sync op: the compiler holds each to its op's arguments and reply (isolate/bridge.ts). */
export type SyncHandlers = { [N in SyncOpName]: (bridge: CallBridge, ...args: OpArgs<N>) => OpReply<N> };
/** A handler for every async op: it refuses by throwing at once, or answers with a promise of the reply. */
export type AsyncHandlers = {
  [N in AsyncOpName]: (bridge: CallBridge, op: AsyncOp, ...args: OpArgs<N>) => Promise<OpReply<N>>;
};

const byteLength = (d: unknown): number =>
  typeof d === 'string' ? Buffer.byteLength(d, 'utf8') : d instanceof ArrayBuffer ? d.byteLength : 0;
/** An ArrayBuffer holding exactly the bytes of `buf`, without a copy when it already is one. */
const exactArrayBuffer = (buf: Buffer): ArrayBuffer =>
  buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer
    ? buf.buffer
    : (buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : 'bridge failure');
const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/**
 * The host side of ONE call's bridge (isolate/bridge.ts): every value in and out is a copy.
 * Async work (fetch, timers) gets an op id at once and its reply is delivered later through
 * the call's control function. Outbound requests run at most 10 at a time per call (the rest
 * wait their turn, in order) and at most 1000 in all; everything still pending is cancelled
 * when the call ends. What the host holds for the call meanwhile (request and response
 * bodies, timers) is counted against its HostBudget: beyond it a fetch or timer is refused
 * at once, and a response being read fails.
 */
export class CallBridge {
  private static readonly syncOps: SyncHandlers = {
    url: (_b, input, base) => urlParts(input, base),
    urlset: (_b, href, field, value) => urlSet(href, field, value),
    uuid: () => uuid(),
    random: (_b, bytes) => random(bytes),
    digest: (_b, alg, data) => digest(alg, data),
    hmac: (_b, alg, key, data) => hmac(alg, key, data),
    cancel: (b, opId) => b.cancel(Number(opId)),
    'mcp.note': (b, note) => b.mcpNote(note),
  };
  private static readonly asyncOps: AsyncHandlers = {
    'mcp.ask': (b, op, question) => b.mcpAsk(op, question),
    sleep: (b, op, ms) => b.sleep(op, Number(ms) || 0),
    fetch: (b, op, request) => b.fetch(op, request),
  };

  private nextOp = 1;
  private closed = false;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  readonly budget = new HostBudget();
  private abort: AbortController | undefined;
  private requests = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  deliver: Deliver = async () => undefined;
  /** The server's secret values in every spelling redaction knows: none follows a redirect (guarded-http-client.ts). */
  private secretValues: string[] | undefined;
  private notes = 0;
  private questions = 0;

  constructor(
    private readonly http: GuardedHttpClient,
    private readonly network: NetworkRules,
    private readonly deadline: number,
    private readonly secrets: Record<string, string> = {},
    private readonly mcp: McpPort = NO_MCP_CLIENT,
  ) {}

  /** The one function the isolate calls (an ivm.Callback made by the runner): a reply, an op id, or a refusal. */
  readonly handle = (op: unknown, ...args: unknown[]): BridgeAnswer<unknown> => {
    try {
      const name = String(op);
      if (own(CallBridge.syncOps, name)) {
        const handler = CallBridge.syncOps[name as SyncOpName] as (b: CallBridge, ...a: unknown[]) => unknown;
        return [true, handler(this, ...args)];
      }
      if (own(CallBridge.asyncOps, name)) return [true, this.start(name as AsyncOpName, args)];
      return [false, `unknown bridge operation ${name.slice(0, 50)}`];
    } catch (err) {
      return [false, messageOf(err)];
    }
  };

  /** Ends the call: timers cleared, in-flight requests aborted, queued ones dropped, nothing more delivered. */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.abort?.abort();
    for (const w of this.waiting.splice(0)) w();
  }

  private start(name: AsyncOpName, args: unknown[]): number {
    if (this.closed) throw new Error('the call has ended');
    const op: AsyncOp = { id: this.nextOp++, hold: this.budget.hold() };
    const handler = CallBridge.asyncOps[name] as (b: CallBridge, op: AsyncOp, ...a: unknown[]) => Promise<unknown>;
    let reply: Promise<unknown>;
    try {
      reply = handler(this, op, ...args);
    } catch (err) {
      op.hold.release();
      throw err;
    }
    reply
      .then(
        async (value) => {
          // What the op holds stays counted until its reply has been copied into the isolate.
          try {
            if (!this.closed) await this.deliver(op.id, true, value);
          } finally {
            op.hold.release();
          }
        },
        (err: unknown) => {
          // A failed op holds nothing any more: its bytes are free before the message is delivered.
          op.hold.release();
          return this.closed ? undefined : this.deliver(op.id, false, messageOf(err));
        },
      )
      .catch(() => undefined);
    return op.id;
  }

  private sleep(op: AsyncOp, ms: number): Promise<null> {
    this.budget.takeTimer();
    // A timer past the deadline would never fire inside the call anyway.
    const delay = Math.min(Math.max(0, ms), Math.max(0, this.deadline - Date.now()) + 5);
    return new Promise((resolve) =>
      this.timers.set(
        op.id,
        setTimeout(() => {
          this.timers.delete(op.id);
          this.budget.giveTimer();
          resolve(null);
        }, delay),
      ),
    );
  }

  /** A cancelled timer never answers. */
  private cancel(opId: number): null {
    const t = this.timers.get(opId);
    if (t) {
      clearTimeout(t);
      this.timers.delete(opId);
      this.budget.giveTimer();
    }
    return null;
  }

  /** mcp.progress / mcp.log: checked, counted, and handed to the port (which decides whether the client gets it). */
  private mcpNote(note: McpNote): null {
    if (this.closed) throw new Error('the call has ended');
    if (++this.notes > MAX_MCP_NOTES_PER_CALL)
      throw new Error(`too many mcp.progress/mcp.log messages: at most ${MAX_MCP_NOTES_PER_CALL} per call`);
    if (note?.kind === 'progress') {
      const { progress, total, message } = note;
      if (typeof progress !== 'number' || !Number.isFinite(progress))
        throw new Error('progress must be a finite number');
      if (total !== undefined && (typeof total !== 'number' || !Number.isFinite(total)))
        throw new Error('total must be a finite number');
      this.mcp.note({
        kind: 'progress',
        progress,
        ...(total === undefined ? {} : { total }),
        ...(typeof message === 'string' ? { message: message.slice(0, 1000) } : {}),
      });
    } else if (note?.kind === 'log') {
      if (!LEVELS.has(note.level)) throw new Error('unknown log level');
      if (typeof note.data !== 'string' || note.data.length > 65536) throw new Error('log data is too large');
      this.mcp.note({ kind: 'log', level: note.level, data: note.data });
    } else throw new Error('unknown mcp message');
    return null;
  }

  /** A question for the client: its answer is copied into the isolate (and counted) like a response body. */
  private async mcpAsk(op: AsyncOp, question: McpQuestion): Promise<unknown> {
    if (!question || !KINDS.has(question.kind)) throw new Error('unknown kind of question');
    if (typeof question.key !== 'string' || !KEY.test(question.key)) throw new Error('bad question key');
    if (typeof question.params !== 'string' || question.params.length > 65536)
      throw new Error('the question is too large');
    if (++this.questions > MAX_MCP_QUESTIONS_PER_CALL)
      throw new Error(`too many questions: at most ${MAX_MCP_QUESTIONS_PER_CALL} per call`);
    const answer = await this.mcp.ask({ kind: question.kind, key: question.key, params: question.params });
    const size = Buffer.byteLength(JSON.stringify(answer) ?? '', 'utf8');
    if (size > MAX_MCP_ANSWER_BYTES) throw new Error(`the answer is larger than ${MAX_MCP_ANSWER_BYTES} bytes`);
    op.hold.take(size);
    return answer;
  }

  private fetch(op: AsyncOp, req: FetchRequest): Promise<FetchReply> {
    if (!req || typeof req.url !== 'string') throw new Error('fetch needs a URL');
    if (this.requests >= MAX_REQUESTS_PER_CALL)
      throw new Error(`request limit reached: at most ${MAX_REQUESTS_PER_CALL} outbound requests per call`);
    const headers = Array.isArray(req.headers) ? req.headers : [];
    const size = byteLength(req.body);
    if (size > MAX_REQUEST_BODY_BYTES) throw new Error(`the request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes`);
    // Counted before the host makes its own copy of the body: beyond the budget, it never does.
    let headerBytes = req.url.length;
    for (const h of headers) headerBytes += String(h?.[0]).length + String(h?.[1]).length;
    op.hold.take(size + headerBytes);
    this.requests++;
    const body = req.body === null || req.body === undefined ? undefined : toBuffer(req.body);
    const timeoutMs = req.timeoutMs && req.timeoutMs > 0 ? req.timeoutMs : undefined;
    return this.send({ url: req.url, method: req.method, headers, timeoutMs }, body, op.hold);
  }

  private async send(req: Omit<FetchRequest, 'body'>, body: Buffer | undefined, hold: HostHold): Promise<FetchReply> {
    if (this.running >= MAX_CONCURRENT_REQUESTS_PER_CALL) await new Promise<void>((r) => this.waiting.push(r));
    if (this.closed) throw new Error('the call has ended');
    this.running++;
    try {
      const remaining = this.deadline - Date.now();
      this.abort ??= new AbortController();
      const res = await this.http.request(
        req.url,
        {
          method: req.method,
          headers: req.headers,
          body,
          timeoutMs: Math.max(1, Math.min(remaining, req.timeoutMs ?? remaining)),
          signal: this.abort.signal,
          reserve: (n) => hold.take(n),
          // Worked out on the call's first request only: most calls never make one.
          secrets: (this.secretValues ??= secretNeedles(this.secrets)),
        },
        this.network,
      );
      return {
        status: res.status,
        statusText: res.statusText,
        url: res.url,
        redirected: res.redirected,
        headers: res.headers,
        body: exactArrayBuffer(res.body),
      };
    } catch (err) {
      throw err instanceof GuardedHttpError
        ? err
        : new Error(`request failed: ${(err as Error)?.message ?? 'unknown error'}`);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
