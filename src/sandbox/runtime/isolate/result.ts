import type { ResultEnvelope } from './bridge';
import { isArray, stringify } from './builtins';

/** The message of a thrown value: `Name: message` of an Error (never its stack), else its text or JSON. */
export function errorMessage(e: unknown): string {
  try {
    if (e instanceof Error) {
      const name = e.name && e.name !== 'Error' ? String(e.name) + ': ' : '';
      return name + String(e.message);
    }
    if (typeof e === 'string') return e;
    const j = stringify(e);
    return j === undefined ? String(e) : j;
  } catch {
    return 'the tool threw a value that cannot be shown';
  }
}

const CONTENT_TYPES: Record<string, 1> = { text: 1, image: 1, audio: 1, resource: 1, resource_link: 1 };

interface ContentResult {
  content: { type: string; text?: unknown }[];
  isError?: unknown;
  structuredContent?: unknown;
}

/** An object with a non-empty `content` array of MCP blocks is passed through as it is (docs/sandbox.md#results). */
function isContentResult(v: unknown): v is ContentResult {
  const content = v && typeof v === 'object' ? (v as { content?: unknown }).content : undefined;
  if (!isArray(content) || !content.length) return false;
  for (const b of content)
    if (!b || typeof b !== 'object' || !CONTENT_TYPES[(b as { type?: unknown }).type as string]) return false;
  return true;
}

/**
 * What `main` returned, as the envelope the host maps (result-mapper.ts): strings and flags
 * only, each cut to `max` here already (the host checks again: tool code can steer this).
 */
export function envelope(value: unknown, stdout: string, max: number): ResultEnvelope {
  if (value === undefined) return { ok: true, kind: 'none', stdout };
  if (typeof value === 'string') {
    const truncated = value.length > max;
    return {
      ok: true,
      kind: 'text',
      size: value.length,
      truncated,
      data: truncated ? value.slice(0, max) : value,
      stdout,
    };
  }
  if (isContentResult(value)) {
    // Blocks are kept whole while they fit; a text block that crosses the limit is cut.
    const blocks: string[] = [];
    let used = 0;
    let truncated = false;
    for (const b of value.content) {
      let j = stringify(b);
      if (used + j.length > max) {
        truncated = true;
        if (b.type === 'text' && typeof b.text === 'string') {
          // Measured as JSON: escapes can make the cut text several times longer than its characters.
          const room = Math.max(0, max - used);
          let t = b.text.slice(0, room);
          j = stringify({ type: 'text', text: t });
          while (j.length > room + 32 && t.length) {
            t = t.slice(0, Math.max(0, t.length - (j.length - room)));
            j = stringify({ type: 'text', text: t });
          }
          blocks.push(j);
        }
        break;
      }
      blocks.push(j);
      used += j.length;
    }
    const env: ResultEnvelope = {
      ok: true,
      kind: 'content',
      stdout,
      truncated,
      data: '[' + blocks.join(',') + ']',
      isError: value.isError === true,
    };
    const sc = value.structuredContent;
    if (!truncated && sc && typeof sc === 'object' && !isArray(sc)) {
      const json = stringify(sc);
      if (json.length + used <= max) env.structured = json;
    }
    return env;
  }
  let json: string | undefined;
  try {
    json = stringify(value);
  } catch (e) {
    throw new TypeError('main returned a value that cannot be turned into JSON: ' + errorMessage(e), { cause: e });
  }
  if (json === undefined) throw new TypeError('main returned a ' + typeof value + ', which is not a JSON value');
  const truncated = json.length > max;
  return { ok: true, kind: 'json', size: json.length, truncated, data: truncated ? json.slice(0, max) : json, stdout };
}
