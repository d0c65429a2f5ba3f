import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { withLoopbackOnly } from './loopback-only';

/**
 * `@modelcontextprotocol/server-everything`, the official reference MCP server, as a child
 * process on 127.0.0.1: `streamableHttp` (2025 sessions at `/mcp`) or `sse` (the old
 * HTTP+SSE transport, `GET /sse` and `POST /message`). It reads only `PORT` and listens on
 * every interface, so the child preloads listen-on-loopback.js: bound to 127.0.0.1 on a port
 * the system picks, which it reports on stderr. Its NODE_OPTIONS carry the loopback-only
 * preload too (`withLoopbackOnly`): the child can reach nothing beyond loopback.
 */
export type EverythingTransport = 'streamableHttp' | 'sse';

export interface EverythingServer {
  transport: EverythingTransport;
  port: number;
  url: string;
  /** Everything the child wrote to stderr (for failure messages). */
  stderr: () => string;
  stop(): Promise<void>;
}

const ENTRY = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const LISTEN_ON_LOOPBACK = join(__dirname, 'listen-on-loopback.js');
const LISTENING_LINE = /^LISTENING_ON (\d+)$/m;

export async function startEverything(
  transport: EverythingTransport,
  opts: { port?: number; timeoutMs?: number } = {},
): Promise<EverythingServer> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const child: ChildProcess = spawn(process.execPath, [ENTRY, transport], {
    env: withLoopbackOnly({
      ...process.env,
      PORT: String(opts.port ?? 0),
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require=${LISTEN_ON_LOOPBACK}`].filter(Boolean).join(' '),
    }),
    // It logs every request to stdout: not needed.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server-everything ${transport} did not listen within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = LISTENING_LINE.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server-everything ${transport} exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    transport,
    port,
    url: `http://127.0.0.1:${port}${transport === 'sse' ? '/sse' : '/mcp'}`,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
