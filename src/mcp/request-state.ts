import { createHash } from 'node:crypto';
import {
  createRequestStateCodec,
  inputResponse,
  ProtocolError,
  ProtocolErrorCode,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { canonicalJson } from '../common/canonical-json';
import { deriveKey } from '../crypto/key-derivation';

/** A person may be answering: a round's state stays good this long. */
export const REQUEST_STATE_TTL_SECONDS = 600;
/** The most the answers carried in a state may hold (JSON), so a state cannot grow without bound. */
export const MAX_STATE_ANSWERS_BYTES = 256 * 1024;
/** The SDK's words for a state it refuses (its verify seam answers with the same). */
export const INVALID_STATE = 'Invalid or expired requestState';

/** What a `requestState` carries: the call it belongs to, and every answer so far. */
export interface StatePayload {
  v: 1;
  /** sha256 of the endpoint, the tool's name and its arguments (canonical JSON). */
  call: string;
  answers: Record<string, unknown>;
}

/**
 * The 2026-07-28 multi-round state of tools that ask their client (mcp.elicit, mcp.sample,
 * mcp.roots): HMAC-signed with a key derived from the encryption key (the SDK's codec),
 * valid for 10 minutes, bound to the caller (the SDK's bind tag) and — checked here — to the
 * tool and its arguments, carrying every answer so far. Signed, not encrypted: it holds only
 * what the client itself answered.
 */
export class RequestStates {
  private readonly codec: RequestStateCodec<StatePayload>;

  constructor(encryptionKey: Buffer) {
    this.codec = createRequestStateCodec<StatePayload>({
      key: deriveKey(encryptionKey, 'mcpbox:mcp-request-state'),
      ttlSeconds: REQUEST_STATE_TTL_SECONDS,
      bind: (ctx) => `${ctx.mcpReq.method}\0${ctx.http?.authInfo?.clientId ?? ''}`,
    });
  }

  /** The verify hook of the SDK's server (a refusal becomes its -32602 "Invalid or expired requestState"). */
  verify = (state: string, ctx: ServerContext): Promise<StatePayload> => this.codec.verify(state, ctx);

  static callKey(endpoint: string, tool: string, args: unknown): string {
    return createHash('sha256')
      .update(`${endpoint}\0${tool}\0${canonicalJson(args)}`)
      .digest('base64url');
  }

  /**
   * The answers a run may use: those of the verified state (which must belong to this very
   * call) and the retry's `inputResponses` (accepted without a state on a first call).
   * `callKey` is asked for only when a state came (hashing every call's arguments would cost the calls that ask nothing).
   */
  answersFor(ctx: ServerContext, callKey: () => string): Record<string, unknown> {
    const payload = ctx.mcpReq.requestState<StatePayload>();
    const answers: Record<string, unknown> = {};
    if (payload !== undefined) {
      if (typeof payload !== 'object' || payload === null || payload.v !== 1 || payload.call !== callKey())
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, INVALID_STATE, { reason: 'invalid_request_state' });
      Object.assign(answers, payload.answers);
    }
    const responses = ctx.mcpReq.inputResponses ?? {};
    for (const [key, value] of Object.entries(responses)) {
      // Only well-formed answers count; anything else is asked again.
      if (inputResponse(responses, key).kind !== 'missing') answers[key] = value;
    }
    return answers;
  }

  async mint(ctx: ServerContext, callKey: string, answers: Record<string, unknown>): Promise<string> {
    if (JSON.stringify(answers).length > MAX_STATE_ANSWERS_BYTES)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `The answers of this call exceed ${MAX_STATE_ANSWERS_BYTES} bytes; start the call again`,
      );
    return this.codec.mint({ v: 1, call: callKey, answers }, ctx);
  }
}
