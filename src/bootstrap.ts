import 'reflect-metadata';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import { Logger, PayloadTooLargeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ActivityService } from './activity/activity.service';
import { ActivityIoAdapter } from './activity/stream/activity-io.adapter';
import { AppModule } from './app.module';
import { AuthService } from './auth/auth.service';
import { jsonElementsOver, maxJsonElements, registerBodyLimit } from './common/body-limit';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation';
import { requestId } from './common/request-id';
import { AppConfig } from './config/app-config';
import { ConfigurationError } from './config/env.schema';
import { loadEnvironment } from './config/environment';
import { buildOpenApiDocument } from './openapi';
import { fastifyTrustProxy, parseTrustProxy } from './config/trust-proxy';

export { BODY_LIMIT_BYTES } from './common/limits';
import { BODY_LIMIT_BYTES } from './common/limits';

/** Methods a cross-origin browser may use (CORS_ORIGINS): those of the Admin API and /mcp. */
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Response headers a cross-origin browser may read. */
const CORS_EXPOSED_HEADERS = [
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Retry-After',
  'X-Request-Id',
  'WWW-Authenticate',
];

/** Builds the app exactly as production runs it; `main.ts` and the tests both call this. */
export async function createApp(): Promise<NestFastifyApplication> {
  // Fastify takes trustProxy at construction, before the config module has loaded: read it
  // from the same environment (.env included) with the same rule.
  const trustProxy = parseTrustProxy(loadEnvironment().TRUST_PROXY);
  if (trustProxy.problem) throw new ConfigurationError(`Invalid configuration: TRUST_PROXY ${trustProxy.problem}`);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestId,
    trustProxy: fastifyTrustProxy(trustProxy.value),
  });
  adapter.getInstance().addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  // JSON bodies only (docs/architecture.md#api-conventions): Fastify's own JSON parser (bodyLimit, prototype-poisoning
  // checks) and no form or text parser, so any other content type is a 415 and a browser
  // cannot send a preflight-free cross-origin form post.
  const fastify = adapter.getInstance();
  // Oversized bodies are read (bounded) before the 413, so that clients still sending receive it.
  registerBodyLimit(fastify);
  fastify.removeContentTypeParser('text/plain');
  // An action route without a body (start, stop, revoke, logout...) must not fail because the
  // client sent `content-type: application/json` with nothing after it.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') return done(null, undefined);
    const maxElements = maxJsonElements(request.routeOptions.bodyLimit ?? BODY_LIMIT_BYTES);
    if (jsonElementsOver(text, maxElements))
      return done(new PayloadTooLargeException(`Request body holds more than ${maxElements} JSON values and keys`));
    parseJson(request, text, done);
  });
  // Nest's own log of a failed start (a stack trace, or "undefined") stays in its buffer:
  // main.ts prints the one line that says what to change.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    bufferLogs: true,
    autoFlushLogs: false,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  const config = app.get(AppConfig);
  for (const warning of config.warnings) app.get(PinoLogger).warn(warning, 'Config');

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // Self-hosted instances are often reached over plain http on a LAN: upgrading the
        // Swagger UI's own assets to https would break it there.
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(cors, {
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    credentials: false,
    // Every method the Admin API and /mcp take (a 2025 MCP session ends with DELETE), and the
    // response headers a browser client must read: the session id it sends back, when to
    // retry, and the id to quote in a bug report.
    methods: CORS_METHODS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });
  // The activity stream's socket.io, on this same HTTP server, under the same CORS rule.
  app.useWebSocketAdapter(new ActivityIoAdapter(app, config.corsOrigins));

  app.useGlobalPipes(createValidationPipe());
  const activity = app.get(ActivityService);
  app.useGlobalFilters(
    new HttpExceptionFilter((e) =>
      activity.enqueue({
        logType: 'error',
        level: 'error',
        message: `Internal error answering ${e.method} ${e.route ?? '(no route)'}: ${e.errorType}`,
        details: { method: e.method, route: e.route, error_type: e.errorType },
      }),
    ),
  );
  app.enableShutdownHooks();

  const document = buildOpenApiDocument(app, config.version);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}

/**
 * Listens on HOST:PORT and says, in one line, where the API, the Swagger UI and the MCP
 * gateway are; while no admin exists, a second line shows how to create one.
 */
export async function listen(app: NestFastifyApplication): Promise<void> {
  const config = app.get(AppConfig);
  // Fastify's own listen, not app.listen(): Nest logs a listen error before rethrowing it,
  // and main.ts turns it into the one line that names PORT or HOST.
  await app.init();
  await app.getHttpAdapter().getInstance().listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${displayHost(config.host)}:${port}`;
  const log = new Logger('MCPBox');
  const everywhere = ['0.0.0.0', '::', ''].includes(config.host) ? ` (listening on every interface, port ${port})` : '';
  log.log(`MCPBox ${config.version} is ready: API ${base}/api, Swagger UI ${base}/docs, MCP ${base}/mcp${everywhere}`);
  if ((await app.get(AuthService).status()).setup_required)
    log.log(
      `No admin account yet. Create one: curl -s ${base}/auth/setup -H 'content-type: application/json' -d '{"username":"admin","password":"a long passphrase"}'`,
    );
}

/** The host part of a URL a person on this machine can open. */
function displayHost(host: string): string {
  if (['0.0.0.0', '::', ''].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
