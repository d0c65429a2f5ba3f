import {
  inputRequired,
  inputResponse,
  MissingRequiredClientCapabilityError,
  type ClientCapabilities,
  type ElicitRequestFormParams,
  type ElicitRequestURLParams,
  type InputRequest,
  type InputRequiredResult,
  type LoggingLevel,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { CallChannel, InterruptReason, McpNote, McpQuestion } from '../sandbox/runtime/contract';

/** Progress notes: a burst of this many goes out at once, then at most this many a second. */
const PROGRESS_BURST = 5;
const PROGRESS_PER_SECOND = 5;
/** Questions asked together (Promise.all) arrive within this quiet time of each other. */
const SETTLE_MS = 25;
/** The most questions one round of input_required may carry. */
const MAX_QUESTIONS_PER_ROUND = 16;

const CAPABILITY: Record<McpQuestion['kind'], keyof ClientCapabilities> = {
  elicit: 'elicitation',
  sample: 'sampling',
  roots: 'roots',
};
const VIEW_KIND: Record<McpQuestion['kind'], string> = { elicit: 'elicit', sample: 'sampling', roots: 'roots' };
/** Marks the error of a question the client cannot answer: if the tool does not catch it, the call fails with the spec's error. */
const MISSING = '[mcpbox:missing-capability:';

const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** What a 2026-07-28 call has been told so far: the answers of earlier rounds, by question key. */
export type Answers = Record<string, unknown>;

/**
 * A tools/call's link to its MCP client, in the client's era (issue: tool code that speaks
 * MCP). Notes: progress goes out only when the request carried a progress token (a burst of
 * 5, then about 5 a second, the latest kept), logs only as the era allows (the SDK applies
 * the 2025 session level and the 2026 request's `_meta` log level). Questions: 2025 sends
 * the request to the client on the call's session and resolves with the answer; 2026-07-28
 * answers from `answers` (earlier rounds and the retry's `inputResponses`) or collects the
 * question and stops the call, which then answers `input_required` and runs again. A
 * question the client's capabilities do not allow is refused with an error the tool can
 * catch; uncaught, the call fails with the spec's error.
 */
export class ToolCallChannel implements CallChannel {
  private interrupt: (reason: InterruptReason) => void = () => undefined;
  private onCancel?: () => void;
  private readonly pending = new Map<string, McpQuestion>();
  private settleTimer?: NodeJS.Timeout;
  /** Made when a 2025 question goes out (most calls ask nothing: no controller, no abort to pay for). */
  private aborts?: AbortController;
  private tokens = PROGRESS_BURST;
  private refilledAt = Date.now();
  private queuedProgress?: McpNote & { kind: 'progress' };
  private progressTimer?: NodeJS.Timeout;
  private readonly missing = new Set<string>();
  private closed = false;

  constructor(
    private readonly era: 'modern' | 'legacy',
    private readonly ctx: ServerContext,
    private readonly server: Server,
    /** 2026-07-28: answers this run may use (verified state and the retry's inputResponses). */
    readonly answers: Answers,
    /** Aborted when the client cancels the request (2025 `notifications/cancelled`): the call is stopped. */
    private readonly cancelled?: AbortSignal,
  ) {}

  attach(interrupt: (reason: InterruptReason) => void): void {
    this.interrupt = interrupt;
    if (!this.cancelled || this.onCancel) return;
    this.onCancel = () => interrupt('cancel');
    if (this.cancelled.aborted) queueMicrotask(this.onCancel);
    else this.cancelled.addEventListener('abort', this.onCancel, { once: true });
  }

  note(note: McpNote): void {
    if (this.closed) return;
    if (note.kind === 'progress') return this.progress(note);
    let data: unknown = note.data;
    try {
      data = JSON.parse(note.data);
    } catch {
      // sent as the text it is
    }
    void this.ctx.mcpReq.log(note.level as LoggingLevel, data).catch(() => undefined);
  }

  ask(question: McpQuestion): Promise<unknown> {
    const capability = CAPABILITY[question.kind];
    if (!this.clientCapabilities()?.[capability]) {
      this.missing.add(capability);
      return Promise.reject(
        new Error(
          `the MCP client did not declare the ${capability} capability, so it cannot be asked (${question.kind}) ${MISSING}${capability}]`,
        ),
      );
    }
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(question.params) as Record<string, unknown>;
    } catch {
      return Promise.reject(new Error('the question is not JSON'));
    }
    if (this.era === 'legacy') return this.askNow(question.kind, params);
    const answered = this.answers[question.key];
    if (
      answered !== undefined &&
      inputResponse({ [question.key]: answered }, question.key).kind === VIEW_KIND[question.kind]
    )
      return Promise.resolve(answered);
    if (this.pending.size >= MAX_QUESTIONS_PER_ROUND)
      return Promise.reject(new Error(`too many questions at once: at most ${MAX_QUESTIONS_PER_ROUND} per round`));
    this.pending.set(question.key, question);
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.interrupt('ask'), SETTLE_MS);
    // Never answered in this run: the call is stopped and run again with the answer.
    return new Promise(() => undefined);
  }

  /** The questions that stopped this run (2026-07-28), as the spec's `inputRequests`; undefined when none did. */
  inputRequests(): InputRequiredResult['inputRequests'] | undefined {
    if (!this.pending.size) return undefined;
    const out: Record<string, InputRequest> = {};
    for (const [key, q] of this.pending) out[key] = toInputRequest(q);
    return out;
  }

  /** Every answer this run knew, to carry into the next round's state. */
  knownAnswers(): Answers {
    return { ...this.answers };
  }

  /** 2026-07-28: the spec's error for a question the client could not be asked, when the tool did not catch it. */
  uncaughtMissingCapability(error: string | undefined): MissingRequiredClientCapabilityError | undefined {
    if (this.era !== 'modern' || !error) return undefined;
    for (const capability of this.missing) {
      if (error.includes(`${MISSING}${capability}]`)) {
        return new MissingRequiredClientCapabilityError(
          { requiredCapabilities: { [capability]: {} } } as never,
          `The tool needs the client's ${capability} capability, which the request did not declare`,
        );
      }
    }
    return undefined;
  }

  /** The call is over: nothing more goes out, questions still open are abandoned. */
  close(): void {
    this.closed = true;
    if (this.onCancel) this.cancelled?.removeEventListener('abort', this.onCancel);
    clearTimeout(this.settleTimer);
    clearTimeout(this.progressTimer);
    this.aborts?.abort();
  }

  private clientCapabilities(): ClientCapabilities | undefined {
    if (this.era === 'modern')
      return this.ctx.mcpReq.envelope?.[CAPABILITIES_KEY as never] as ClientCapabilities | undefined;
    return this.server.getClientCapabilities();
  }

  private async askNow(kind: McpQuestion['kind'], params: Record<string, unknown>): Promise<unknown> {
    // Human-paced: bounded by the call's own time limit, not the SDK's 60 s default.
    const options = { signal: (this.aborts ??= new AbortController()).signal, timeout: 300_000 };
    if (kind === 'elicit')
      return this.ctx.mcpReq.elicitInput(
        params as unknown as ElicitRequestFormParams | ElicitRequestURLParams,
        options,
      );
    if (kind === 'sample') return this.ctx.mcpReq.requestSampling(params as never, options);
    return this.ctx.mcpReq.send({ method: 'roots/list', params: {} }, options);
  }

  private progress(note: McpNote & { kind: 'progress' }): void {
    const token = this.ctx.mcpReq._meta?.progressToken;
    if (token === undefined) return;
    const now = Date.now();
    this.tokens = Math.min(PROGRESS_BURST, this.tokens + ((now - this.refilledAt) / 1000) * PROGRESS_PER_SECOND);
    this.refilledAt = now;
    if (this.tokens >= 1 && !this.queuedProgress) {
      this.tokens -= 1;
      this.sendProgress(token, note);
      return;
    }
    // Over the rate: the latest step waits for the next token (earlier waiting ones are dropped).
    this.queuedProgress = note;
    if (!this.progressTimer) {
      const wait = Math.max(0, ((1 - this.tokens) / PROGRESS_PER_SECOND) * 1000);
      this.progressTimer = setTimeout(() => {
        this.progressTimer = undefined;
        const queued = this.queuedProgress;
        this.queuedProgress = undefined;
        if (queued && !this.closed) this.progress(queued);
      }, wait);
    }
  }

  private sendProgress(token: string | number, note: McpNote & { kind: 'progress' }): void {
    const params: Record<string, unknown> = { progressToken: token, progress: note.progress };
    if (note.total !== undefined) params.total = note.total;
    if (note.message !== undefined) params.message = note.message;
    void this.ctx.mcpReq.notify({ method: 'notifications/progress', params }).catch(() => undefined);
  }
}

function toInputRequest(q: McpQuestion): InputRequest {
  const params = JSON.parse(q.params) as Record<string, unknown>;
  if (q.kind === 'roots') return inputRequired.listRoots();
  if (q.kind === 'sample') return inputRequired.createMessage(params as never);
  if (params.mode === 'url') {
    const { mode: _mode, elicitationId: _id, ...rest } = params;
    return inputRequired.elicitUrl(rest as never);
  }
  return inputRequired.elicit(params as never);
}
