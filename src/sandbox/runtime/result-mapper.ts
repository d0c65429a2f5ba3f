import { jsonDeeperThan } from '../../common/json-input';
import type { ExecutionOutcome, McpContentBlock } from './contract';
import type { ResultEnvelope } from './isolate/bridge';

/**
 * How deeply a result may nest (objects and arrays). Deeper JSON is shown as text only (no
 * value, no structuredContent); deeper content blocks or structuredContent are refused. So
 * every value that leaves the sandbox can be walked whole by the redaction and serialised
 * again by the app (output-redaction.ts, the execution log, the MCP response).
 */
export const MAX_RESULT_DEPTH = 64;

const BLOCK_CHECKS: Record<string, (b: Record<string, unknown>) => boolean> = {
  text: (b) => typeof b.text === 'string',
  image: (b) => typeof b.data === 'string' && typeof b.mimeType === 'string',
  audio: (b) => typeof b.data === 'string' && typeof b.mimeType === 'string',
  resource: (b) => !!b.resource && typeof b.resource === 'object' && !Array.isArray(b.resource),
  resource_link: (b) => typeof b.uri === 'string' && typeof b.name === 'string',
};

export function isContentBlock(b: unknown): b is McpContentBlock {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
  const rec = b as Record<string, unknown>;
  const check = typeof rec.type === 'string' ? BLOCK_CHECKS[rec.type] : undefined;
  return !!check && check(rec);
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}

const notice = (size: number | undefined, max: number) =>
  `\n[result truncated: ${size !== undefined ? `${size} characters, ` : ''}over the ${max}-byte limit (SANDBOX_MAX_RESULT_SIZE)]`;

/** An error message is shown as the call's content: it obeys the result limit too. */
function cutMessage(message: string, maxBytes: number): string {
  const cut = truncateUtf8(message, maxBytes);
  return cut.length < message.length
    ? `${cut}\n[error message truncated: over the ${maxBytes}-byte limit (SANDBOX_MAX_RESULT_SIZE)]`
    : message;
}

export function failure(message: string, stdout: string, durationMs: number): ExecutionOutcome {
  return {
    success: false,
    isError: true,
    content: [{ type: 'text', text: message }],
    error: message,
    stdout,
    durationMs,
  };
}

/**
 * The result mapping (docs/sandbox.md#results). A string is one text block. Any other JSON value is a text block with its
 * JSON, plus `structuredContent` when the value is a plain object (arrays and primitives get
 * no structuredContent: MCP requires an object there, and inventing a wrapper would give the
 * client a shape the tool never returned). An object with a `content` array of MCP blocks is
 * passed through (with its `structuredContent` and `isError`). `undefined` gives no content.
 * Over the size limit the text is cut and a notice appended; no structuredContent then.
 */
export function mapEnvelope(
  env: ResultEnvelope,
  maxResultSize: number,
  maxStdout: number,
  durationMs: number,
): ExecutionOutcome {
  // The envelope is built by code in the isolate, which tool code can steer (a setter on
  // Object.prototype, a replaced Array.prototype.join...): every field is checked and every
  // size limit applied again here, before anything travels to the app process.
  const stdout = truncateUtf8(typeof env.stdout === 'string' ? env.stdout : '', maxStdout + 200);
  if (!env.ok)
    return failure(
      cutMessage(typeof env.error === 'string' && env.error ? env.error : 'the tool failed', maxResultSize),
      stdout,
      durationMs,
    );
  if (env.kind === 'none') return { success: true, isError: false, content: [], stdout, durationMs };
  if (typeof env.data !== 'string')
    return failure('the tool returned a result the sandbox could not read', stdout, durationMs);

  if (env.kind === 'content') {
    // The runner keeps passed-through blocks within the limit; only JSON framing (brackets, commas) comes on top.
    const room = maxResultSize + Math.ceil(maxResultSize / 16) + 1024;
    if (env.data.length + (typeof env.structured === 'string' ? env.structured.length : 0) > room)
      return failure(
        `the tool returned content over the ${maxResultSize}-byte limit (SANDBOX_MAX_RESULT_SIZE)`,
        stdout,
        durationMs,
      );
    // The block list itself is one level.
    if (
      jsonDeeperThan(env.data, MAX_RESULT_DEPTH + 1) ||
      (typeof env.structured === 'string' && jsonDeeperThan(env.structured, MAX_RESULT_DEPTH))
    )
      return failure(`the tool returned content nested deeper than ${MAX_RESULT_DEPTH} levels`, stdout, durationMs);
    let blocks: unknown;
    try {
      blocks = JSON.parse(env.data);
    } catch {
      return failure('the tool returned content blocks that are not valid JSON', stdout, durationMs);
    }
    const content = Array.isArray(blocks) ? blocks.filter(isContentBlock) : [];
    if (!Array.isArray(blocks) || content.length !== blocks.length)
      return failure('the tool returned an invalid MCP content block', stdout, durationMs);
    const cut = env.truncated === true;
    const isError = env.isError === true;
    if (cut) content.push({ type: 'text', text: notice(undefined, maxResultSize).trimStart() });
    const out: ExecutionOutcome = { success: !isError, isError, content, stdout, durationMs };
    if (cut) out.truncated = true;
    if (typeof env.structured === 'string') {
      let structured: unknown;
      try {
        structured = JSON.parse(env.structured);
      } catch {
        return failure('the tool returned structuredContent that is not valid JSON', stdout, durationMs);
      }
      if (structured && typeof structured === 'object' && !Array.isArray(structured))
        out.structuredContent = structured as Record<string, unknown>;
    }
    if (isError)
      out.error =
        content.find((b): b is { type: 'text'; text: string } => b.type === 'text')?.text ??
        'the tool reported an error';
    else if (!cut)
      out.value = { content, ...(out.structuredContent ? { structuredContent: out.structuredContent } : {}) };
    return out;
  }

  const data = truncateUtf8(env.data, maxResultSize);
  const truncated = env.truncated === true || data.length < env.data.length;
  if (truncated) {
    const size = typeof env.size === 'number' ? env.size : undefined;
    return {
      success: true,
      isError: false,
      content: [{ type: 'text', text: data + notice(size, maxResultSize) }],
      stdout,
      durationMs,
      truncated: true,
    };
  }
  if (env.kind === 'text' || jsonDeeperThan(data, MAX_RESULT_DEPTH))
    return {
      success: true,
      isError: false,
      content: [{ type: 'text', text: data }],
      ...(env.kind === 'text' ? { value: data } : {}),
      stdout,
      durationMs,
    };
  const value: unknown = JSON.parse(data);
  const out: ExecutionOutcome = {
    success: true,
    isError: false,
    content: [{ type: 'text', text: data }],
    value,
    stdout,
    durationMs,
  };
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    out.structuredContent = value as Record<string, unknown>;
  return out;
}
