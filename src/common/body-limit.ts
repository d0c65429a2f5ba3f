import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { PayloadTooLargeException } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BODY_LIMIT_BYTES } from './limits';

/**
 * A body over the limit gets a 413 that ordinary clients receive. Answering at once and
 * closing the connection (what Fastify does) hits a client that is still sending with
 * EPIPE/ECONNRESET instead of the answer; so the rest of the body is read and dropped
 * first, up to a bound (`drainBound`) and for at most 10 s; beyond that the connection is
 * closed. One Fastify hook does it for every route, including routes added later.
 *
 * Routes that read the raw request themselves (`reply.hijack()`, the MCP gateway) use
 * `readBodyWithin` or `discardOversizedBody`, and answer `jsonRpcBodyTooLarge(limit)`;
 * a route with `config: { oversizedBody: 'json-rpc' }` gets that body from the hook.
 */

const MiB = 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;

/** Read and dropped at most: 8× the limit, no more than 64 MiB (and never less than the limit). */
export const drainBound = (limit: number): number => Math.max(limit, Math.min(8 * limit, 64 * MiB));

export interface BodyLimitRouteConfig {
  /** How the hook answers an oversized body on this route: the API's error shape (default) or JSON-RPC. */
  oversizedBody?: 'json-rpc';
}

function sizeText(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export const bodyTooLargeMessage = (limit: number): string =>
  `Request body is too large: the limit is ${sizeText(limit)}`;

/** The JSON-RPC error body of a 413 (the request could not be read, so its id is unknown). */
export function jsonRpcBodyTooLarge(limit: number = BODY_LIMIT_BYTES): {
  jsonrpc: '2.0';
  id: null;
  error: { code: number; message: string };
} {
  return { jsonrpc: '2.0', id: null, error: { code: -32600, message: bodyTooLargeMessage(limit) } };
}

/** Reads and drops the rest of `stream`: true when it ended within `bound` bytes and the time bound. */
export function drainBody(stream: Readable, bound: number, timeoutMs = DRAIN_TIMEOUT_MS): Promise<boolean> {
  if (stream.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (complete: boolean) => {
      clearTimeout(timer);
      stream.off('data', onData).off('end', onEnd).off('error', onFail).off('close', onFail);
      if (!complete) stream.pause();
      resolve(complete);
    };
    const onData = (chunk: Buffer | string) => {
      seen += chunk.length;
      if (seen > bound) finish(false);
    };
    const onEnd = () => finish(true);
    const onFail = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    stream.on('data', onData).on('end', onEnd).on('error', onFail).on('close', onFail);
    stream.resume();
  });
}

/**
 * Reads a whole body if it is within `limit` bytes. Over it, the rest is drained (bounded)
 * and the answer says so: `drained: false` means the connection should be closed.
 */
export function readBodyWithin(
  stream: Readable,
  limit: number = BODY_LIMIT_BYTES,
): Promise<{ body: Buffer } | { tooLarge: true; drained: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => stream.off('data', onData).off('end', onEnd).off('error', onFail).off('close', onFail);
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size <= limit) return void chunks.push(buf);
      done();
      void drainBody(stream, drainBound(limit) - size).then((drained) => resolve({ tooLarge: true, drained }));
    };
    const onEnd = () => {
      done();
      resolve({ body: Buffer.concat(chunks, size) });
    };
    const onFail = () => {
      done();
      resolve({ tooLarge: true, drained: false });
    };
    stream.on('data', onData).on('end', onEnd).on('error', onFail).on('close', onFail);
    stream.resume();
  });
}

/**
 * For a route that reads the raw request itself: when the declared length is over `limit`,
 * drains the body (bounded) and says so; the caller then answers 413 (with
 * `Connection: close` when `drained` is false). A body without a declared length is left
 * alone: read it with `readBodyWithin`.
 */
export async function discardOversizedBody(
  req: IncomingMessage,
  limit: number = BODY_LIMIT_BYTES,
): Promise<{ tooLarge: false } | { tooLarge: true; drained: boolean }> {
  const declared = Number(req.headers['content-length']);
  if (!(declared > limit) || req.headers['transfer-encoding'] !== undefined) return { tooLarge: false };
  return { tooLarge: true, drained: declared <= drainBound(limit) && (await drainBody(req, drainBound(limit))) };
}

/** The hook: a declared length over the route's limit, or a chunked body growing past it, gets its 413 after the drain. */
export function registerBodyLimit(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply, payload: Readable) => {
    const limit = request.routeOptions.bodyLimit ?? BODY_LIMIT_BYTES;
    const chunked = request.headers['transfer-encoding'] !== undefined;
    const declared = Number(request.headers['content-length']);
    if (!chunked && !(declared > limit)) return payload;
    let drained: boolean;
    if (chunked) {
      const read = await readBodyWithin(payload, limit);
      if ('body' in read) return Readable.from([read.body]);
      drained = read.drained;
    } else {
      drained = declared <= drainBound(limit) && (await drainBody(payload, drainBound(limit)));
    }
    // Not all read: the client may still be sending, and this connection cannot carry another request.
    if (!drained) void reply.header('connection', 'close');
    if ((request.routeOptions.config as BodyLimitRouteConfig | undefined)?.oversizedBody === 'json-rpc') {
      await reply.code(413).send(jsonRpcBodyTooLarge(limit));
      return reply;
    }
    throw new PayloadTooLargeException(bodyTooLargeMessage(limit));
  });
}

/**
 * Most JSON elements (roughly: values and keys) a body may hold: 100 000, or one per 64
 * bytes of the route's limit when that is more (the 32 MiB import: 524 288). Parsing,
 * validating, mapping and storing a body cost per element, not per byte: 1 MiB of
 * `[0,0,…]` (500 000 elements) holds the event loop for half a second, 32 MiB for seconds.
 */
export const maxJsonElements = (limit: number): number => Math.max(100_000, Math.floor(limit / 64));

/** Counts `{ [ , :` outside strings in one pass (strings skipped with indexOf), stopping past `cap`. */
export function jsonElementsOver(text: string, cap: number): boolean {
  if (text.length <= cap) return false; // each element takes at least one character
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // To the closing quote: one not preceded by an odd number of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return false;
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x2c || c === 0x3a || c === 0x5b || c === 0x7b) {
      if (++count > cap) return true;
    }
  }
  return false;
}
