import { ConfigurationError } from '../config/env.schema';

/**
 * A start-up failure whose message is the one line to print: the cause and the setting to
 * change. main.ts prints it alone (no stack) and exits with status 1.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** What the failure line may refer to: the settings as start-up read them. */
export interface StartupSettings {
  host: string;
  port: number;
  dataDir: string;
}

const FILE_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left',
  ENOTDIR: 'a file is in the way of a folder',
  EDQUOT: 'disk quota exceeded',
};

/**
 * Every way start-up can fail, as one line naming the cause and the setting to change.
 * Errors raised with that line already (StartupError, configuration errors) keep it.
 */
export function describeStartupFailure(err: unknown, settings: StartupSettings): string {
  const e = (err ?? {}) as NodeJS.ErrnoException & {
    hostname?: string;
    query?: unknown;
    driverError?: { code?: string };
  };
  if (err instanceof StartupError || err instanceof ConfigurationError) return oneLine(e.message);
  if (e.syscall === 'listen' || e.syscall === 'bind') {
    const at = `${settings.host}:${settings.port}`;
    if (e.code === 'EADDRINUSE')
      return `PORT ${settings.port} is already in use on HOST ${settings.host} (another MCPBox?); stop that program or set PORT (or HOST) to a free one`;
    if (e.code === 'EACCES')
      return `PORT ${settings.port} on HOST ${settings.host} needs privileges this user lacks (ports below 1024 do); set PORT to 1024 or above`;
    if (e.code === 'EADDRNOTAVAIL')
      return `HOST ${settings.host} is not an address of this machine; set HOST (0.0.0.0: every interface, 127.0.0.1: this machine only)`;
    return `Cannot listen on ${at} (${e.code ?? e.message}); set PORT or HOST`;
  }
  if (e.code === 'ENOTFOUND' && e.hostname === settings.host)
    return `HOST ${settings.host} cannot be resolved; set HOST to an address of this machine (0.0.0.0, 127.0.0.1, ...)`;
  if (typeof e.path === 'string' && e.code && FILE_PROBLEMS[e.code] && isInside(e.path, settings.dataDir))
    return `DATA_DIR ${settings.dataDir} is not usable: ${FILE_PROBLEMS[e.code]} on ${e.path}; set DATA_DIR to a folder this user can write, or fix its owner and mode`;
  if (e.query !== undefined || e.driverError)
    return `DATABASE_URL: preparing the database (migrations) failed: ${oneLine(e.message)}${
      (e.driverError?.code ?? e.code) === '42501'
        ? '; the user in DATABASE_URL needs the right to create tables in its database (GRANT CREATE ON SCHEMA public)'
        : ''
    }`;
  return `Start-up failed: ${oneLine(e.message || String(err))} (run with LOG_LEVEL=debug for the details)`;
}

const isInside = (path: string, dir: string): boolean =>
  path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

const oneLine = (s: string | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();
