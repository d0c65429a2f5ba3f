/**
 * The code that runs INSIDE each fresh isolate context, before the tool: it installs the
 * globals of docs/sandbox.md#globals, defines the call's control function and runs the tool's `main`.
 *
 * This folder is plain ECMAScript (V8 in isolated-vm has no web APIs and nothing of Node):
 * scripts/build.mjs bundles it, from this entry, into ONE script (isolate.bundle.js) that
 * the worker compiles with each tool (isolate-script.ts), so that a call enters its context
 * once. The host reaches it through two values only: `host`, the call's bridge (bridge.ts),
 * and `cfgJson`, the call's configuration. Both stay in this closure: tool code sees only
 * the globals.
 *
 * Every call runs this in a new context, cold (V8 keeps no feedback across contexts): plain,
 * straight-line code is what keeps it cheap, so the globals are written out one by one.
 */
import { atob, btoa } from './base64';
import type { Bootstrap, CallConfig, ControlMessage } from './bridge';
import { defineProperty, freeze, G, lazy, objectKeys, once, parse } from './builtins';
import { createStdout } from './console';
import { makeCrypto } from './crypto';
import { makeFetch } from './fetch';
import { makeMcp } from './mcp';
import { moduleRequire } from './modules';
import { createOps } from './ops';
import { envelope, errorMessage } from './result';
import { makeText } from './text';
import { timerGlobals } from './timers';
import { makeUrl } from './url';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const k of objectKeys(o)) deepFreeze((o as Record<string, unknown>)[k]);
    freeze(o);
  }
  return o;
}

export const bootstrap: Bootstrap = (host, cfgJson, factory) => {
  const cfg = parse(cfgJson) as CallConfig;
  const ops = createOps(host);

  // Web and Node extras tools do not need and that widen the attack surface.
  delete G.SharedArrayBuffer;
  delete G.Atomics;
  delete G.WebAssembly;

  const stdout = createStdout(cfg.maxStdout);
  G.console = stdout.console;

  defineProperty(G, 'secrets', {
    value: deepFreeze(cfg.secrets),
    enumerable: false,
    configurable: false,
    writable: false,
  });

  const timers = timerGlobals(ops, (args) => stdout.write('[error] ', args));
  G.setTimeout = timers.setTimeout;
  G.setInterval = timers.setInterval;
  G.clearTimeout = timers.clearTimeout;
  G.clearInterval = timers.clearInterval;
  G.queueMicrotask = timers.queueMicrotask;

  const text = once(makeText);
  lazy('TextEncoder', () => text().TextEncoder);
  lazy('TextDecoder', () => text().TextDecoder);
  G.btoa = btoa;
  G.atob = atob;

  const urls = once(() => makeUrl(ops));
  lazy('URL', () => urls().URL);
  lazy('URLSearchParams', () => urls().URLSearchParams);

  lazy('crypto', () => makeCrypto(ops));
  lazy('mcp', () => makeMcp(ops, stdout.forwardTo));

  const net = once(() => makeFetch(ops, urls()));
  lazy('fetch', () => net().fetch);
  lazy('Headers', () => net().Headers);
  lazy('Response', () => net().Response);
  lazy('http', () => net().http);

  // The control function: found by the host under this call's random name when it has
  // something to deliver (a fetch, a timer) or must collect stdout after a timeout.
  defineProperty(G, cfg.control, {
    enumerable: false,
    configurable: false,
    writable: false,
    value: function control(...message: ControlMessage): string | undefined {
      if (message[0] === 'deliver') ops.deliver(message[1], message[2], message[3]);
      else if (message[0] === 'stdout') return stdout.text();
      return undefined;
    },
  });

  const requireModule = moduleRequire(ops);
  return (async () => {
    try {
      const mod: { exports: unknown } = { exports: {} };
      factory.call(undefined, requireModule, mod, mod.exports);
      const main = mod.exports && (mod.exports as { main?: unknown }).main;
      if (typeof main !== 'function') throw new TypeError('the tool code must export an async function main(args)');
      return envelope(await main(cfg.args), stdout.text(), cfg.maxResultSize);
    } catch (e) {
      return { ok: false, error: errorMessage(e), stdout: stdout.text() };
    }
  })();
};
