import { createHash, createHmac, getHashes, randomBytes, randomUUID } from 'node:crypto';
import { MAX_CONCURRENT_REQUESTS_PER_CALL } from '../../common/limits';
import { GuardedHttpClient, GuardedHttpError } from '../guarded-http/guarded-http-client';
import { secretNeedles } from '../output-redaction';
import type { NetworkRules } from './contract';
import { HostBudget, HostBudgetError, MAX_REQUEST_BODY_BYTES, type HostHold } from './host-budget';

/** Total outbound requests one call may start; beyond it `fetch` rejects at once. */
export const MAX_REQUESTS_PER_CALL = 1000;
const HASHES = new Set(getHashes());

type Reply = [boolean, unknown];
/**
 * Delivers the outcome of an async op into the isolate (bounded by the call's deadline);
 * settles once the value has been copied in (or could not be), never rejects.
 */
export type Deliver = (opId: number, ok: boolean, value: unknown) => Promise<void>;

interface FetchRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body: string | ArrayBuffer | null;
  timeoutMs?: number;
}

const toBuffer = (d: unknown): Buffer =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.alloc(0);
const byteLength = (d: unknown): number =>
  typeof d === 'string' ? Buffer.byteLength(d, 'utf8') : d instanceof ArrayBuffer ? d.byteLength : 0;
/** An ArrayBuffer holding exactly the bytes of `buf`, without a copy when it already is one. */
const exactArrayBuffer = (buf: Buffer): ArrayBuffer =>
  buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer
    ? buf.buffer
    : (buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);

/**
 * The host side of ONE call's bridges: every value in and out is a copy (strings, numbers,
 * plain arrays, ArrayBuffers). Async work (fetch, timers) gets an op id at once and its
 * result is delivered later through the call's control function. Outbound requests run at
 * most 10 at a time per call (the rest wait their turn, in order) and at most 1000 in all;
 * everything still pending is cancelled when the call ends. What the host holds for the
 * call meanwhile (request and response bodies, timers) is counted against its HostBudget:
 * beyond it a fetch or timer is refused at once, and a response being read fails.
 */
export class CallBridge {
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

  constructor(
    private readonly http: GuardedHttpClient,
    private readonly network: NetworkRules,
    private readonly deadline: number,
    private readonly secrets: Record<string, string> = {},
  ) {}

  /** The synchronous bridge the isolate calls (wrapped in an ivm.Callback by the runner). */
  readonly handle = (op: string, a?: unknown, b?: unknown, c?: unknown): Reply => {
    try {
      switch (op) {
        case 'url':
          return urlParts(a, b);
        case 'urlset':
          return urlSet(a, b, c);
        case 'uuid':
          return [true, randomUUID()];
        case 'random':
          return [true, new Uint8Array(randomBytes(Math.min(65536, Math.max(0, Number(a) || 0)))).buffer];
        case 'digest':
          return digest(a, b);
        case 'hmac':
          return hmac(a, b);
        case 'sleep':
          return this.sleep(Number(a) || 0);
        case 'cancel':
          this.cancel(Number(a));
          return [true, null];
        case 'fetch':
          return this.fetch(a as FetchRequest);
        case 'module':
          // Seam for approved module bundles (modules issue): none are installed yet.
          return [false, `module "${String(a).slice(0, 200)}" is not approved/installed`];
        default:
          return [false, `unknown bridge operation ${String(op).slice(0, 50)}`];
      }
    } catch (err) {
      if (err instanceof HostBudgetError) return [false, err.message];
      return [false, err instanceof Error ? err.message : 'bridge failure'];
    }
  };

  private sleep(ms: number): Reply {
    if (this.closed) return [false, 'the call has ended'];
    this.budget.takeTimer();
    const id = this.nextOp++;
    // A timer past the deadline would never fire inside the call anyway.
    const delay = Math.min(Math.max(0, ms), Math.max(0, this.deadline - Date.now()) + 5);
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.budget.giveTimer();
        void this.deliver(id, true, null);
      }, delay),
    );
    return [true, id];
  }

  private cancel(id: number): void {
    const t = this.timers.get(id);
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(id);
    this.budget.giveTimer();
  }

  private fetch(req: FetchRequest): Reply {
    if (this.closed) return [false, 'the call has ended'];
    if (!req || typeof req.url !== 'string') return [false, 'fetch needs a URL'];
    if (this.requests >= MAX_REQUESTS_PER_CALL)
      return [false, `request limit reached: at most ${MAX_REQUESTS_PER_CALL} outbound requests per call`];
    const headers = Array.isArray(req.headers) ? req.headers : [];
    const size = byteLength(req.body);
    if (size > MAX_REQUEST_BODY_BYTES) return [false, `the request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes`];
    // Counted before the host makes its own copy of the body: beyond the budget, it never does.
    let headerBytes = req.url.length;
    for (const h of headers) headerBytes += String(h?.[0]).length + String(h?.[1]).length;
    const hold = this.budget.hold();
    hold.take(size + headerBytes);
    this.requests++;
    const id = this.nextOp++;
    const body = req.body === null || req.body === undefined ? undefined : toBuffer(req.body);
    const timeoutMs = req.timeoutMs && req.timeoutMs > 0 ? req.timeoutMs : undefined;
    void this.runFetch(id, { url: req.url, method: req.method, headers, timeoutMs }, body, hold);
    return [true, id];
  }

  private async runFetch(
    id: number,
    req: Omit<FetchRequest, 'body'>,
    body: Buffer | undefined,
    hold: HostHold,
  ): Promise<void> {
    let outcome: [boolean, unknown] | undefined;
    try {
      if (this.running >= MAX_CONCURRENT_REQUESTS_PER_CALL) await new Promise<void>((r) => this.waiting.push(r));
      if (this.closed) return;
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
        outcome = [
          true,
          {
            status: res.status,
            statusText: res.statusText,
            url: res.url,
            redirected: res.redirected,
            headers: res.headers,
            body: exactArrayBuffer(res.body),
          },
        ];
      } catch (err) {
        outcome = [
          false,
          err instanceof GuardedHttpError
            ? err.message
            : `request failed: ${(err as Error)?.message ?? 'unknown error'}`,
        ];
      } finally {
        this.running--;
        this.waiting.shift()?.();
      }
      // The request body is no longer needed (the bytes stay counted); the response stays counted until it has been copied into the isolate.
      body = undefined;
      await this.deliver(id, outcome[0], outcome[1]);
    } finally {
      hold.release();
    }
  }

  /** Ends the call: timers cleared, in-flight requests aborted, queued ones dropped. */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.abort?.abort();
    for (const w of this.waiting.splice(0)) w();
  }
}

const URL_FIELDS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const;
const SETTABLE = new Set([
  'href',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
]);

function parts(u: URL): Reply {
  const out: Record<string, string> = {};
  for (const f of URL_FIELDS) out[f] = u[f];
  return [true, out];
}

function urlParts(input: unknown, base: unknown): Reply {
  try {
    return parts(new URL(String(input), base === undefined || base === null ? undefined : String(base)));
  } catch {
    return [false, 'Invalid URL'];
  }
}

function urlSet(href: unknown, field: unknown, value: unknown): Reply {
  const f = String(field);
  if (!SETTABLE.has(f)) return [false, 'Invalid URL field'];
  try {
    const u = new URL(String(href));
    (u as unknown as Record<string, string>)[f] = String(value);
    return parts(u);
  } catch {
    return [false, 'Invalid URL'];
  }
}

function algorithm(alg: unknown): string {
  const name = String(alg).toLowerCase().replace(/^sha-/, 'sha');
  if (!HASHES.has(name))
    throw new Error(`unsupported hash algorithm ${String(alg).slice(0, 30)} (use sha256, sha512, sha1, md5...)`);
  return name;
}

function digest(alg: unknown, data: unknown): Reply {
  return [true, createHash(algorithm(alg)).update(toBuffer(data)).digest('hex')];
}

function hmac(alg: unknown, pair: unknown): Reply {
  const [key, data] = Array.isArray(pair) ? pair : [];
  return [true, createHmac(algorithm(alg), toBuffer(key)).update(toBuffer(data)).digest('hex')];
}
