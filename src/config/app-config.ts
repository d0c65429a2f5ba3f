import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_MODULE_MAX_BUNDLE_BYTES } from '../common/limits';
import { resolveEncryptionKey } from '../crypto/encryption-key';
import { deriveKey } from '../crypto/key-derivation';
import { validateEnvironment } from './env.schema';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

/** The typed, validated configuration every module reads (`AppConfig` is injectable). */
export class AppConfig {
  readonly env!: 'development' | 'production' | 'test';
  readonly port!: number;
  readonly host!: string;
  readonly logLevel!: string;
  /** auto: readable lines when stdout is a terminal, JSON otherwise. */
  readonly logFormat!: 'auto' | 'json' | 'pretty';
  readonly corsOrigins!: string[];
  readonly dataDir!: string;
  readonly databaseUrl!: string | undefined;
  readonly embeddedPostgresPort!: number;
  /** As root: where the embedded PostgreSQL's binaries and data go when user postgres cannot reach ours. */
  readonly embeddedPostgresFallbackDir!: string;
  readonly encryptionKey!: Buffer;
  readonly jwtSecret!: Buffer;
  readonly accessTokenMinutes!: number;
  readonly refreshTokenDays!: number;
  readonly mode!: 'local' | 'remote';
  readonly serviceToken!: string | undefined;
  readonly publicUrl!: string;
  /** The MCP gateway (/mcp): DNS-rebinding rules and 2025-era session limits. */
  readonly mcp!: {
    /** Host names accepted in the Host header besides loopback names and IP literals (lower case, no port). */
    allowedHosts: string[];
    /** Origins accepted besides loopback origins, CORS_ORIGINS and the public URL's origin. */
    allowedOrigins: string[];
    sessionIdleMs: number;
    maxSessions: number;
    /** 2026-07-28 `subscriptions/listen` streams open at once (32 per client within it). */
    maxListenStreams: number;
  };
  readonly sandbox!: {
    memoryMb: number;
    maxResultSize: number;
    maxConcurrency: number;
    queueSize: number;
    workers: number;
    allowLoopback: boolean;
  };
  readonly npmRegistry!: string;
  readonly moduleMaxBundleBytes!: number;
  readonly loginRateLimitPerMinute!: number;
  /** Lets non-loopback callers read /metrics as a bearer token; unset: loopback only. */
  readonly metricsToken!: string | undefined;
  /** Which proxies may set the client address (X-Forwarded-For): none, N hops, or these addresses. */
  readonly trustProxy!: TrustProxy;
  readonly version!: string;
  /** Warnings produced while resolving the configuration, logged once at start-up. */
  readonly warnings!: string[];

  static fromEnvironment(raw: NodeJS.ProcessEnv = process.env): AppConfig {
    const env = validateEnvironment(raw);
    const nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['env'];
    const dataDir = resolve(env.DATA_DIR ?? './data');
    const warnings: string[] = [];
    const encryptionKey = resolveEncryptionKey({
      configured: env.MCPBOX_ENCRYPTION_KEY,
      production: nodeEnv === 'production',
      dataDir,
      warnings,
    });
    const jwtSecret = env.JWT_SECRET_KEY
      ? Buffer.from(env.JWT_SECRET_KEY, 'utf8')
      : deriveKey(encryptionKey, 'mcpbox:jwt-signing');
    const workers = env.SANDBOX_WORKERS ?? Math.max(1, availableParallelism());
    const allowLoopback = env.MCPBOX_TEST_ALLOW_LOOPBACK ?? false;
    if (allowLoopback)
      warnings.push(
        'MCPBOX_TEST_ALLOW_LOOPBACK=true: tool code may reach loopback addresses. Never use this outside tests.',
      );
    const port = env.PORT ?? 8000;
    const mode = (env.MCPBOX_MODE ?? 'local') as AppConfig['mode'];
    const publicUrl = (env.MCPBOX_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
    const config = Object.assign(new AppConfig(), {
      env: nodeEnv,
      port,
      // Local mode has no auth on /mcp: listen on loopback unless told otherwise.
      host: env.HOST ?? (mode === 'local' ? '127.0.0.1' : '0.0.0.0'),
      logLevel: env.LOG_LEVEL ?? 'info',
      logFormat: (env.LOG_FORMAT ?? 'auto') as AppConfig['logFormat'],
      corsOrigins: list(env.CORS_ORIGINS),
      dataDir,
      databaseUrl: env.DATABASE_URL,
      embeddedPostgresPort: env.EMBEDDED_POSTGRES_PORT ?? 5488,
      embeddedPostgresFallbackDir: env.EMBEDDED_POSTGRES_FALLBACK_DIR ?? '/var/lib/mcpbox',
      encryptionKey,
      jwtSecret,
      accessTokenMinutes: env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES ?? 15,
      refreshTokenDays: env.JWT_REFRESH_TOKEN_EXPIRE_DAYS ?? 7,
      mode,
      serviceToken: env.MCPBOX_SERVICE_TOKEN,
      publicUrl,
      mcp: {
        allowedHosts: list(env.MCP_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
        allowedOrigins: list(env.MCP_ALLOWED_ORIGINS),
        sessionIdleMs: (env.MCP_SESSION_IDLE_SECONDS ?? 1800) * 1000,
        maxSessions: env.MCP_MAX_SESSIONS ?? 1000,
        maxListenStreams: env.MCP_MAX_LISTEN_STREAMS ?? 1000,
      },
      sandbox: {
        memoryMb: env.SANDBOX_MEMORY_MB ?? 128,
        maxResultSize: env.SANDBOX_MAX_RESULT_SIZE ?? 1024 * 1024,
        maxConcurrency: env.SANDBOX_MAX_CONCURRENCY ?? workers * 8,
        queueSize: env.SANDBOX_QUEUE_SIZE ?? 1000,
        workers,
        allowLoopback,
      },
      npmRegistry: (env.MCPBOX_NPM_REGISTRY ?? 'https://registry.npmjs.org').replace(/\/$/, ''),
      moduleMaxBundleBytes: env.MCPBOX_MODULE_MAX_BUNDLE_BYTES ?? DEFAULT_MODULE_MAX_BUNDLE_BYTES,
      loginRateLimitPerMinute: env.RATE_LIMIT_LOGIN_PER_MINUTE ?? 5,
      metricsToken: env.METRICS_TOKEN,
      trustProxy: parseTrustProxy(env.TRUST_PROXY).value,
      version: readVersion(),
      warnings,
    });
    return config;
  }
}

/** A comma-separated variable as its trimmed, non-empty parts. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function readVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(resolve(__dirname, '..', '..', '..', 'package.json')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
