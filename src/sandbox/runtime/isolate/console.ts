import type { McpLogLevel } from './bridge';
import { freeze, isArray, objectKeys, stringify } from './builtins';

/** The call's stdout: `console.*` writes here, up to `maxStdout` characters, then one notice. */
export interface Stdout {
  readonly console: Readonly<Record<string, (...args: unknown[]) => void>>;
  /** Writes one line: `prefix` and the arguments, each shown as Node's console would (roughly). */
  write(prefix: string, args: unknown[]): void;
  /** Everything written so far. */
  text(): string;
  /** Also sends each console line to `send` (mcp.forwardConsole), or stops. */
  forwardTo(send: ((level: McpLogLevel, line: string) => void) | undefined): void;
}

/** How a value shows in stdout: strings as they are at the top, JSON-quoted inside, depth 4, 100 items. */
export function inspect(v: unknown, depth: number, seen: unknown[]): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return depth === 0 ? v : stringify(v);
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return String(v) + 'n';
    case 'symbol':
      return v.toString();
    case 'function':
      return '[Function: ' + (v.name || 'anonymous') + ']';
    case 'object':
      break;
    default:
      return String(v);
  }
  if (v instanceof Error) return v.stack ? String(v.stack) : v.name + ': ' + v.message;
  if (v instanceof Date) return isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (seen.indexOf(v) >= 0) return '[Circular]';
  if (depth > 4) return isArray(v) ? '[Array]' : '[Object]';
  seen.push(v);
  let s: string;
  if (isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length && i < 100; i++) parts.push(inspect(v[i], depth + 1, seen));
    if (v.length > 100) parts.push('... ' + (v.length - 100) + ' more items');
    s = '[ ' + parts.join(', ') + ' ]';
    if (!parts.length) s = '[]';
  } else if (v instanceof Map) {
    const parts: string[] = [];
    v.forEach((val: unknown, key: unknown) =>
      parts.push(inspect(key, depth + 1, seen) + ' => ' + inspect(val, depth + 1, seen)),
    );
    s = 'Map(' + v.size + ') { ' + parts.join(', ') + ' }';
  } else if (v instanceof Set) {
    const parts: string[] = [];
    v.forEach((val: unknown) => parts.push(inspect(val, depth + 1, seen)));
    s = 'Set(' + v.size + ') { ' + parts.join(', ') + ' }';
  } else {
    const obj = v as Record<string, unknown>;
    const keys = objectKeys(obj);
    const parts: string[] = [];
    for (let i = 0; i < keys.length && i < 100; i++) {
      let val: unknown;
      try {
        val = obj[keys[i]];
      } catch {
        val = '[getter threw]';
      }
      parts.push(
        (/^[A-Za-z_$][\w$]*$/.test(keys[i]) ? keys[i] : stringify(keys[i])) + ': ' + inspect(val, depth + 1, seen),
      );
    }
    s = parts.length ? '{ ' + parts.join(', ') + ' }' : '{}';
  }
  seen.pop();
  return s;
}

function lineOf(args: unknown[]): string {
  const parts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    try {
      parts.push(inspect(args[i], 0, []));
    } catch {
      parts.push('[uninspectable]');
    }
  }
  return parts.join(' ');
}

export function createStdout(maxStdout: number): Stdout {
  let out = '';
  let outLen = 0;
  let full = false;
  let forward: ((level: McpLogLevel, line: string) => void) | undefined;
  function write(prefix: string, args: unknown[]): void {
    if (full) return;
    const line = prefix + lineOf(args) + '\n';
    if (outLen + line.length > maxStdout) {
      out +=
        line.slice(0, Math.max(0, maxStdout - outLen)) +
        '\n[stdout truncated: the output exceeded ' +
        maxStdout +
        ' bytes]\n';
      outLen = maxStdout;
      full = true;
      return;
    }
    out += line;
    outLen += line.length;
  }
  function line(prefix: string, level: McpLogLevel, args: unknown[]): void {
    write(prefix, args);
    if (forward) forward(level, lineOf(args));
  }
  // Written out rather than looped over: this runs in every call's fresh context, where plain code is cheapest.
  const console = freeze({
    log: (...args: unknown[]) => line('', 'info', args),
    info: (...args: unknown[]) => line('', 'info', args),
    debug: (...args: unknown[]) => line('', 'debug', args),
    trace: (...args: unknown[]) => line('', 'debug', args),
    warn: (...args: unknown[]) => line('[warn] ', 'warning', args),
    error: (...args: unknown[]) => line('[error] ', 'error', args),
  });
  return {
    console,
    write,
    text: () => out,
    forwardTo: (send) => {
      forward = send;
    },
  };
}
