import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import {
  CLASS_RULE_PROPERTY,
  defineInputRule,
  IsEntityId,
  IsText,
  OptionalNotNull,
} from '../../common/contract/input-rules';
import { PaginationQueryDto } from '../../common/pagination';
import { LOG_LEVELS, LOG_TYPES, type ActivityLog, type LogLevel, type LogType } from '../entities/activity-log.entity';

export const MAX_SEARCH_LENGTH = 200;
export const DEFAULT_WINDOW_MINUTES = 60;
/** A week: the stats read the entries of the window, so it stays a bounded read. */
export const MAX_WINDOW_MINUTES = 7 * 24 * 60;
export const DEFAULT_RECENT = 20;
export const MAX_RECENT = 100;

// ── rules ────────────────────────────────────────────────────────────────────────────

/** RFC 3339 date-time (JSON Schema's `date-time`): a date, a time with seconds, and its offset. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[8] === 'Z' || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= days &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetOk
  );
}

const isDateTimeRule = defineInputRule<[]>({
  name: 'isDateTime',
  validate: (v) => isDateTime(v),
  message: (p) => `${p} must be an RFC 3339 date-time with seconds and an offset, e.g. 2026-01-31T08:00:00Z`,
  schema: () => ({ type: 'string', format: 'date-time' }),
});
const IsDateTime = () => isDateTimeRule([]);

/** `from` after `to` is a mistake, not an empty page. JSON Schema cannot compare two values: the validator judges. */
const timeRangeInOrder = defineInputRule<[]>({
  name: 'timeRangeInOrder',
  validate: (value, _c, args) => {
    if (value !== undefined) return false;
    const { from, to } = args.object as { from?: unknown; to?: unknown };
    return !isDateTime(from) || !isDateTime(to) || Date.parse(from) <= Date.parse(to);
  },
  message: (_p, _c, args) =>
    (args.object as Record<string, unknown>)[CLASS_RULE_PROPERTY] !== undefined
      ? `property ${CLASS_RULE_PROPERTY} should not exist`
      : 'from must not be later than to',
  schema: () => ({}),
});
const TimeRangeInOrder = (): ClassDecorator => (target) => timeRangeInOrder([])(target.prototype, CLASS_RULE_PROPERTY);

// ── inputs ───────────────────────────────────────────────────────────────────────────

@TimeRangeInOrder()
export class ActivityLogsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    maxLength: MAX_SEARCH_LENGTH,
    description: 'Case-insensitive substring of the message; % _ and \\ are taken literally',
  })
  @OptionalNotNull()
  @IsString()
  @IsText({ maxLength: MAX_SEARCH_LENGTH })
  search?: string;

  @ApiPropertyOptional({ enum: LOG_TYPES }) @OptionalNotNull() @IsIn(LOG_TYPES) log_type?: LogType;

  @ApiPropertyOptional({ enum: LOG_LEVELS, description: 'Exactly this level' })
  @OptionalNotNull()
  @IsIn(LOG_LEVELS)
  level?: LogLevel;

  @ApiPropertyOptional({ format: 'uuid' }) @OptionalNotNull() @IsEntityId() server_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this time (RFC 3339)' })
  @OptionalNotNull()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or before this time (RFC 3339)' })
  @OptionalNotNull()
  @IsDateTime()
  to?: string;
}

export class ActivityStatsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_WINDOW_MINUTES, default: DEFAULT_WINDOW_MINUTES })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_MINUTES)
  window_minutes?: number;
}

export class RecentActivityQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_RECENT, default: DEFAULT_RECENT })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_RECENT)
  limit?: number;
}

/**
 * The handshake of the live stream (`auth` of the socket.io client): the access token and
 * optional filters, validated like every other input.
 */
export class StreamHandshakeDto {
  @ApiProperty({ description: 'An access token (not a refresh token)', maxLength: 4096 })
  @IsString()
  @MaxLength(4096)
  token: string;

  @ApiPropertyOptional({ format: 'uuid' }) @OptionalNotNull() @IsEntityId() server_id?: string;
  @ApiPropertyOptional({ enum: LOG_TYPES }) @OptionalNotNull() @IsIn(LOG_TYPES) log_type?: LogType;
  @ApiPropertyOptional({ enum: LOG_LEVELS }) @OptionalNotNull() @IsIn(LOG_LEVELS) level?: LogLevel;
}

// ── outputs ──────────────────────────────────────────────────────────────────────────

export class ActivityLogDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) server_id: string | null;
  @ApiProperty({ enum: LOG_TYPES }) log_type: LogType;
  @ApiProperty({ enum: LOG_LEVELS }) level: LogLevel;
  @ApiProperty() message: string;
  @ApiProperty({ type: Object, nullable: true, description: 'Structured facts of the entry; never a secret' })
  details: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, description: 'The X-Request-Id of the request it belongs to' })
  request_id: string | null;
  @ApiProperty({ type: Number, nullable: true }) duration_ms: number | null;
}

export const mapActivityLog = (e: ActivityLog): ActivityLogDto => ({
  id: e.id,
  created_at: e.createdAt.toISOString(),
  server_id: e.serverId,
  log_type: e.logType,
  level: e.level,
  message: e.message,
  details: e.details,
  request_id: e.requestId,
  duration_ms: e.durationMs,
});

export class LogTypeCountsDto {
  @ApiProperty() mcp_request: number;
  @ApiProperty() mcp_response: number;
  @ApiProperty() tool_execution: number;
  @ApiProperty() network: number;
  @ApiProperty() alert: number;
  @ApiProperty() error: number;
  @ApiProperty() system: number;
  @ApiProperty() audit: number;
}

export class LogLevelCountsDto {
  @ApiProperty() debug: number;
  @ApiProperty() info: number;
  @ApiProperty() warning: number;
  @ApiProperty() error: number;
}

export class DurationPercentilesDto {
  @ApiProperty({ description: 'Entries of the window with a duration' }) count: number;
  @ApiProperty({ type: Number, nullable: true }) p50: number | null;
  @ApiProperty({ type: Number, nullable: true }) p95: number | null;
  @ApiProperty({ type: Number, nullable: true }) p99: number | null;
}

export class ActivityStatsDto {
  @ApiProperty() window_minutes: number;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty() total: number;
  @ApiProperty({ type: LogTypeCountsDto }) by_type: LogTypeCountsDto;
  @ApiProperty({ type: LogLevelCountsDto }) by_level: LogLevelCountsDto;
  @ApiProperty({ description: 'Entries at level error over all entries of the window, 0–1 (0 when there are none)' })
  error_rate: number;
  @ApiProperty({
    type: DurationPercentilesDto,
    description: 'Of the entries with a duration (MCP requests, tool executions), in ms',
  })
  duration_ms: DurationPercentilesDto;
}

export class RecentActivityDto {
  @ApiProperty({ type: [ActivityLogDto], description: 'Newest first' }) items: ActivityLogDto[];
}
