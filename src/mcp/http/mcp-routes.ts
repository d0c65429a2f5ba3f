import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jsonElementsOver, maxJsonElements, type BodyLimitRouteConfig } from '../../common/body-limit';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../common/json-input';
import { BODY_LIMIT_BYTES } from '../../common/limits';
import { BodyProblem, McpGateway } from '../mcp-gateway.service';
import { ALL, type McpScope } from '../mcp-scope';
import { JSON_RPC, writeJsonRpcError } from './json-rpc-reply';

export const MCP_PATHS = ['/mcp', '/mcp/:server'] as const;

/**
 * Mounts `/mcp` and `/mcp/{server}` on the app's Fastify instance, in a plugin of their
 * own: the JSON-RPC body is parsed here (a malformed body is the spec's parse error, not
 * the Admin API's 400), every error the HTTP layer meets is a JSON-RPC error, and the
 * request is then handed over raw to the gateway (`reply.hijack()`), headers already set
 * by the app's hooks (CORS, request id) included. helmet's document headers are left off.
 */
export function mcpRoutes(gateway: McpGateway) {
  return async (app: FastifyInstance): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
      (_req, raw, done) => {
        const text = typeof raw === 'string' ? raw : raw.toString('utf8');
        if (text.trim() === '') return done(null, new BodyProblem('parse', 'the request body is empty'));
        // Parsing and walking cost per element: a body of half a million tiny values is refused unread.
        if (jsonElementsOver(text, maxJsonElements(BODY_LIMIT_BYTES))) return done(null, new BodyProblem('too-large'));
        if (jsonDeeperThan(text, MAX_JSON_DEPTH)) return done(null, new BodyProblem('too-deep'));
        try {
          done(null, JSON.parse(text));
        } catch (err) {
          done(null, new BodyProblem('parse', (err as Error).message));
        }
      },
    );
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_req, _raw, done) =>
      done(null, new BodyProblem('media-type')),
    );
    app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, request, reply) => {
      reply.hijack();
      copyHeaders(reply);
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return writeJsonRpcError(
          reply.raw,
          413,
          JSON_RPC.serverError,
          `Request body too large: the limit is ${BODY_LIMIT_BYTES} bytes (1 MiB)`,
        );
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      const message = status === 500 ? 'Internal error' : `Bad request: ${err.message}`;
      return writeJsonRpcError(
        reply.raw,
        status,
        status === 500 ? JSON_RPC.internalError : JSON_RPC.invalidRequest,
        message,
      );
    });
    const handler = async (request: FastifyRequest<{ Params: { server?: string } }>, reply: FastifyReply) => {
      const scope: McpScope = request.params.server ? { kind: 'server', serverName: request.params.server } : ALL;
      reply.hijack();
      copyHeaders(reply);
      try {
        await gateway.handle({ req: request.raw, res: reply.raw, body: request.body, scope, address: request.ip });
      } catch (err) {
        request.log.error({ err: err instanceof Error ? err.message : String(err) }, 'MCP request failed');
        writeJsonRpcError(reply.raw, 500, JSON_RPC.internalError, 'Internal error');
      }
    };
    // The app's body-limit hook drains an oversized body and answers it with a JSON-RPC 413 here.
    const config: BodyLimitRouteConfig = { oversizedBody: 'json-rpc' };
    // helmet's document headers (CSP, frame and referrer policies...) say nothing to a JSON-RPC client and cost
    // every call their parsing: /mcp answers carry `nosniff` alone (copyHeaders).
    for (const url of MCP_PATHS) app.route({ method: ['GET', 'POST', 'DELETE'], url, handler, config, helmet: false });
  };
}

/** Headers the app's hooks set on the Fastify reply (CORS, x-request-id) go onto the raw response, with `nosniff`. */
function copyHeaders(reply: FastifyReply): void {
  if (reply.raw.headersSent) return;
  reply.raw.setHeader('x-content-type-options', 'nosniff');
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value as string | string[]);
  }
}
