import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { parseTrustProxy } from './trust-proxy';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : value === true || value === 'true' || value === '1'
      ? true
      : value === false || value === 'false' || value === '0'
        ? false
        : value;

/** Every environment variable MCPBox reads. `.env.example` documents each one. */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @IsIn(['auto', 'json', 'pretty']) LOG_FORMAT?: string;
  @IsOptional() @IsString() CORS_ORIGINS?: string;
  @IsOptional() @IsString() DATA_DIR?: string;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' }) DATABASE_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535) EMBEDDED_POSTGRES_PORT?: number;
  @IsOptional() @Matches(/^\//, { message: 'must be an absolute path' }) EMBEDDED_POSTGRES_FALLBACK_DIR?: string;

  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hexadecimal characters (32 bytes)' })
  MCPBOX_ENCRYPTION_KEY?: string;
  @IsOptional() @IsString() @MinLength(32, { message: 'must be at least 32 characters' }) JWT_SECRET_KEY?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1440) JWT_ACCESS_TOKEN_EXPIRE_MINUTES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365) JWT_REFRESH_TOKEN_EXPIRE_DAYS?: number;

  @IsOptional() @IsIn(['local', 'remote']) MCPBOX_MODE?: string;
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  @MaxLength(512)
  MCPBOX_SERVICE_TOKEN?: string;
  @IsOptional() @IsString() MCPBOX_PUBLIC_URL?: string;
  @IsOptional() @IsString() MCP_ALLOWED_HOSTS?: string;
  @IsOptional() @IsString() MCP_ALLOWED_ORIGINS?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(7 * 24 * 3600) MCP_SESSION_IDLE_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000) MCP_MAX_SESSIONS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000) MCP_MAX_LISTEN_STREAMS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(16) @Max(4096) SANDBOX_MEMORY_MB?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(64 * 1024 * 1024) SANDBOX_MAX_RESULT_SIZE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1024) SANDBOX_MAX_CONCURRENCY?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100000) SANDBOX_QUEUE_SIZE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64) SANDBOX_WORKERS?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() MCPBOX_TEST_ALLOW_LOOPBACK?: boolean;

  @IsOptional() @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' }) MCPBOX_NPM_REGISTRY?: string;
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  @Max(256 * 1024 * 1024)
  MCPBOX_MODULE_MAX_BUNDLE_BYTES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) RATE_LIMIT_LOGIN_PER_MINUTE?: number;
  /** Bearer token that lets callers other than loopback read /metrics (unset: loopback only). */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  @MaxLength(512)
  @Matches(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces (it is sent as a bearer token)' })
  METRICS_TOKEN?: string;
  /** false, a hop count, or proxy addresses/CIDRs: checked by parseTrustProxy below. */
  @IsOptional() @IsString() TRUST_PROXY?: string;
}

/** Validates the raw environment; throws one line naming every offending variable. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  // An empty value (`DATABASE_URL=` copied from .env.example) means "not set".
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const env = plainToInstance(EnvironmentVariables, given, { enableImplicitConversion: false });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  // class-validator's own messages start with the variable's name; the custom ones do not.
  const problems = errors.map((e) =>
    Object.values(e.constraints ?? {})
      .map((m) => (m.startsWith(e.property) ? m : `${e.property} ${m}`))
      .join(', '),
  );
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if (trustProxy.problem) problems.push(`TRUST_PROXY ${trustProxy.problem}`);
  if (env.MCPBOX_MODE === 'remote' && !env.MCPBOX_SERVICE_TOKEN)
    problems.push('MCPBOX_SERVICE_TOKEN is required when MCPBOX_MODE=remote');
  if (env.NODE_ENV === 'production' && env.MCPBOX_TEST_ALLOW_LOOPBACK)
    problems.push('MCPBOX_TEST_ALLOW_LOOPBACK must not be true when NODE_ENV=production');
  // docs/architecture.md#encryption-key (also enforced where the key is resolved); checked here so start-up stops before loading anything.
  if (env.NODE_ENV === 'production' && !env.MCPBOX_ENCRYPTION_KEY)
    problems.push('MCPBOX_ENCRYPTION_KEY is required in production (64 hex characters, e.g. `openssl rand -hex 32`)');
  else if (env.NODE_ENV === 'production' && /^0{64}$/.test(env.MCPBOX_ENCRYPTION_KEY ?? ''))
    problems.push('MCPBOX_ENCRYPTION_KEY must not be all zeros in production');
  if (problems.length) throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  return env;
}

export class ConfigurationError extends Error {}
