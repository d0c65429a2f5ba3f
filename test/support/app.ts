import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createFileDatabase } from './test-database';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as is (no JSON encoding), e.g. malformed JSON. */
  raw?: string | Buffer;
}

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  /** This app's database, for a later `startApp(env, { databaseUrl })` (restart tests). */
  databaseUrl: string;
  /** Every route Fastify registered, as `METHOD /path` with `{param}` placeholders. */
  routes: string[];
  /** A direct connection to this file's database, for asserting rows. */
  db: Client;
  request<T = any>(method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse<T>>;
  get<T = any>(path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse<T>>;
  patch<T = any>(path: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse<T>>;
  put<T = any>(path: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse<T>>;
  delete<T = any>(path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export const ADMIN = { username: 'admin', password: 'correct horse battery' };

/**
 * Boots the app exactly as production does (same module, pipes, filter, adapter) on a
 * fresh database and an ephemeral 127.0.0.1 port. `env` overrides the environment for
 * this app; the defaults keep logs quiet and give each app its own data folder and key.
 */
export interface StartOptions {
  /** Boot on this existing database (left by an app closed with `keepDatabase`) instead of a fresh copy. */
  databaseUrl?: string;
  /** `close()` leaves the database in place, so a second app can start on it. */
  keepDatabase?: boolean;
}

export async function startApp(
  env: Record<string, string | undefined> = {},
  opts: StartOptions = {},
): Promise<TestApp> {
  const database = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: () => dropDatabase(opts.databaseUrl as string) }
    : await createFileDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpbox-test-'));
  const defaults: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    MCPBOX_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: process.env.MCPBOX_TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_LOGIN_PER_MINUTE: '1000',
    SANDBOX_WORKERS: '1',
  };
  for (const key of [
    'JWT_SECRET_KEY',
    'MCPBOX_MODE',
    'MCPBOX_SERVICE_TOKEN',
    'MCPBOX_TEST_ALLOW_LOOPBACK',
    'CORS_ORIGINS',
    'METRICS_TOKEN',
  ])
    delete process.env[key];
  Object.assign(process.env, defaults);
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  // Loaded after the environment is set: configuration is validated while it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createApp } = require('../../src/bootstrap') as typeof import('../../src/bootstrap');
  const app = await createApp();
  const routes: string[] = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (r: { method: string | string[]; url: string }) => {
      for (const m of [r.method].flat())
        if (m !== 'HEAD') routes.push(`${m} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const db = new Client({ connectionString: database.url });
  await db.connect();

  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | Buffer | undefined;
    if (opts.raw !== undefined) {
      payload = opts.raw;
      headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };

  return {
    app,
    url,
    databaseUrl: database.url,
    routes,
    db,
    request,
    get: (p, o) => request('GET', p, undefined, o),
    post: (p, b, o) => request('POST', p, b, o),
    patch: (p, b, o) => request('PATCH', p, b, o),
    put: (p, b, o) => request('PUT', p, b, o),
    delete: (p, o) => request('DELETE', p, undefined, o),
    close: async () => {
      await db.end().catch(() => undefined);
      await app.close();
      if (!opts.keepDatabase) await database.drop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function dropDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: process.env.MCPBOX_TEST_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1).replace(/"/g, '')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Runs setup once for this app and logs in; returns the access token. */
export async function setupAdmin(t: TestApp, user = ADMIN): Promise<string> {
  const setup = await t.post('/auth/setup', user);
  if (setup.status !== 201 && setup.status !== 409) throw new Error(`setup failed: ${setup.status} ${setup.text}`);
  const login = await t.post('/auth/login', { username: user.username, password: user.password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return login.body.access_token as string;
}
