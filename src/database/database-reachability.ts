import { Client } from 'pg';
import { StartupError } from '../common/startup-error';

/** Errors that may pass while a server starts up (docker compose, a reboot): retried for a few seconds. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', '57P03']);
const WAIT_MS = 5_000;

/** `host:port/database` of a postgres URL: what a message may show (never the user's password). */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'the configured server';
  }
}

/**
 * Connects once to DATABASE_URL before anything else does, so that a database that cannot
 * be used is one line naming DATABASE_URL and the cause, not a stack trace after retries.
 */
export async function checkDatabaseReachable(url: string, waitMs = WAIT_MS): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      const code = (err as { code?: string }).code ?? '';
      if (TRANSIENT.has(code) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      throw new StartupError(databaseFailure(err, url));
    }
  }
}

/** One line: the cause in words, and DATABASE_URL as the setting to check. */
export function databaseFailure(err: unknown, url: string): string {
  const where = describeDatabaseUrl(url);
  const e = err as { code?: string; message?: string };
  const user = (() => {
    try {
      return decodeURIComponent(new URL(url).username) || 'the default user';
    } catch {
      return 'the user';
    }
  })();
  const database = where.slice(where.indexOf('/') + 1) || 'the default database';
  switch (e.code) {
    case 'ECONNREFUSED':
      return `DATABASE_URL: nothing accepts connections at ${where.split('/')[0]} (connection refused); start PostgreSQL there or correct DATABASE_URL (unset it to use the embedded PostgreSQL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DATABASE_URL: the host of ${where} cannot be resolved (${e.code}); correct DATABASE_URL`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `DATABASE_URL: ${where.split('/')[0]} cannot be reached (${e.code}); check the host, port and firewall in DATABASE_URL`;
    case '28P01':
    case '28000':
      return `DATABASE_URL: PostgreSQL at ${where.split('/')[0]} refused user ${user} (wrong password, or no access to database ${database}); correct DATABASE_URL`;
    case '3D000':
      return `DATABASE_URL: database ${database} does not exist on ${where.split('/')[0]}; create it (createdb ${database}) or correct DATABASE_URL`;
    case '53300':
      return `DATABASE_URL: PostgreSQL at ${where.split('/')[0]} has no free connections (too many clients); try again or raise its max_connections`;
    case '57P03':
      return `DATABASE_URL: PostgreSQL at ${where.split('/')[0]} is still starting up; try again in a moment`;
  }
  if (/timeout/i.test(e.message ?? ''))
    return `DATABASE_URL: ${where.split('/')[0]} did not answer in time; check the host and port in DATABASE_URL`;
  if (/ssl/i.test(e.message ?? ''))
    return `DATABASE_URL: the TLS settings do not match the server at ${where.split('/')[0]} (${oneLine(e.message)}); adjust sslmode in DATABASE_URL`;
  return `DATABASE_URL: cannot use the database at ${where}: ${oneLine(e.message ?? String(err))}`;
}

const oneLine = (s: string | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();
