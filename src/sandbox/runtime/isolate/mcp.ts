import type { McpLogLevel, McpQuestion } from './bridge';
import { freeze, isArray, stringify } from './builtins';
import type { Ops } from './ops';

const LEVELS: readonly string[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
/** The most a question's params or a log entry may hold (JSON text). */
const MAX_PARAMS = 65536;

/** Turns the forwarding of console lines to the client on (with the function that sends one) or off. */
export type ForwardConsole = (send: ((level: McpLogLevel, line: string) => void) | undefined) => void;

function json(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = stringify(value === undefined ? null : value);
  } catch {
    throw new TypeError(what + ' must be JSON-serialisable');
  }
  if (text === undefined) text = 'null';
  if (text.length > MAX_PARAMS) throw new RangeError(what + ' is larger than ' + MAX_PARAMS + ' characters of JSON');
  return text;
}

/**
 * The `mcp` global: the tool talks back to the MCP client that called it. `progress` and
 * `log` are one-way notes the host sends only when the client's request allows them;
 * `elicit`, `sample` and `roots` ask the client and resolve with its answer (the spec's
 * result object) — or reject with a message the tool can catch (the client lacks the
 * capability, the call was a test run, no answer in time). Each question has a `key`
 * (default: its order in the call): the 2026-07-28 era answers by re-running the tool, and
 * the same key gets the same answer.
 */
export function makeMcp(ops: Ops, forwardConsole: ForwardConsole): Readonly<Record<string, unknown>> {
  let asked = 0;
  const note = ops.host;

  function log(level: McpLogLevel, data: unknown): void {
    const r = note('mcp.note', { kind: 'log', level, data: json(data, 'mcp.log data') });
    if (!r[0]) throw new Error(String(r[1]));
  }

  function ask(kind: McpQuestion['kind'], params: unknown, options: unknown): Promise<unknown> {
    asked++;
    let key = 'q' + asked;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object' || isArray(options)) throw new TypeError('the options must be an object: {key}');
      const given = (options as { key?: unknown }).key;
      if (given !== undefined) {
        if (typeof given !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(given))
          throw new TypeError('key must be 1 to 64 letters, digits, _ . : or -');
        key = given;
      }
    }
    const question: McpQuestion = { kind, key, params: json(params, 'the question') };
    return new Promise((resolve, reject) => {
      ops.start('mcp.ask', [question], resolve, (message) => reject(new Error(message)));
    });
  }

  const mcp = freeze({
    progress(progress: unknown, total?: unknown, message?: unknown): void {
      if (typeof progress !== 'number' || progress !== progress) throw new TypeError('progress must be a number');
      if (total !== undefined && (typeof total !== 'number' || total !== total))
        throw new TypeError('total must be a number');
      if (message !== undefined && typeof message !== 'string') throw new TypeError('message must be a string');
      const r = note('mcp.note', {
        kind: 'progress',
        progress,
        ...(total === undefined ? {} : { total }),
        ...(message === undefined ? {} : { message: message.slice(0, 1000) }),
      });
      if (!r[0]) throw new Error(String(r[1]));
    },
    log(level: unknown, data: unknown): void {
      if (typeof level !== 'string' || LEVELS.indexOf(level) < 0)
        throw new TypeError('level must be one of ' + LEVELS.join(', '));
      log(level as McpLogLevel, data);
    },
    /** From now on, console.log/info/debug go to the client as `info`/`debug` logs, warn as `warning`, error as `error`. */
    forwardConsole(on?: unknown): void {
      forwardConsole(on === undefined || on === true ? (level, line) => log(level, line) : undefined);
    },
    elicit: (params: unknown, options?: unknown) => ask('elicit', params, options),
    sample: (params: unknown, options?: unknown) => ask('sample', params, options),
    roots: (options?: unknown) => ask('roots', {}, options),
  });

  return mcp;
}
