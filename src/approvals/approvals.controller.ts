import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiPageResponse, type Page } from '../common/pagination';
import { uuidParam } from '../common/uuid-param';
import { ToolDto } from '../tools/dto/tool.dto';
import { ApprovalStatsDto } from './dto/approval-stats.dto';
import { ApprovalsService } from './approvals.service';
import { RevokeToolDto, ToolActionDto, ToolApprovalDto, ToolQueueQueryDto } from '../tools/dto/tool-approval.dto';
import { ToolApprovalsService } from '../tools/tool-approvals.service';

const TOOL_ID = { name: 'id', format: 'uuid', description: 'Tool id' } as const;

@ApiTags('approvals')
@Authenticated()
@Controller('api/approvals')
export class ApprovalsController {
  constructor(
    private readonly approvals: ApprovalsService,
    private readonly tools: ToolApprovalsService,
  ) {}

  @Get('stats')
  @ApiOperation({ summary: 'Counts per queue and status' })
  @ApiOkResponse({ type: ApprovalStatsDto })
  stats(@CurrentActor() actor: Actor): Promise<ApprovalStatsDto> {
    return this.approvals.stats(actor);
  }

  @Get('tools')
  @ApiOperation({ summary: 'The tool approval queue (default status pending_review, oldest request first)' })
  @ApiPageResponse(ToolApprovalDto)
  @ApiBadRequestResponse({ description: 'Unknown status; search longer than 200; page or page_size out of range' })
  queue(@Query() query: ToolQueueQueryDto, @CurrentActor() actor: Actor): Promise<Page<ToolApprovalDto>> {
    return this.tools.listQueue(actor, query);
  }

  @Post('tools/:id/action')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'approve (from pending_review), reject (from pending_review, needs a reason) or submit_for_review (from draft or rejected; approved at once under auto_approve). The reviewer is the caller',
  })
  @ApiParam(TOOL_ID)
  @ApiOkResponse({ type: ToolDto, description: 'The tool after the decision' })
  @ApiBadRequestResponse({
    description:
      'id is not a UUID; unknown action; reject without a reason; version not a positive integer; a field the action does not take (reason is for reject; notes for approve and submit_for_review; version for approve and reject); unknown field',
  })
  @ApiNotFoundResponse({ description: 'No such tool' })
  @ApiConflictResponse({
    description:
      'The tool is not in a state this action applies to (the message says which), or it was edited since the reviewed version',
  })
  act(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: ToolActionDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.act(actor, id, dto);
  }

  @Post('tools/:id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an approval: approved → pending_review; a running server unloads the tool at once' })
  @ApiParam(TOOL_ID)
  @ApiOkResponse({ type: ToolDto, description: 'The tool after the revocation' })
  @ApiBadRequestResponse({ description: 'id is not a UUID; unknown field' })
  @ApiNotFoundResponse({ description: 'No such tool' })
  @ApiConflictResponse({ description: 'The tool is not approved' })
  @ApiForbiddenResponse({ description: 'Only an admin may revoke' })
  revoke(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: RevokeToolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.revoke(actor, id, dto);
  }
}
