/**
 * Built-ins the bootstrap uses, captured when the bootstrap is evaluated — in each fresh
 * context, before any tool code runs — so that tool code replacing them (JSON.stringify,
 * Object.freeze, ...) cannot steer the bootstrap.
 */
export const stringify = JSON.stringify;
export const parse = JSON.parse;
export const freeze = Object.freeze;
export const defineProperty = Object.defineProperty;
export const objectKeys = Object.keys;
export const isArray = Array.isArray;
export const fromCharCode = String.fromCharCode;
export const U8 = Uint8Array;

/** The context's global object, as the bootstrap writes to it. */
export const G = globalThis as unknown as Record<string, unknown>;

/**
 * Defines a global that is built on first use: most calls never touch the heavier ones
 * (URL, fetch, TextEncoder...), and every call pays for what it builds.
 */
export function lazy(name: string, make: () => unknown): void {
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

/** A factory that runs once, on first use, and then answers the same value. */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
