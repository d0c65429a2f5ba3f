import { parentPort } from 'node:worker_threads';

/**
 * A compute worker thread (see compute-pool.ts): runs one named export of a module the
 * app chose (never one a request names) and posts the result back.
 */
export interface ComputeRequest {
  id: number;
  file: string;
  fn: string;
  args: unknown[];
}

export type ComputeReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

parentPort?.on('message', (msg: ComputeRequest) => {
  void (async (): Promise<ComputeReply> => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(msg.file) as Record<string, (...args: unknown[]) => unknown>;
      return { id: msg.id, ok: true, value: await mod[msg.fn](...msg.args) };
    } catch (err) {
      return { id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  })().then((reply) => parentPort?.postMessage(reply));
});
