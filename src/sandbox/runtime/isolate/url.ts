import type { SettableUrlField, UrlField, UrlParts } from './bridge';
import { defineProperty, fromCharCode, objectKeys } from './builtins';
import type { Ops } from './ops';

/** application/x-www-form-urlencoded, as URLSearchParams writes it. */
export function formEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

export function formDecode(s: string): string {
  const t = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(t);
  } catch {
    return t.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => fromCharCode(parseInt(h, 16)));
  }
}

/** URL and URLSearchParams. The WHATWG URL parser is large: the host's own parser answers (strings in, strings out). */
export function makeUrl(ops: Ops) {
  const host = ops.host;
  // Made here, on first use of URL, rather than by every call's bootstrap.
  const URL_FIELDS: UrlField[] = [
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
  ];
  class URLSearchParams {
    private list: [string, string][] = [];
    onChange: (() => void) | undefined;
    constructor(init?: unknown) {
      this.list = [];
      if (init === undefined || init === null) return;
      if (typeof init === 'string') this.parseInto(init);
      else if (init instanceof URLSearchParams) this.list = init.list.map((p) => [p[0], p[1]] as [string, string]);
      else if (typeof init === 'object' && typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
        for (const pair of init as Iterable<unknown>) {
          const p = Array.from(pair as ArrayLike<unknown>);
          if (p.length !== 2) throw new TypeError('each URLSearchParams pair must have two items');
          this.list.push([String(p[0]), String(p[1])]);
        }
      } else if (typeof init === 'object') {
        const rec = init as Record<string, unknown>;
        for (const k of objectKeys(rec)) this.list.push([k, String(rec[k])]);
      } else this.parseInto(String(init));
    }
    parseInto(s: string) {
      this.list = [];
      const q = s.charAt(0) === '?' ? s.slice(1) : s;
      for (const part of q.split('&')) {
        if (!part) continue;
        const eq = part.indexOf('=');
        this.list.push(
          eq < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))],
        );
      }
    }
    private changed() {
      if (this.onChange) this.onChange();
    }
    get size() {
      return this.list.length;
    }
    append(k: unknown, v: unknown) {
      this.list.push([String(k), String(v)]);
      this.changed();
    }
    delete(k: unknown, v?: unknown) {
      const key = String(k);
      this.list = this.list.filter((p) => p[0] !== key || (v !== undefined && p[1] !== String(v)));
      this.changed();
    }
    get(k: unknown) {
      const p = this.list.find((x) => x[0] === String(k));
      return p ? p[1] : null;
    }
    getAll(k: unknown) {
      return this.list.filter((x) => x[0] === String(k)).map((x) => x[1]);
    }
    has(k: unknown, v?: unknown) {
      return this.list.some((x) => x[0] === String(k) && (v === undefined || x[1] === String(v)));
    }
    set(k: unknown, v: unknown) {
      const key = String(k);
      const i = this.list.findIndex((x) => x[0] === key);
      if (i < 0) this.list.push([key, String(v)]);
      else {
        this.list[i] = [key, String(v)];
        this.list = this.list.filter((x, j) => j <= i || x[0] !== key);
      }
      this.changed();
    }
    sort() {
      this.list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      this.changed();
    }
    forEach(fn: (value: string, key: string, self: URLSearchParams) => void, thisArg?: unknown) {
      for (const [k, v] of this.list) fn.call(thisArg, v, k, this);
    }
    keys() {
      return this.list.map((p) => p[0])[Symbol.iterator]();
    }
    values() {
      return this.list.map((p) => p[1])[Symbol.iterator]();
    }
    entries() {
      return this.list.map((p) => [p[0], p[1]])[Symbol.iterator]();
    }
    [Symbol.iterator]() {
      return this.entries();
    }
    toString() {
      return this.list.map((p) => formEncode(p[0]) + '=' + formEncode(p[1])).join('&');
    }
  }

  class URL {
    declare readonly href: string;
    private parts: UrlParts;
    private sp: URLSearchParams | undefined;
    constructor(input: unknown, base?: unknown) {
      const r = host('url', String(input), base === undefined ? undefined : String(base));
      if (!r[0]) throw new TypeError('Invalid URL: ' + String(input).slice(0, 200));
      this.parts = r[1];
      this.sp = undefined;
    }
    static canParse(input: unknown, base?: unknown) {
      return host('url', String(input), base === undefined ? undefined : String(base))[0];
    }
    update(field: SettableUrlField, value: unknown) {
      const r = host('urlset', this.parts.href, field, String(value));
      if (!r[0]) throw new TypeError('Invalid URL');
      this.parts = r[1];
      if (this.sp && field !== 'search') this.sp.parseInto(this.parts.search);
    }
    get searchParams() {
      if (!this.sp) {
        const sp = new URLSearchParams(this.parts.search);
        sp.onChange = () => {
          const r = host('urlset', this.parts.href, 'search', sp.toString());
          if (r[0]) this.parts = r[1];
        };
        this.sp = sp;
      }
      return this.sp;
    }
    toString() {
      return this.parts.href;
    }
    toJSON() {
      return this.parts.href;
    }
  }
  for (const f of URL_FIELDS) {
    const desc: PropertyDescriptor = {
      get(this: URL) {
        return (this as unknown as { parts: UrlParts }).parts[f];
      },
      enumerable: true,
      configurable: true,
    };
    if (f !== 'origin')
      desc.set = function (this: URL, v: unknown) {
        this.update(f, v);
      };
    defineProperty(URL.prototype, f, desc);
  }
  return { URL, URLSearchParams };
}

export type UrlClasses = ReturnType<typeof makeUrl>;
