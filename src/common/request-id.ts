import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The request id: the caller's `X-Request-Id` when it is sane, else a new UUID. Fastify
 * calls this once per request; the id is kept on the raw request so that the pino logger
 * and the response header (see bootstrap) use the same one.
 */
export function requestId(req: IncomingMessage): string {
  const holder = req as IncomingMessage & { mcpboxRequestId?: string };
  if (holder.mcpboxRequestId) return holder.mcpboxRequestId;
  const given = req.headers['x-request-id'];
  holder.mcpboxRequestId = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  return holder.mcpboxRequestId;
}
