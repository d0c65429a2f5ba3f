/**
 * The code that runs INSIDE each fresh isolate context, before the tool: it installs the
 * globals of SPEC §5 and returns the context's control function. It is plain ECMAScript
 * (V8 in isolated-vm has no web APIs), taken as source with Function.prototype.toString —
 * so this function must not use imports, TS-only runtime features or anything of Node.
 *
 * The host reaches this code through two values only: `host`, one synchronous bridge
 * function that takes and returns copies (never a host object), and `cfgJson`, the call's
 * configuration as JSON. Both stay in this closure: tool code sees only the globals.
 */
/* eslint-disable */
export type HostBridge = (op: string, a?: unknown, b?: unknown, c?: unknown) => [boolean, any];

export function isolateBootstrap(
  host: HostBridge,
  cfgJson: string,
  factory: (req: unknown, module: unknown, exports: unknown) => void,
): Promise<unknown> {
  const G: any = globalThis;
  const cfg = JSON.parse(cfgJson) as {
    args: string;
    secrets: string;
    maxResultSize: number;
    maxStdout: number;
    control: string;
  };
  // Built-ins captured before tool code runs, so tool code replacing them cannot steer this code.
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const isArray = Array.isArray;
  const fromCharCode = String.fromCharCode;
  const ObjectKeys = Object.keys;
  const U8 = Uint8Array;
  // Heavier globals are built on first use: most calls never touch them, and every call pays for what it builds.
  function lazy(name: string, make: () => unknown) {
    const settle = (value: unknown) =>
      defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });
    defineProperty(G, name, {
      configurable: true,
      enumerable: false,
      get() {
        const v = make();
        settle(v);
        return v;
      },
      set: settle,
    });
  }

  // Web and Node extras tools do not need and that widen the attack surface.
  delete G.SharedArrayBuffer;
  delete G.Atomics;
  delete G.WebAssembly;

  // ---------------------------------------------------------------- async operations
  const pending: any = Object.create(null);
  function startOp(op: string, arg: unknown, onOk: (v: any) => void, onErr: (m: string) => void): number {
    const r = host(op, arg);
    if (!r[0]) throw new Error(String(r[1]));
    pending[r[1]] = { ok: onOk, err: onErr };
    return r[1];
  }

  // ---------------------------------------------------------------- console / stdout
  let out = '';
  let outLen = 0;
  let outFull = false;
  function inspect(v: any, depth: number, seen: any[]): string {
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
      v.forEach((val: any, key: any) =>
        parts.push(inspect(key, depth + 1, seen) + ' => ' + inspect(val, depth + 1, seen)),
      );
      s = 'Map(' + v.size + ') { ' + parts.join(', ') + ' }';
    } else if (v instanceof Set) {
      const parts: string[] = [];
      v.forEach((val: any) => parts.push(inspect(val, depth + 1, seen)));
      s = 'Set(' + v.size + ') { ' + parts.join(', ') + ' }';
    } else {
      const keys = ObjectKeys(v);
      const parts: string[] = [];
      for (let i = 0; i < keys.length && i < 100; i++) {
        let val: any;
        try {
          val = v[keys[i]];
        } catch (e) {
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
  function write(prefix: string, args: any[]) {
    if (outFull) return;
    const parts: string[] = [];
    for (let i = 0; i < args.length; i++) {
      try {
        parts.push(inspect(args[i], 0, []));
      } catch (e) {
        parts.push('[uninspectable]');
      }
    }
    const line = prefix + parts.join(' ') + '\n';
    if (outLen + line.length > cfg.maxStdout) {
      out +=
        line.slice(0, Math.max(0, cfg.maxStdout - outLen)) +
        '\n[stdout truncated: the output exceeded ' +
        cfg.maxStdout +
        ' bytes]\n';
      outLen = cfg.maxStdout;
      outFull = true;
      return;
    }
    out += line;
    outLen += line.length;
  }
  const consoleObj: any = {};
  const levels: [string, string][] = [
    ['log', ''],
    ['info', ''],
    ['debug', ''],
    ['trace', ''],
    ['warn', '[warn] '],
    ['error', '[error] '],
  ];
  for (const [name, prefix] of levels) consoleObj[name] = (...args: any[]) => write(prefix, args);
  G.console = freeze(consoleObj);

  // ---------------------------------------------------------------- secrets
  function deepFreeze(o: any): any {
    if (o && typeof o === 'object') {
      for (const k of ObjectKeys(o)) deepFreeze(o[k]);
      freeze(o);
    }
    return o;
  }
  defineProperty(G, 'secrets', {
    value: deepFreeze(parse(cfg.secrets)),
    enumerable: false,
    configurable: false,
    writable: false,
  });

  // ---------------------------------------------------------------- timers
  let liveTimers = 0;
  const timers: any = Object.create(null);
  let nextTimer = 1;
  function arm(t: any) {
    t.op = startOp(
      'sleep',
      t.ms,
      () => {
        if (!timers[t.id]) return;
        if (t.repeat) arm(t);
        else {
          delete timers[t.id];
          liveTimers--;
        }
        try {
          t.fn.apply(undefined, t.args);
        } catch (e: any) {
          write('[error] ', ['Uncaught error in a timer callback:', e]);
        }
      },
      () => undefined,
    );
  }
  function addTimer(fn: any, ms: any, args: any[], repeat: boolean) {
    if (typeof fn !== 'function') throw new TypeError('the timer callback must be a function');
    if (liveTimers >= 1000) throw new Error('too many pending timers (at most 1000 per call)');
    const t = { id: nextTimer++, fn, args, ms: Math.max(repeat ? 1 : 0, Number(ms) || 0), repeat, op: 0 };
    timers[t.id] = t;
    liveTimers++;
    arm(t);
    return t.id;
  }
  function clearTimer(id: any) {
    const t = timers[id];
    if (!t) return;
    delete timers[id];
    liveTimers--;
    delete pending[t.op];
    host('cancel', t.op);
  }
  G.setTimeout = (fn: any, ms?: any, ...args: any[]) => addTimer(fn, ms, args, false);
  G.setInterval = (fn: any, ms?: any, ...args: any[]) => addTimer(fn, ms, args, true);
  G.clearTimeout = clearTimer;
  G.clearInterval = clearTimer;
  G.queueMicrotask = (fn: any) => {
    if (typeof fn !== 'function') throw new TypeError('queueMicrotask needs a function');
    Promise.resolve().then(() => fn());
  };

  // ---------------------------------------------------------------- text encoding, base64
  function utf8Encode(str: string): Uint8Array {
    const s = String(str);
    const bytes = new U8(s.length * 3);
    let p = 0;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) bytes[p++] = c;
      else if (c < 0x800) {
        bytes[p++] = 0xc0 | (c >> 6);
        bytes[p++] = 0x80 | (c & 63);
      } else if (c < 0x10000) {
        bytes[p++] = 0xe0 | (c >> 12);
        bytes[p++] = 0x80 | ((c >> 6) & 63);
        bytes[p++] = 0x80 | (c & 63);
      } else {
        bytes[p++] = 0xf0 | (c >> 18);
        bytes[p++] = 0x80 | ((c >> 12) & 63);
        bytes[p++] = 0x80 | ((c >> 6) & 63);
        bytes[p++] = 0x80 | (c & 63);
      }
    }
    return bytes.slice(0, p);
  }
  function utf8Decode(b: Uint8Array, fatal: boolean): string {
    const units: number[] = [];
    let res = '';
    let i = 0;
    const bad = () => {
      if (fatal) throw new TypeError('The encoded data was not valid utf-8');
      return 0xfffd;
    };
    while (i < b.length) {
      const c = b[i];
      let cp: number;
      if (c < 0x80) {
        cp = c;
        i++;
      } else {
        const n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
        if (n < 0 || c > 0xf4) {
          cp = bad();
          i++;
        } else {
          cp = c & (0xff >> (n + 2));
          let j = 1;
          for (; j <= n; j++) {
            const d = b[i + j];
            if (d === undefined || (d & 0xc0) !== 0x80) break;
            cp = (cp << 6) | (d & 63);
          }
          if (
            j <= n ||
            (n === 2 && cp < 0x800) ||
            (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)
          ) {
            cp = bad();
            i += Math.max(1, j);
          } else i += n + 1;
        }
      }
      if (cp > 0xffff) {
        cp -= 0x10000;
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
      } else units.push(cp);
      if (units.length > 8190) {
        res += fromCharCode.apply(undefined, units);
        units.length = 0;
      }
    }
    return res + fromCharCode.apply(undefined, units);
  }
  function toBytes(input: any): Uint8Array {
    if (input instanceof ArrayBuffer) return new U8(input);
    if (ArrayBuffer.isView(input)) return new U8(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError('expected an ArrayBuffer or a typed array');
  }
  function makeText() {
    class TextEncoder {
      get encoding() {
        return 'utf-8';
      }
      encode(input: any = '') {
        return utf8Encode(String(input));
      }
    }
    class TextDecoder {
      private fatal: boolean;
      private ignoreBOM: boolean;
      constructor(label: any = 'utf-8', opts: any = {}) {
        if (!/^(utf-?8|unicode-1-1-utf-8)$/i.test(String(label).trim()))
          throw new RangeError('TextDecoder supports utf-8 only');
        this.fatal = !!opts.fatal;
        this.ignoreBOM = !!opts.ignoreBOM;
      }
      get encoding() {
        return 'utf-8';
      }
      decode(input?: any) {
        if (input === undefined) return '';
        let b = toBytes(input);
        if (!this.ignoreBOM && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
        return utf8Decode(b, this.fatal);
      }
    }
    return { TextEncoder, TextDecoder };
  }
  let textMod: any;
  const text = () => textMod || (textMod = makeText());
  lazy('TextEncoder', () => text().TextEncoder);
  lazy('TextDecoder', () => text().TextDecoder);
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  G.btoa = (input: any) => {
    const s = String(input);
    let r = '';
    for (let i = 0; i < s.length; i += 3) {
      const a = s.charCodeAt(i),
        b = s.charCodeAt(i + 1),
        c = s.charCodeAt(i + 2);
      if (a > 255 || b > 255 || c > 255) throw new Error('InvalidCharacterError: btoa accepts only Latin-1 characters');
      const n = (a << 16) | ((b || 0) << 8) | (c || 0);
      r +=
        B64[n >> 18] +
        B64[(n >> 12) & 63] +
        (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') +
        (i + 2 < s.length ? B64[n & 63] : '=');
    }
    return r;
  };
  G.atob = (input: any) => {
    let s = String(input).replace(/[\t\n\f\r ]/g, '');
    if (s.length % 4 === 0) s = s.replace(/==?$/, '');
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s))
      throw new Error('InvalidCharacterError: the string to be decoded is not correctly encoded');
    let r = '';
    let bits = 0,
      acc = 0;
    for (let i = 0; i < s.length; i++) {
      acc = (acc << 6) | B64.indexOf(s[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        r += fromCharCode((acc >> bits) & 255);
      }
    }
    return r;
  };

  // ---------------------------------------------------------------- URL, URLSearchParams
  function formEncode(s: string) {
    return encodeURIComponent(s)
      .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
      .replace(/%20/g, '+');
  }
  function formDecode(s: string) {
    const t = s.replace(/\+/g, ' ');
    try {
      return decodeURIComponent(t);
    } catch (e) {
      return t.replace(/%([0-9a-fA-F]{2})/g, (_m, h) => fromCharCode(parseInt(h, 16)));
    }
  }
  function makeUrl() {
    class URLSearchParams {
      private list: [string, string][] = [];
      private onChange: (() => void) | undefined;
      constructor(init?: any) {
        this.list = [];
        if (init === undefined || init === null) return;
        if (typeof init === 'string') this.parseInto(init);
        else if (init instanceof URLSearchParams) this.list = init.list.map((p) => [p[0], p[1]] as [string, string]);
        else if (typeof init === 'object' && typeof init[Symbol.iterator] === 'function') {
          for (const pair of init) {
            const p = Array.from(pair as any);
            if (p.length !== 2) throw new TypeError('each URLSearchParams pair must have two items');
            this.list.push([String(p[0]), String(p[1])]);
          }
        } else if (typeof init === 'object') for (const k of ObjectKeys(init)) this.list.push([k, String(init[k])]);
        else this.parseInto(String(init));
      }
      private parseInto(s: string) {
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
      append(k: any, v: any) {
        this.list.push([String(k), String(v)]);
        this.changed();
      }
      delete(k: any, v?: any) {
        const key = String(k);
        this.list = this.list.filter((p) => p[0] !== key || (v !== undefined && p[1] !== String(v)));
        this.changed();
      }
      get(k: any) {
        const p = this.list.find((x) => x[0] === String(k));
        return p ? p[1] : null;
      }
      getAll(k: any) {
        return this.list.filter((x) => x[0] === String(k)).map((x) => x[1]);
      }
      has(k: any, v?: any) {
        return this.list.some((x) => x[0] === String(k) && (v === undefined || x[1] === String(v)));
      }
      set(k: any, v: any) {
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
      forEach(fn: any, thisArg?: any) {
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
    // The WHATWG URL parser is large; the host's own parser answers (strings in, strings out).
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
    ];
    class URL {
      declare href: string;
      private parts: any;
      private sp: URLSearchParams | undefined;
      constructor(input: any, base?: any) {
        const r = host('url', String(input), base === undefined ? undefined : String(base));
        if (!r[0]) throw new TypeError('Invalid URL: ' + String(input).slice(0, 200));
        this.parts = r[1];
        this.sp = undefined;
      }
      static canParse(input: any, base?: any) {
        return host('url', String(input), base === undefined ? undefined : String(base))[0];
      }
      private update(field: string, value: any) {
        const r = host('urlset', this.parts.href, field, String(value));
        if (!r[0]) throw new TypeError('Invalid URL');
        this.parts = r[1];
        if (this.sp && field !== 'search') this.sp['parseInto'](this.parts.search);
      }
      get searchParams() {
        if (!this.sp) {
          const sp = new URLSearchParams(this.parts.search);
          sp['onChange'] = () => {
            const s = sp.toString();
            const r = host('urlset', this.parts.href, 'search', s);
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
      const desc: any = {
        get(this: any) {
          return this.parts[f];
        },
        enumerable: true,
        configurable: true,
      };
      if (f !== 'origin')
        desc.set = function (this: any, v: any) {
          this.update(f, v);
        };
      defineProperty(URL.prototype, f, desc);
    }
    return { URL, URLSearchParams };
  }
  let urlMod: any;
  const urls = () => urlMod || (urlMod = makeUrl());
  lazy('URL', () => urls().URL);
  lazy('URLSearchParams', () => urls().URLSearchParams);

  // ---------------------------------------------------------------- crypto
  function cryptoData(d: any): string | ArrayBuffer {
    if (typeof d === 'string') return d;
    const b = toBytes(d);
    return b.slice().buffer;
  }
  lazy('crypto', () =>
    freeze({
      randomUUID: () => host('uuid')[1],
      getRandomValues: (arr: any) => {
        if (
          !ArrayBuffer.isView(arr) ||
          arr instanceof Float32Array ||
          arr instanceof Float64Array ||
          arr instanceof DataView
        )
          throw new TypeError('getRandomValues needs an integer typed array');
        if (arr.byteLength > 65536) throw new Error('QuotaExceededError: at most 65536 bytes');
        const r = host('random', arr.byteLength);
        new U8(arr.buffer, arr.byteOffset, arr.byteLength).set(new U8(r[1]));
        return arr;
      },
      /** Hex digest: crypto.digest('sha256', data). */
      digest: (alg: any, data: any) => {
        const r = host('digest', String(alg), cryptoData(data));
        if (!r[0]) throw new Error(r[1]);
        return r[1];
      },
      /** Hex HMAC: crypto.hmac('sha256', key, data). */
      hmac: (alg: any, key: any, data: any) => {
        const r = host('hmac', String(alg), [cryptoData(key), cryptoData(data)]);
        if (!r[0]) throw new Error(r[1]);
        return r[1];
      },
    }),
  );

  // ---------------------------------------------------------------- fetch, http
  function makeFetch() {
    const URL = urls().URL;
    const URLSearchParams = urls().URLSearchParams;
    class Headers {
      private map: any;
      constructor(init?: any) {
        this.map = Object.create(null);
        if (!init) return;
        if (init instanceof Headers) init.forEach((v: string, k: string) => this.append(k, v));
        else if (typeof init[Symbol.iterator] === 'function') for (const [k, v] of init) this.append(k, v);
        else for (const k of ObjectKeys(init)) this.append(k, init[k]);
      }
      append(k: any, v: any) {
        const key = String(k).toLowerCase();
        const val = String(v).trim();
        this.map[key] = key in this.map ? this.map[key] + ', ' + val : val;
      }
      set(k: any, v: any) {
        this.map[String(k).toLowerCase()] = String(v).trim();
      }
      get(k: any) {
        const v = this.map[String(k).toLowerCase()];
        return v === undefined ? null : v;
      }
      has(k: any) {
        return String(k).toLowerCase() in this.map;
      }
      delete(k: any) {
        delete this.map[String(k).toLowerCase()];
      }
      forEach(fn: any, thisArg?: any) {
        for (const k of ObjectKeys(this.map).sort()) fn.call(thisArg, this.map[k], k, this);
      }
      keys() {
        return ObjectKeys(this.map).sort()[Symbol.iterator]();
      }
      values() {
        return ObjectKeys(this.map)
          .sort()
          .map((k) => this.map[k])
          [Symbol.iterator]();
      }
      entries() {
        return ObjectKeys(this.map)
          .sort()
          .map((k) => [k, this.map[k]])
          [Symbol.iterator]();
      }
      [Symbol.iterator]() {
        return this.entries();
      }
    }
    class Response {
      readonly status: number;
      readonly statusText: string;
      readonly headers: Headers;
      readonly url: string;
      readonly redirected: boolean;
      private buf: ArrayBuffer;
      private used: boolean;
      constructor(body?: any, init: any = {}) {
        this.status = init.status === undefined ? 200 : Number(init.status);
        this.statusText = init.statusText === undefined ? '' : String(init.statusText);
        this.headers = new Headers(init.headers);
        this.url = init.url || '';
        this.redirected = !!init.redirected;
        this.buf =
          body === undefined || body === null
            ? new ArrayBuffer(0)
            : typeof body === 'string'
              ? (utf8Encode(body).buffer as ArrayBuffer)
              : (toBytes(body).slice().buffer as ArrayBuffer);
        this.used = false;
      }
      get ok() {
        return this.status >= 200 && this.status < 300;
      }
      get bodyUsed() {
        return this.used;
      }
      private take(): ArrayBuffer {
        if (this.used) throw new TypeError('Body has already been consumed');
        this.used = true;
        return this.buf;
      }
      async arrayBuffer() {
        return this.take().slice(0);
      }
      async bytes() {
        return new U8(this.take().slice(0));
      }
      async text() {
        return utf8Decode(new U8(this.take()), false);
      }
      async json() {
        return parse(await this.text());
      }
      clone() {
        if (this.used) throw new TypeError('Body has already been consumed');
        return new Response(this.buf, {
          status: this.status,
          statusText: this.statusText,
          headers: this.headers,
          url: this.url,
          redirected: this.redirected,
        });
      }
    }
    function fetch(input: any, init: any = {}): Promise<Response> {
      return new Promise((resolve, reject) => {
        const url =
          input instanceof URL
            ? input.href
            : input && typeof input === 'object' && typeof input.url === 'string'
              ? input.url
              : String(input);
        const headers = new Headers(init.headers);
        let body: any = init.body;
        if (body !== undefined && body !== null) {
          if (typeof body === 'string') {
            if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
          } else if (body instanceof URLSearchParams) {
            body = body.toString();
            if (!headers.has('content-type'))
              headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
          } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) body = toBytes(body).slice().buffer;
          else
            throw new TypeError(
              'fetch body must be a string, ArrayBuffer, typed array or URLSearchParams (use JSON.stringify for objects)',
            );
        } else body = null;
        const req = {
          url,
          method: init.method ? String(init.method) : 'GET',
          headers: Array.from(headers.entries()),
          body,
          timeoutMs: init.timeoutMs === undefined ? undefined : Number(init.timeoutMs),
        };
        startOp(
          'fetch',
          req,
          (m: any) => resolve(new Response(m.body, m)),
          (msg: string) => reject(new TypeError('fetch failed: ' + msg)),
        );
      });
    }
    async function httpCall(method: string, url: any, opts: any = {}) {
      const headers = new Headers(opts.headers);
      let body = opts.body;
      if (opts.json !== undefined) {
        body = stringify(opts.json);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
      let target = url instanceof URL ? url.href : String(url);
      if (opts.query && typeof opts.query === 'object') {
        const u = new URL(target);
        for (const k of ObjectKeys(opts.query))
          if (opts.query[k] !== undefined) u.searchParams.append(k, opts.query[k]);
        target = u.href;
      }
      const res = await fetch(target, { method, headers, body, timeoutMs: opts.timeoutMs });
      const text = await res.text();
      let data: any = text;
      if (/\bjson\b/i.test(res.headers.get('content-type') || '')) {
        try {
          data = parse(text);
        } catch (e) {
          data = text;
        }
      }
      const hdrs: any = {};
      res.headers.forEach((v: string, k: string) => (hdrs[k] = v));
      return { status: res.status, statusText: res.statusText, ok: res.ok, url: res.url, headers: hdrs, data, text };
    }
    const http = freeze({
      request: (method: string, url: any, opts?: any) => httpCall(String(method).toUpperCase(), url, opts),
      get: (url: any, opts?: any) => httpCall('GET', url, opts),
      post: (url: any, opts?: any) => httpCall('POST', url, opts),
      put: (url: any, opts?: any) => httpCall('PUT', url, opts),
      patch: (url: any, opts?: any) => httpCall('PATCH', url, opts),
      delete: (url: any, opts?: any) => httpCall('DELETE', url, opts),
    });
    return { fetch, Headers, Response, http };
  }
  let fetchMod: any;
  const net = () => fetchMod || (fetchMod = makeFetch());
  lazy('fetch', () => net().fetch);
  lazy('Headers', () => net().Headers);
  lazy('Response', () => net().Response);
  lazy('http', () => net().http);

  // ---------------------------------------------------------------- running the tool
  function message(e: any): string {
    try {
      if (e instanceof Error) {
        const name = e.name && e.name !== 'Error' ? String(e.name) + ': ' : '';
        return name + String(e.message);
      }
      if (typeof e === 'string') return e;
      const j = stringify(e);
      return j === undefined ? String(e) : j;
    } catch (x) {
      return 'the tool threw a value that cannot be shown';
    }
  }
  const CONTENT_TYPES: any = { text: 1, image: 1, audio: 1, resource: 1, resource_link: 1 };
  function isContentResult(v: any): boolean {
    if (!v || typeof v !== 'object' || !isArray(v.content) || !v.content.length) return false;
    for (const b of v.content) if (!b || typeof b !== 'object' || !CONTENT_TYPES[b.type]) return false;
    return true;
  }
  const max = cfg.maxResultSize;
  function finish(value: any) {
    const env: any = { ok: true, stdout: out };
    if (value === undefined) {
      env.kind = 'none';
      return env;
    }
    if (typeof value === 'string') {
      env.kind = 'text';
      env.size = value.length;
      env.truncated = value.length > max;
      env.data = env.truncated ? value.slice(0, max) : value;
      return env;
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
      env.kind = 'content';
      env.truncated = truncated;
      env.data = '[' + blocks.join(',') + ']';
      env.isError = value.isError === true;
      if (
        !truncated &&
        value.structuredContent &&
        typeof value.structuredContent === 'object' &&
        !isArray(value.structuredContent)
      ) {
        const sc = stringify(value.structuredContent);
        if (sc.length + used <= max) env.structured = sc;
      }
      return env;
    }
    let json: string | undefined;
    try {
      json = stringify(value);
    } catch (e) {
      throw new TypeError('main returned a value that cannot be turned into JSON: ' + message(e));
    }
    if (json === undefined) throw new TypeError('main returned a ' + typeof value + ', which is not a JSON value');
    env.kind = 'json';
    env.size = json.length;
    env.truncated = json.length > max;
    env.data = env.truncated ? json.slice(0, max) : json;
    return env;
  }
  function requireModule(name: any) {
    const r = host('module', String(name));
    if (!r[0]) throw new Error(r[1]);
    throw new Error('module "' + String(name) + '" is not approved/installed');
  }
  // The control function: found by the host under a per-call random name when it has
  // something to deliver (a fetch, a timer) or must collect stdout after a timeout.
  defineProperty(G, cfg.control, {
    enumerable: false,
    configurable: false,
    writable: false,
    value: function control(op: string, id?: unknown, ok?: unknown, value?: unknown) {
      if (op === 'deliver') {
        const p = pending[id as number];
        if (!p) return;
        delete pending[id as number];
        if (ok === true) p.ok(value);
        else p.err(String(value));
        return;
      }
      if (op === 'stdout') return out;
      return undefined;
    },
  });

  return (async () => {
    try {
      const mod: any = { exports: {} };
      factory.call(undefined, requireModule, mod, mod.exports);
      const main = mod.exports && mod.exports.main;
      if (typeof main !== 'function') throw new TypeError('the tool code must export an async function main(args)');
      return finish(await main(parse(cfg.args)));
    } catch (e) {
      return { ok: false, error: message(e), stdout: out };
    }
  })();
}

/** Source of the bootstrap function above. */
export const BOOTSTRAP_SOURCE = `(${isolateBootstrap.toString()})`;

/**
 * The script compiled ONCE per tool per isolate: a function of (host, cfgJson) that runs the
 * bootstrap and then the tool module. The module factory's parameters shadow `host` and
 * `cfgJson`, so tool code cannot name them; the bootstrap's own variables are out of its scope.
 */
export function toolScriptSource(factorySource: string): string {
  return `(function (host, cfgJson) {"use strict"; return ${BOOTSTRAP_SOURCE}(host, cfgJson, ${factorySource}); })`;
}
