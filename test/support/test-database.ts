import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * Test databases: the runner migrates one template database per run; each test file then
 * gets `CREATE DATABASE … TEMPLATE …` (fast, isolated) and drops it when done.
 */
export async function prepareTestDatabase(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const port = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 5499);
    const pg = await startEmbeddedPostgres({
      dataDir: join(process.cwd(), 'data', 'test'),
      port,
      database: 'postgres',
    });
    adminUrl = pg.url;
    stopEmbedded = pg.stop;
    console.log(`[test] DATABASE_URL is not set: using an embedded PostgreSQL on 127.0.0.1:${port}`);
  }
  const template = `mcpbox_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${template}"`);
  const ds = new DataSource(dataSourceOptions(withDatabase(adminUrl, template)));
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  return {
    env: { MCPBOX_TEST_ADMIN_URL: adminUrl, MCPBOX_TEST_TEMPLATE: template },
    cleanup: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${template}"`).catch(() => undefined);
      await stopEmbedded?.();
    },
  };
}

/** A fresh database for one test file, copied from the migrated template. */
export async function createFileDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.MCPBOX_TEST_ADMIN_URL;
  const template = process.env.MCPBOX_TEST_TEMPLATE;
  if (!adminUrl || !template) throw new Error('Run the tests with `npm test` (it prepares the template database)');
  const name = `mcpbox_t_${randomBytes(6).toString('hex')}`;
  // CREATE DATABASE … TEMPLATE fails while another session is connected to the template;
  // the runner never keeps one open, so a retry covers only concurrent copies.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      break;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  return {
    url: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
