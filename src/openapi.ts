import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { MCP_OPENAPI_PATHS, MCP_OPENAPI_SCHEMAS, MCP_OPENAPI_TAG } from './mcp/http/mcp-openapi';
import { METRICS_SECURITY } from './metrics/metrics.controller';

/** The committed document (`npm run openapi` writes it; a test fails while it is stale). */
export const OPENAPI_FILE = resolve(__dirname, '..', '..', 'docs', 'openapi.json');

/** Every tag an operation carries, with what it groups; in the order the Swagger UI shows them. */
const TAGS: { name: string; description: string }[] = [
  { name: 'auth', description: 'Admin accounts: first setup, login, token refresh and revocation, password change' },
  { name: 'servers', description: 'MCP servers: create, read, update, delete; the hosts an admin allows for a server' },
  {
    name: 'tools',
    description: 'Tools of a server: code, input schema, versions and rollback, code analysis, test runs',
  },
  {
    name: 'approvals',
    description: 'Review queues: approve, reject or revoke tools; counts per queue and status',
  },
  { name: 'secrets', description: "A server's secrets: key names and placeholders; values are write-only, encrypted" },
  { name: 'sandbox', description: "Start, stop and watch a server's sandbox; execution logs of servers and tools" },
  {
    name: 'settings',
    description: 'Settings and the security policy, changed live; the allowed npm modules and their installs',
  },
  {
    name: 'external-sources',
    description: 'Other MCP servers attached to a server: discover and import their tools, OAuth authorization',
  },
  { name: 'export', description: 'Signed export of servers and the transactional import of such a document' },
  { name: 'activity', description: 'The activity log, its counts and the latest entries (live: socket.io stream)' },
  { name: 'dashboard', description: 'One read with the figures of the dashboard' },
  { name: 'system', description: 'Version, mode, MCP URL, limits and the policy in force' },
  { name: 'health', description: 'Liveness and the state of the services the app depends on (no token needed)' },
  { name: 'metrics', description: 'Prometheus metrics (loopback, or METRICS_TOKEN)' },
];

/**
 * The Admin API's OpenAPI document, from the controllers' decorators plus the MCP gateway's
 * hand-written routes. The app serves it at /docs (bootstrap.ts); `npm run openapi` writes it
 * to docs/openapi.json without a database (`generateOpenApiDocument`).
 */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('MCPBox Admin API')
    .setDescription(
      'Manage servers, tools, secrets, approvals, settings and the sandbox of MCPBox. ' +
        'Every error answer has the body `ErrorResponseDto` (`{statusCode, error, message, details?}`); ' +
        'the MCP gateway (`/mcp`) answers JSON-RPC errors instead.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'METRICS_TOKEN (only /metrics, for callers other than loopback)',
      },
      METRICS_SECURITY,
    );
  for (const tag of [...TAGS, MCP_OPENAPI_TAG]) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build());
  // The MCP gateway's routes are Fastify routes of their own (not controllers): listed by hand.
  Object.assign(document.paths, MCP_OPENAPI_PATHS);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...MCP_OPENAPI_SCHEMAS },
  };
  return document;
}

/**
 * The document without a database or any provider: Nest's preview mode resolves the module
 * graph and the controllers' metadata but instantiates and starts nothing.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app, packageVersion());
  } finally {
    await app.close();
  }
}

/** The file's exact text: two-space JSON and a final newline. */
export const serializeOpenApi = (document: OpenAPIObject): string => `${JSON.stringify(document, null, 2)}\n`;

function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(resolve(__dirname, '..', '..', 'package.json')) as { version: string }).version;
}

// `npm run openapi` (scripts/openapi.mjs) runs this file once built.
if (require.main === module) {
  void generateOpenApiDocument().then(
    (document) => {
      writeFileSync(OPENAPI_FILE, serializeOpenApi(document));
      process.stdout.write(`[openapi] wrote ${OPENAPI_FILE}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`[openapi] ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
