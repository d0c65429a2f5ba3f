import { randomUUID } from 'node:crypto';
import ivm from 'isolated-vm';
import { MAX_STDOUT_BYTES } from '../../common/limits';
import type { GuardedHttpClient } from '../../guarded-http/guarded-http-client';
import { CallBridge, NO_MCP_CLIENT, type McpPort } from './call-bridge';
import type { ExecutionOutcome, InterruptReason } from './contract';
import type { CallConfig, ControlFunction, ControlMessage, ResultEnvelope } from './isolate/bridge';
import { failure, mapEnvelope } from './result-mapper';
import { CONFIG_GLOBAL, HOST_GLOBAL } from './isolate-script';
import type { ServerIsolate } from './server-isolates';
import type { ExecMessage } from './worker-protocol';

/**
 * Why a call stopped before its code answered. `lost`: isolated-vm gave up the call's promise
 * (the isolate is going away, or V8 collected a promise nothing can settle) — not yet a reason
 * to tell the tool: the call waits for the isolate's reset or its own time limit (runCall).
 */
class Fault extends Error {
  constructor(
    readonly kind: 'timeout' | 'memory' | 'reset' | 'lost' | 'error' | 'interrupted' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

export const CANCELLED_MESSAGE = 'The MCP client cancelled the call; it was stopped';

const RESET_MESSAGE =
  'The sandbox of this server was reset during the call (the server was stopped, or another call hit a limit)';
/** isolated-vm's words for a call whose isolate (or promise) is gone. */
const LOST = /promise was abandoned|isolate (is|was) (already )?disposed/i;

export interface RunLimits {
  memoryMb: number;
  maxResultSize: number;
}

/** The call's link to its MCP client, and how the worker learns to stop it on the app's word. */
export interface RunHooks {
  mcp: McpPort;
  onInterrupt(interrupt: (reason: InterruptReason) => void): void;
}

const NO_HOOKS: RunHooks = { mcp: NO_MCP_CLIENT, onInterrupt: () => undefined };

function classify(err: unknown, entry: ServerIsolate, limits: RunLimits, timeoutMs: number): Fault {
  if (err instanceof Fault) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/memory limit/i.test(msg))
    return new Fault(
      'memory',
      `Memory limit exceeded: the tool used more than ${limits.memoryMb} MB (SANDBOX_MEMORY_MB)`,
    );
  if (/timed out/i.test(msg)) return new Fault('timeout', `Timed out after ${timeoutMs} ms (the tool's time limit)`);
  if (entry.disposed) return new Fault('reset', RESET_MESSAGE);
  if (LOST.test(msg)) return new Fault('lost', msg);
  return new Fault('error', msg.split('\n')[0].slice(0, 2000) || 'the sandbox failed');
}

/**
 * Global name of the call's control function in its own context: random per call (other
 * calls have other contexts anyway), so nothing compiled into the isolate can know it ahead.
 */
const controlName = () => `__mcpbox_control_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

/**
 * The call's CallConfig as JSON. The arguments arrive as JSON already (worker-protocol.ts):
 * they are put in as they are, not encoded a second time.
 */
export function callConfigJson(
  msg: Pick<ExecMessage, 'args' | 'secrets'> & Partial<Pick<ExecMessage, 'modules'>>,
  limits: RunLimits,
  control: string,
): string {
  const rest: Omit<CallConfig, 'args' | 'secrets'> = {
    maxResultSize: limits.maxResultSize,
    maxStdout: MAX_STDOUT_BYTES,
    control,
    // fromEntries defines own properties, whatever the names.
    modules: Object.fromEntries(
      (msg.modules ?? []).map((m) => [m.name, m.sha256 !== undefined ? { sha256: m.sha256 } : { error: m.error }]),
    ),
  };
  // `args` is one complete JSON value (the pool made it with JSON.stringify), so it can stand as a member value.
  return `{"args":${msg.args || '{}'},"secrets":${JSON.stringify(msg.secrets ?? {})},${JSON.stringify(rest).slice(1)}`;
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A call's compiled scripts: the tool's (bootstrap included), and those of the module bundles it imports. */
export interface CompiledCall {
  tool: Promise<ivm.Script>;
  modules: Promise<ivm.Script>[];
}

/**
 * Runs one call in a FRESH context of the server's isolate: the tool's precompiled script
 * (bootstrap, then the module's top-level code and `main`, in one entry, one round trip),
 * preceded by the scripts of the module bundles it imports (each only defines its factory),
 * every entry into the isolate bounded by what is left of the call's time (isolated-vm's
 * `timeout` stops runaway synchronous code), and a host timer bounding the whole call (a
 * promise that never settles).
 */
export async function runCall(
  entry: ServerIsolate,
  compiled: CompiledCall,
  msg: ExecMessage,
  http: GuardedHttpClient,
  limits: RunLimits,
  hooks: RunHooks = NO_HOOKS,
): Promise<ExecutionOutcome> {
  const started = performance.now();
  const controlId = controlName();
  const deadline = Date.now() + msg.timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const bridge = new CallBridge(http, msg.network, deadline, msg.secrets, hooks.mcp);
  let timer: NodeJS.Timeout | undefined;
  let raiseFault: (f: Fault) => void = () => undefined;
  const stop = new Promise<never>((_, reject) => {
    raiseFault = reject;
    timer = setTimeout(
      () => reject(new Fault('timeout', `Timed out after ${msg.timeoutMs} ms (the tool's time limit)`)),
      msg.timeoutMs,
    );
  });
  stop.catch(() => undefined);
  hooks.onInterrupt((reason) =>
    raiseFault(
      reason === 'cancel'
        ? new Fault('cancelled', CANCELLED_MESSAGE)
        : new Fault('interrupted', 'the call was stopped to ask the MCP client'),
    ),
  );
  const within = <T>(p: Promise<T>): Promise<T> => Promise.race([p, stop]);

  let ctx: ivm.Context | undefined;
  let control: Promise<ivm.Reference<ControlFunction> | undefined> | undefined;
  const refs: { release(): void }[] = [];
  // Looked up only when needed (a delivery, stdout after a timeout): most calls never need it.
  const getControl = () =>
    (control ??= (async () => {
      if (!ctx || entry.disposed) return undefined;
      const ref = (await ctx.global.get(controlId, { reference: true })) as ivm.Reference<ControlFunction>;
      refs.push(ref);
      return ref;
    })().catch(() => undefined));
  bridge.deliver = (id, ok, value) =>
    getControl().then(async (ctl) => {
      try {
        const message: ControlMessage = ['deliver', id, ok, value];
        await ctl?.apply(undefined, message, { arguments: { copy: true }, timeout: remaining() });
      } catch (err) {
        raiseFault(classify(err, entry, limits, msg.timeoutMs));
      }
    });
  try {
    const script = await within(compiled.tool);
    const modules = compiled.modules.length ? await within(Promise.all(compiled.modules)) : [];
    const context = await within(entry.freshContext());
    ctx = context;
    // One round trip: the module definitions, the bridge and the configuration are queued ahead
    // of the run (isolated-vm runs an isolate's tasks in order), and the script evaluates to the
    // call's result (isolate-script.ts). A module script runs no package code: it defines a factory.
    for (const m of modules) m.runIgnored(context, { timeout: remaining() });
    context.global.setIgnored(HOST_GLOBAL, new ivm.Callback(bridge.handle));
    context.global.setIgnored(CONFIG_GLOBAL, callConfigJson(msg, limits, controlId));
    const env = (await within(
      script.run(context, { promise: true, copy: true, timeout: remaining() }) as Promise<unknown>,
    )) as ResultEnvelope;
    if (!env || typeof env !== 'object') return failure('the tool returned no result', '', performance.now() - started);
    return mapEnvelope(env, limits.maxResultSize, MAX_STDOUT_BYTES, performance.now() - started);
  } catch (err) {
    let fault = classify(err, entry, limits, msg.timeoutMs);
    // A lost promise is explained by whatever comes first: the isolate's reset, or the call's own limit.
    if (fault.kind === 'lost')
      fault = await Promise.race([
        entry.reset.then(() => new Fault('reset', RESET_MESSAGE)),
        stop.catch((e: unknown) => classify(e, entry, limits, msg.timeoutMs)),
      ]);
    const stdout = ctx && fault.kind === 'timeout' ? await collectStdout(entry, getControl()) : '';
    // After a limit the isolate is replaced (docs/sandbox.md#limits: nothing of an overrun survives into later calls);
    // after a cancel too, as the cancelled code may still be running, up to its own time limit.
    if (fault.kind === 'timeout' || fault.kind === 'memory' || fault.kind === 'cancelled') entry.retired = true;
    // V8 has already torn the isolate down: say so to the calls that shared it, at once.
    if (fault.kind === 'memory') entry.dispose();
    if (fault.kind === 'interrupted')
      return { ...failure(fault.message, '', performance.now() - started), interrupted: true };
    return failure(fault.message, stdout, performance.now() - started);
  } finally {
    clearTimeout(timer);
    bridge.close();
    for (const r of refs) safeRelease(r);
    if (ctx) safeRelease(ctx);
  }
}

/** What the call printed before it overran; an isolate that does not answer is still spinning and is disposed. */
async function collectStdout(
  entry: ServerIsolate,
  control: Promise<ivm.Reference<ControlFunction> | undefined>,
): Promise<string> {
  if (entry.disposed) return '';
  const out = await Promise.race([
    control
      .then((c) => c?.apply(undefined, ['stdout'] satisfies ControlMessage, { result: { copy: true }, timeout: 100 }))
      .catch(() => undefined),
    sleep(250).then(() => null),
  ]);
  if (out === null) {
    entry.dispose();
    return '';
  }
  return typeof out === 'string' ? out : '';
}

function safeRelease(r: { release(): void }): void {
  try {
    r.release();
  } catch {
    // the isolate is gone
  }
}
