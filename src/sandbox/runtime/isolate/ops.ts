import type { AsyncOpName, BridgeAnswer, HostBridge, OpArgs, OpReply } from './bridge';

type Pending = { ok: (value: unknown) => void; err: (message: string) => void };

/** The isolate side of the host bridge: sync calls, and async ops whose replies the host delivers later. */
export interface Ops {
  /** The host bridge itself (sync calls answer `[ok, value]`: each caller picks its error). */
  readonly host: HostBridge;
  /** Starts an async op: `onOk`/`onErr` run when the host delivers its reply. Throws when the host refuses it. */
  start<N extends AsyncOpName>(
    op: N,
    args: OpArgs<N>,
    onOk: (value: OpReply<N>) => void,
    onErr: (message: string) => void,
  ): number;
  /** Forgets a pending op and tells the host to stop it (its reply, if any, is dropped). */
  cancel(opId: number): void;
  /** Settles a pending op with the host's reply (the control function's `deliver`). */
  deliver(opId: number, ok: boolean, value: unknown): void;
}

export function createOps(host: HostBridge): Ops {
  const pending: Record<number, Pending> = Object.create(null) as Record<number, Pending>;
  return {
    host,
    start(op, args, onOk, onErr) {
      // An async op answers with its id (the compiler cannot follow a generic op through the spread).
      const r = (host as (op: AsyncOpName, ...a: unknown[]) => BridgeAnswer<number>)(op, ...args);
      if (!r[0]) throw new Error(String(r[1]));
      pending[r[1]] = { ok: onOk as (value: unknown) => void, err: onErr };
      return r[1];
    },
    cancel(opId) {
      delete pending[opId];
      host('cancel', opId);
    },
    deliver(opId, ok, value) {
      const p = pending[opId];
      if (!p) return;
      delete pending[opId];
      if (ok === true) p.ok(value);
      else p.err(String(value));
    },
  };
}
