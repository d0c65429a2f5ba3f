import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
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
  @ApiBadRequestResponse({
    description: 'Unknown log_type or level, server_id not a UUID, malformed or reversed time range, page out of range',
  })
  logs(@Query() query: ActivityLogsQueryDto, @CurrentActor() actor: Actor): Promise<Page<ActivityLogDto>> {
    return this.activity.list(actor, query);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Counts by type and level, error rate and duration percentiles over the last window' })
  @ApiOkResponse({ type: ActivityStatsDto })
  @ApiBadRequestResponse({ description: 'window_minutes out of 1..10080' })
  stats(@Query() query: ActivityStatsQueryDto, @CurrentActor() actor: Actor): Promise<ActivityStatsDto> {
    return this.activity.stats(actor, query);
  }

  @Get('recent')
  @ApiOperation({ summary: 'The latest entries, newest first' })
  @ApiOkResponse({ type: RecentActivityDto })
  @ApiBadRequestResponse({ description: 'limit out of 1..100' })
  recent(@Query() query: RecentActivityQueryDto, @CurrentActor() actor: Actor): Promise<RecentActivityDto> {
    return this.activity.recent(actor, query);
  }
}
