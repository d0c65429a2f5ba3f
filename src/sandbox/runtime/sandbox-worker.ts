/**
 * Entry of a sandbox worker process (forked by SandboxRuntime). Isolates live ONLY here:
 * V8 can abort a whole process on some heap exhaustion that isolated-vm's memoryLimit does
 * not catch (docs/sandbox.md#processes-and-isolates), and then only this worker's in-flight calls are lost.
 */
import { systemResolver, limitedResolver } from '../../guarded-http/destination';
import { GuardedHttpClient } from '../../guarded-http/guarded-http-client';
import { NO_MCP_CLIENT, type McpPort } from './call-bridge';
import { runCall } from './call-runner';
import type { ExecutionOutcome, InterruptReason } from './contract';
import { failure } from './result-mapper';
import { ServerIsolates } from './server-isolates';
import type { ExecMessage, FromWorker, ToWorker, WorkerOptions } from './worker-protocol';

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerOptions;
const send = (m: FromWorker) => {
  if (process.connected) process.send?.(m);
};

const isolates = new ServerIsolates(options.memoryMb, (message) => {
  // V8 lost control of an isolate: nothing in this process can be trusted any more.
  send({
    t: 'event',
    event: {
      level: 'error',
      message: 'A sandbox isolate failed catastrophically; the worker stops',
      details: { message },
    },
  });
  process.abort();
});
/** DNS lookups one server may run at once in this worker (the worker has DNS_THREADS, see sandbox-runtime.ts). */
const DNS_LOOKUPS_PER_SERVER = 4;
const clients = new Map<string, GuardedHttpClient>();
/** Each server's own client: its lookups are limited apart from the other servers'. */
function httpFor(serverId: string): GuardedHttpClient {
  let c = clients.get(serverId);
  if (!c)
    clients.set(
      serverId,
      (c = new GuardedHttpClient({ resolver: limitedResolver(systemResolver, DNS_LOOKUPS_PER_SERVER) })),
    );
  return c;
}

/** Questions of running calls waiting for the app's answer, by call id and question id. */
const answers = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
/** How to stop each running call (its channel in the app asked to). */
const interrupts = new Map<number, (reason: InterruptReason) => void>();
let nextQuestion = 1;

/** A call's way to its MCP client: through the app, which holds the client's request. */
function mcpPortFor(msg: ExecMessage): McpPort {
  if (!msg.mcp) return NO_MCP_CLIENT;
  return {
    note: (note) => send({ t: 'mcp-note', id: msg.id, note }),
    ask: (question) =>
      new Promise((resolve, reject) => {
        const qid = nextQuestion++;
        answers.set(`${msg.id}:${qid}`, { resolve, reject });
        send({ t: 'mcp-ask', id: msg.id, qid, question });
      }),
  };
}

async function exec(msg: ExecMessage): Promise<void> {
  const source = msg.source ?? isolates.source(msg.serverId, msg.codeKey);
  for (const [sha256, bundle] of Object.entries(msg.moduleSources ?? {})) isolates.keepBundle(sha256, bundle);
  const bundles: [string, string][] = [];
  for (const m of msg.modules ?? []) {
    if (m.sha256 === undefined) continue;
    const bundle = msg.moduleSources?.[m.sha256] ?? isolates.bundle(m.sha256);
    if (bundle === undefined) return send({ t: 'need-code', id: msg.id });
    bundles.push([m.sha256, bundle]);
  }
  if (source === undefined) return send({ t: 'need-code', id: msg.id });
  if (msg.source !== undefined) isolates.keepSource(msg.serverId, msg.codeKey, msg.source);
  const entry = isolates.acquire(msg.serverId);
  let outcome: ExecutionOutcome;
  try {
    const compiled = {
      tool: entry.script(msg.codeKey, source),
      modules: bundles.map(([sha256, bundle]) => entry.moduleScript(sha256, bundle)),
    };
    outcome = await runCall(entry, compiled, msg, httpFor(msg.serverId), options, {
      mcp: mcpPortFor(msg),
      onInterrupt: (interrupt) => interrupts.set(msg.id, interrupt),
    });
  } catch (err) {
    outcome = failure(`the sandbox failed: ${err instanceof Error ? err.message : String(err)}`, '', 0);
  } finally {
    interrupts.delete(msg.id);
    for (const key of [...answers.keys()])
      if (key.startsWith(`${msg.id}:`)) {
        answers.get(key)?.reject(new Error('the call has ended'));
        answers.delete(key);
      }
    if (entry.retired) isolates.retire(entry);
    isolates.release(entry);
  }
  send({ t: 'result', id: msg.id, outcome });
  entry.prepareSpare();
}

process.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'exec':
      void exec(msg);
      break;
    case 'evict':
      isolates.evict(msg.serverId);
      clients.delete(msg.serverId);
      send({ t: 'done', id: msg.id });
      break;
    case 'memory':
      void isolates.memoryBytes(msg.serverId).then((bytes) => send({ t: 'done', id: msg.id, bytes }));
      break;
    case 'info':
      send({
        t: 'done',
        id: msg.id,
        info: {
          pid: process.pid,
          rss: process.memoryUsage.rss(),
          maxRss: process.resourceUsage().maxRSS * 1024,
          safetyNet: (globalThis as { __mcpboxLoopbackOnly?: boolean }).__mcpboxLoopbackOnly === true,
          scripts: isolates.scriptCount(),
          moduleScripts: isolates.moduleScriptCount(),
        },
      });
      break;
    case 'mcp-answer': {
      const waiting = answers.get(`${msg.id}:${msg.qid}`);
      answers.delete(`${msg.id}:${msg.qid}`);
      if (msg.ok) waiting?.resolve(msg.value);
      else waiting?.reject(new Error(String(msg.value)));
      break;
    }
    case 'interrupt':
      interrupts.get(msg.id)?.(msg.reason);
      break;
    case 'shutdown':
      process.exit(0);
  }
});
// The app went away: so does this worker.
process.on('disconnect', () => process.exit(0));
send({ t: 'ready', pid: process.pid });
