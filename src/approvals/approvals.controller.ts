import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { ApiPageResponse, type Page } from '../common/pagination';
import { uuidParam } from '../common/uuid-param';
import { ToolDto } from '../tools/dto/tool.dto';
import { ApprovalStatsDto } from './dto/approval-stats.dto';
import { ApprovalsService } from './approvals.service';
import { RevokeToolDto, ToolActionDto, ToolApprovalDto, ToolQueueQueryDto } from '../tools/dto/tool-approval.dto';
import { ToolApprovalsService } from '../tools/tool-approvals.service';

@ApiTags('approvals')
@Authenticated()
@Controller('api/approvals')
export class ApprovalsController {
  constructor(
    private readonly approvals: ApprovalsService,
    private readonly tools: ToolApprovalsService,
  ) {}

  @Get('stats')
  @ApiOperation({
    summary: 'Counts per queue and status',
    description: 'The tool, module and network request queues, each counted by status, with the pending total.',
  })
  @ApiOkResponse({ type: ApprovalStatsDto, description: 'Counts per queue and status' })
  stats(@CurrentActor() actor: Actor): Promise<ApprovalStatsDto> {
    return this.approvals.stats(actor);
  }

  @Get('tools')
  @ApiOperation({
    summary: 'The tool approval queue (default status pending_review, oldest request first)',
    description:
      'Each tool with its code (what is reviewed) and its server name. `status` filters by approval status (or `all`); `search` ' +
      'matches tool name, tool description or server name (case-insensitive substring, wildcards taken literally).',
  })
  @ApiPageResponse(ToolApprovalDto)
  @ApiErrors({
    400: 'Unknown status; search longer than 200; page or page_size out of range; unknown query parameter',
  })
  queue(@Query() query: ToolQueueQueryDto, @CurrentActor() actor: Actor): Promise<Page<ToolApprovalDto>> {
    return this.tools.listQueue(actor, query);
  }

  @Post('tools/:id/action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve, reject or submit a tool for review',
    description:
      '`approve` (from pending_review), `reject` (from pending_review, needs a `reason`) or `submit_for_review` (from draft or ' +
      'rejected; approved at once under tool_approval_mode=auto_approve). The reviewer is the caller. With `version` (the ' +
      'current_version the reviewer read) a decision on a tool edited since is refused. Audited; a running server loads an ' +
      'approved tool (and unloads one that left approved) at once.',
  })
  @ApiIdParam('Tool')
  @ApiOkResponse({ type: ToolDto, description: 'The tool after the decision' })
  @ApiErrors(
    {
      400: 'Malformed JSON; id is not a UUID; unknown action; reject without a reason; version not a positive integer; a field the action does not take (reason is for reject; notes for approve and submit_for_review; version for approve and reject); unknown field',
    },
    415,
    {
      404: 'No such tool',
      409: 'The tool is not in a state this action applies to (the message says which), or it was edited since the reviewed version',
    },
  )
  act(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: ToolActionDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.act(actor, id, dto);
  }

  @Post('tools/:id/revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke an approval: approved → pending_review; a running server unloads the tool at once',
    description:
      'Only an approved tool can be revoked; it goes back to pending_review. The body is optional: a `reason`, audited with the ' +
      'revocation (no body, or an empty one, is no reason).',
  })
  @ApiIdParam('Tool')
  @ApiBody({ type: RevokeToolDto, required: false })
  @ApiOkResponse({ type: ToolDto, description: 'The tool after the revocation' })
  @ApiErrors({ 400: 'Malformed JSON; id is not a UUID; reason not a string or longer than 2000; unknown field' }, 415, {
    404: 'No such tool',
    409: 'The tool is not approved',
  })
  revoke(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: RevokeToolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.revoke(actor, id, dto);
  }
}
