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
import { ModuleRequestActionDto, RequestActionDto, RequestQueueQueryDto } from '../common/request-queue.dto';
import { ModuleRequestDto } from '../modules/dto/module-request.dto';
import { ModuleRequestsService } from '../modules/module-requests.service';
import { NetworkRequestDto } from '../network-access/dto/network-request.dto';
import { NetworkRequestsService } from '../network-access/network-requests.service';

const QUEUE_BAD = 'Unknown status; search longer than 200; page or page_size out of range; unknown parameter';
const ACTION_BAD = 'id is not a UUID; unknown action; reject without a reason; reason given to approve; unknown field';

@ApiTags('approvals')
@Authenticated()
@Controller('api/approvals')
export class ApprovalsController {
  constructor(
    private readonly approvals: ApprovalsService,
    private readonly tools: ToolApprovalsService,
    private readonly moduleRequests: ModuleRequestsService,
    private readonly networkRequests: NetworkRequestsService,
  ) {}

  @Get('stats')
  @ApiOperation({
    summary: 'Counts per queue and status',
    description:
      'tools by approval status (draft, pending_review, approved, rejected); module and network requests by status (pending, approved, rejected), admin records included.',
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

  @Get('modules')
  @ApiOperation({
    summary: 'The module request queue',
    description:
      'Requests for npm modules (default status pending, or approved, rejected, all), oldest first, each with its tool, server, justification and decision. search matches the module name, justification, requester or server name.',
  })
  @ApiPageResponse(ModuleRequestDto)
  @ApiErrors({ 400: QUEUE_BAD })
  moduleQueue(@Query() query: RequestQueueQueryDto, @CurrentActor() actor: Actor): Promise<Page<ModuleRequestDto>> {
    return this.moduleRequests.listQueue(actor, query);
  }

  @Post('modules/:id/action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve or reject a module request',
    description:
      'approve installs the module first (registry, integrity, bundle; install scripts never run): when the install is refused the approval is too (409 with the reason) and the request stays pending; allow_critical overrides a critical advisory (recorded in the audit entry). Once approved the module is allowed for every tool and running servers get it without a restart. reject needs a reason. The reviewer is the caller; every decision is audited.',
  })
  @ApiIdParam('Request')
  @ApiOkResponse({ type: ModuleRequestDto, description: 'The request after the decision' })
  @ApiErrors({ 400: `${ACTION_BAD}; allow_critical given to reject` }, 415, {
    403: 'Only an admin may decide',
    404: 'No such request; or the package (or a version) does not exist on the registry',
    409: 'The request was decided already; or the installer refused the package (details.reason: node_builtin, native_code, integrity_mismatch, critical_advisory, ...)',
    503: 'The registry could not be reached: the request stays pending',
  })
  moduleAction(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: ModuleRequestActionDto,
    @CurrentActor() actor: Actor,
  ): Promise<ModuleRequestDto> {
    return this.moduleRequests.act(actor, id, dto);
  }

  @Get('network')
  @ApiOperation({
    summary: 'The network request queue',
    description:
      'Requests for outbound hosts (default status pending, or approved, rejected, all), oldest first, each with its tool, server, host, port (null = any) and justification. search matches the host, justification, requester or server name.',
  })
  @ApiPageResponse(NetworkRequestDto)
  @ApiErrors({ 400: QUEUE_BAD })
  networkQueue(@Query() query: RequestQueueQueryDto, @CurrentActor() actor: Actor): Promise<Page<NetworkRequestDto>> {
    return this.networkRequests.listQueue(actor, query);
  }

  @Post('network/:id/action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve or reject a network request',
    description:
      "approve allows the host (and port) for the request's server: its allowed_hosts are recomputed from the approved records and running servers follow without a restart. reject needs a reason. The reviewer is the caller; every decision is audited.",
  })
  @ApiIdParam('Request')
  @ApiOkResponse({ type: NetworkRequestDto, description: 'The request after the decision' })
  @ApiErrors({ 400: ACTION_BAD }, 415, {
    403: 'Only an admin may decide',
    404: 'No such request',
    409: 'The request was decided already',
  })
  networkAction(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: RequestActionDto,
    @CurrentActor() actor: Actor,
  ): Promise<NetworkRequestDto> {
    return this.networkRequests.act(actor, id, dto);
  }
}
