import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { uuidParam } from '../common/uuid-param';
import { ToolExecutionsDto, ToolLogsQueryDto } from './dto/tool-logs.dto';
import { ToolLogsService } from './tool-logs.service';

@ApiTags('sandbox')
@Authenticated()
@Controller('api/tools')
export class ToolLogsController {
  constructor(private readonly logs: ToolLogsService) {}

  @Get(':id/logs')
  @ApiOperation({
    summary: "A tool's latest calls from its execution log, newest first (secret values redacted)",
    description: 'Both calls through /mcp and test runs; `limit` is 1 to 50 (default 10).',
  })
  @ApiIdParam('Tool')
  @ApiOkResponse({ type: ToolExecutionsDto, description: 'The latest calls, newest first' })
  @ApiErrors({ 400: 'id is not a UUID; limit out of 1..50; unknown query parameter', 404: 'No such tool' })
  list(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: ToolLogsQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolExecutionsDto> {
    return this.logs.list(actor, id, query);
  }
}
