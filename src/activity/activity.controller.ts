import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiPageResponse, type Page } from '../common/pagination';
import { ActivityQueriesService } from './activity-queries.service';
import {
  ActivityLogDto,
  ActivityLogsQueryDto,
  ActivityStatsDto,
  ActivityStatsQueryDto,
  RecentActivityDto,
  RecentActivityQueryDto,
} from './dto/activity.dto';
import { ACTIVITY_STREAM_PATH } from './stream/activity-stream.constants';

@ApiTags('activity')
@Authenticated()
@Controller('api/activity')
export class ActivityController {
  constructor(private readonly activity: ActivityQueriesService) {}

  @Get('logs')
  @ApiOperation({
    summary: 'The activity log, newest first, filtered',
    description:
      'Every filter is optional: `search` (case-insensitive substring of the message, wildcards taken literally), ' +
      '`log_type`, `level` (exact), `server_id`, `from`/`to` (RFC 3339, inclusive). ' +
      `Live entries: socket.io at path ${ACTIVITY_STREAM_PATH} (see the README).`,
  })
  @ApiPageResponse(ActivityLogDto)
  @ApiErrors({
    400: 'Unknown log_type or level, server_id not a UUID, malformed or reversed time range, page out of range, unknown query parameter',
  })
  logs(@Query() query: ActivityLogsQueryDto, @CurrentActor() actor: Actor): Promise<Page<ActivityLogDto>> {
    return this.activity.list(actor, query);
  }

  @Get('stats')
  @ApiOperation({
    summary: 'Counts by type and level, error rate and duration percentiles over the last window',
    description:
      'The window is the last `window_minutes` (1 to 10080, default 60) up to now. `error_rate` is the share of entries at level error; ' +
      'the percentiles (p50, p95, p99, in ms) are over the entries that carry a duration (MCP requests, tool executions), null without any.',
  })
  @ApiOkResponse({ type: ActivityStatsDto, description: 'The figures of the window' })
  @ApiErrors({ 400: 'window_minutes out of 1..10080 or not an integer; unknown query parameter' })
  stats(@Query() query: ActivityStatsQueryDto, @CurrentActor() actor: Actor): Promise<ActivityStatsDto> {
    return this.activity.stats(actor, query);
  }

  @Get('recent')
  @ApiOperation({
    summary: 'The latest entries, newest first',
    description: `The \`limit\` (1 to 100, default 20) newest entries of every kind, without paging. Live entries: socket.io at path ${ACTIVITY_STREAM_PATH}.`,
  })
  @ApiOkResponse({ type: RecentActivityDto, description: 'The latest entries, newest first' })
  @ApiErrors({ 400: 'limit out of 1..100 or not an integer; unknown query parameter' })
  recent(@Query() query: RecentActivityQueryDto, @CurrentActor() actor: Actor): Promise<RecentActivityDto> {
    return this.activity.recent(actor, query);
  }
}
