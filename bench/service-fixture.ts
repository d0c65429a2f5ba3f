/**
 * The real app, booted in the bench process as the tests boot it (no HTTP listener): a
 * database copied from a migrated template (DATABASE_URL's server, else an embedded
 * PostgreSQL), a server with one approved tool and one secret (so redaction has a needle
 * to look for), started in the sandbox. Everything it made is removed by `close()`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Actor } from '../src/common/actor';
import { validateInput } from '../src/common/contract/validate-input';
import { CreateSecretDto, SetSecretValueDto } from '../src/secrets/dto/secret.dto';
import { CreateServerDto } from '../src/servers/dto/server.dto';
import { CreateToolDto } from '../src/tools/dto/tool.dto';
import { ExecutionLogsService } from '../src/sandbox/execution-logs.service';
import { SandboxRuntime } from '../src/sandbox/runtime/sandbox-runtime';
import { SandboxService } from '../src/sandbox/sandbox.service';
import { SecretsService } from '../src/secrets/secrets.service';
import { ServersService } from '../src/servers/servers.service';
import { ToolsService } from '../src/tools/tools.service';
import { createFileDatabase, prepareTestDatabase } from '../test/support/test-database';

export interface ServiceFixture {
  app: INestApplicationContext;
  service: SandboxService;
  /** The app's own runtime: the same worker processes the service calls go to. */
  runtime: SandboxRuntime;
  serverId: string;
  toolId: string;
  toolName: string;
  secrets: Record<string, string>;
  /** The app's HTTP address when started with `listen` (the MCP gateway is at `${url}/mcp`). */
  url?: string;
  /** Where the database runs, for the header line. */
  database: string;
  /** PIDs of this database's backends (for their CPU time when they run on this machine). */
  dbBackends(): Promise<number[]>;
  /** Waits for every enqueued execution row and counts the rows written. */
  loggedRows(): Promise<number>;
  close(): Promise<void>;
}

const BENCH: Actor = { kind: 'admin', name: 'bench' };

export async function startServiceFixture(opts: {
  toolName: string;
  code: string;
  workers: number;
  maxConcurrency: number;
  /** Listen on an ephemeral 127.0.0.1 port (for benchmarks through HTTP). */
  listen?: boolean;
}): Promise<ServiceFixture> {
  const external = Boolean(process.env.DATABASE_URL);
  const prepared = await prepareTestDatabase();
  Object.assign(process.env, prepared.env);
  const database = await createFileDatabase().catch(async (err: unknown) => {
    await prepared.cleanup();
    throw err;
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpbox-bench-'));
  for (const key of [
    'JWT_SECRET_KEY',
    'MCPBOX_MODE',
    'MCPBOX_SERVICE_TOKEN',
    'MCPBOX_TEST_ALLOW_LOOPBACK',
    'CORS_ORIGINS',
  ])
    delete process.env[key];
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    MCPBOX_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    SANDBOX_WORKERS: String(opts.workers),
    SANDBOX_MAX_CONCURRENCY: String(opts.maxConcurrency),
  });
  const cleanup = async () => {
    await database.drop().catch(() => undefined);
    await prepared.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  };

  let app: INestApplicationContext | undefined;
  try {
    // Loaded after the environment is set: configuration is validated while it loads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createApp } = require('../src/bootstrap') as typeof import('../src/bootstrap');
    const nest = await createApp();
    app = nest;
    let url: string | undefined;
    if (opts.listen) {
      await nest.listen(0, '127.0.0.1');
      const address = nest.getHttpServer().address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    } else await nest.init();
    const server = await app
      .get(ServersService)
      .create(BENCH, validateInput(CreateServerDto, { name: 'bench', description: 'npm run bench' }));
    const tool = await app
      .get(ToolsService)
      .create(
        BENCH,
        server.id,
        validateInput(CreateToolDto, { name: opts.toolName, description: 'A trivial tool', code: opts.code }),
        { approvalStatus: 'approved' },
      );
    const secrets = { API_KEY: `bench-${randomBytes(12).toString('hex')}` };
    const secretsService = app.get(SecretsService);
    for (const [key, value] of Object.entries(secrets)) {
      await secretsService.create(BENCH, server.id, validateInput(CreateSecretDto, { key_name: key }));
      await secretsService.setValue(BENCH, server.id, key, validateInput(SetSecretValueDto, { value }));
    }
    const service = app.get(SandboxService);
    const status = await service.start(BENCH, server.id);
    if (!status.tools.includes(opts.toolName))
      throw new Error(`bench: the tool did not load (${JSON.stringify(status)})`);

    const db = app.get(DataSource);
    const logs = app.get(ExecutionLogsService);
    const started = app;
    const version = (await db.query<{ server_version: string }[]>('SHOW server_version'))[0]?.server_version ?? '?';
    return {
      app,
      service,
      runtime: app.get(SandboxRuntime),
      url,
      serverId: server.id,
      toolId: tool.id,
      toolName: tool.name,
      secrets,
      database: `${external ? 'PostgreSQL' : 'embedded PostgreSQL'} ${version.split(' ')[0]}${external ? ' at DATABASE_URL' : ''}`,
      dbBackends: async () =>
        (await db.query<{ pid: number }[]>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).map(
          (r) => r.pid,
        ),
      loggedRows: async () => {
        await logs.drain();
        const rows = await db.query<{ n: string }[]>(
          'SELECT count(*) AS n FROM tool_execution_logs WHERE server_id = $1 AND NOT is_test',
          [server.id],
        );
        return Number(rows[0]?.n ?? 0);
      },
      close: async () => {
        await started.close();
        await cleanup();
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await cleanup();
    throw err;
  }
}
