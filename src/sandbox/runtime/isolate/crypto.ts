import type { BridgeBytes } from './bridge';
import { freeze, U8 } from './builtins';
import type { Ops } from './ops';
import { toBytes } from './text';

/** Text as it is (the host reads it as UTF-8), bytes as a copy of their own ArrayBuffer. */
function bridgeBytes(d: unknown): BridgeBytes {
  if (typeof d === 'string') return d;
  return toBytes(d).slice().buffer as ArrayBuffer;
}

/** The `crypto` global: randomUUID and getRandomValues of the web, and hex digest/HMAC helpers. */
export function makeCrypto(ops: Ops) {
  const host = ops.host;
  return freeze({
    randomUUID: () => {
      const r = host('uuid');
      if (!r[0]) throw new Error(r[1]);
      return r[1];
    },
    getRandomValues: <T extends ArrayBufferView>(arr: T): T => {
      if (
        !ArrayBuffer.isView(arr) ||
        arr instanceof Float32Array ||
        arr instanceof Float64Array ||
        arr instanceof DataView
      )
        throw new TypeError('getRandomValues needs an integer typed array');
      if (arr.byteLength > 65536) throw new Error('QuotaExceededError: at most 65536 bytes');
      const r = host('random', arr.byteLength);
      if (!r[0]) throw new Error(r[1]);
      new U8(arr.buffer, arr.byteOffset, arr.byteLength).set(new U8(r[1]));
      return arr;
    },
    /** Hex digest: crypto.digest('sha256', data). */
    digest: (alg: unknown, data: unknown) => {
      const r = host('digest', String(alg), bridgeBytes(data));
      if (!r[0]) throw new Error(r[1]);
      return r[1];
    },
    /** Hex HMAC: crypto.hmac('sha256', key, data). */
    hmac: (alg: unknown, key: unknown, data: unknown) => {
      const r = host('hmac', String(alg), bridgeBytes(key), bridgeBytes(data));
      if (!r[0]) throw new Error(r[1]);
      return r[1];
    },
  });
}
