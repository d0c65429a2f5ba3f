import { LOOPBACK_ONLY_PRELOAD } from './loopback-only';
/**
 * Runs tool code against installed module bundles in a real isolated-vm isolate, the way
 * the sandbox will (bundle-contract.ts): in a child process, because isolated-vm needs
 * `--no-node-snapshot`, which test processes do not have.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';

export interface IsolateRequest {
  modules: { name: string; code: string }[];
  tool: string;
  args?: Record<string, unknown>;
}

export type IsolateAnswer = { ok: true; value: unknown; loadMs: Record<string, number> } | { ok: false; error: string };

export function runToolWithModules(req: IsolateRequest): Promise<IsolateAnswer> {
  const child = fork(join(__dirname, 'module-isolate-child.js'), [], {
    execArgv: ['--no-node-snapshot', '--enable-source-maps', `--require=${LOOPBACK_ONLY_PRELOAD}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let answered = false;
    child.once('message', (answer: IsolateAnswer) => {
      answered = true;
      resolve(answer);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!answered) reject(new Error(`the isolate child exited (${signal ?? code}) without answering`));
    });
    child.send(req);
  });
}
