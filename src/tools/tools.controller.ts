import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { uuidParam } from '../common/uuid-param';
import { CreateToolDto, ToolDto, ToolSummaryDto, UpdateToolDto } from './dto/tool.dto';
import { CodeAnalysisDto, ValidateCodeDto } from './dto/validate-code.dto';
import { ToolsService } from './tools.service';

const SERVER_ID = { name: 'id', format: 'uuid', description: 'Server id' } as const;
const TOOL_ID = { name: 'id', format: 'uuid', description: 'Tool id' } as const;
const BAD_TOOL =
  'id is not a UUID; a field is invalid (name pattern or length, code over 100 KB or not valid — syntax error or no exported main —, input_schema not an object JSON Schema, timeout_ms outside 1..300000); unknown field';

@ApiTags('tools')
@Authenticated()
@Controller('api')
export class ToolsController {
  constructor(private readonly tools: ToolsService) {}

  @Post('servers/:id/tools')
  @ApiOperation({
    summary:
      "Create a tool (draft, or approved under tool_approval_mode=auto_approve); writes version 1. Without input_schema one is derived from main's parameter",
  })
  @ApiParam(SERVER_ID)
  @ApiCreatedResponse({ type: ToolDto })
  @ApiBadRequestResponse({ description: BAD_TOOL })
  @ApiNotFoundResponse({ description: 'No such server' })
  @ApiConflictResponse({ description: 'The server already has a tool with this name' })
  create(
    @Param('id', uuidParam('id')) serverId: string,
    @Body() dto: CreateToolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.create(actor, serverId, dto);
  }

  @Get('servers/:id/tools')
  @ApiOperation({ summary: "List a server's tools (without code), by name" })
  @ApiParam(SERVER_ID)
  @ApiPageResponse(ToolSummaryDto)
  @ApiBadRequestResponse({ description: 'id is not a UUID; page or page_size out of range' })
  @ApiNotFoundResponse({ description: 'No such server' })
  list(
    @Param('id', uuidParam('id')) serverId: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ToolSummaryDto>> {
    return this.tools.list(actor, serverId, query);
  }

  @Post('tools/validate-code')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Parse JavaScript or TypeScript tool code without running it: errors with line/column, main export, imports, derived input schema',
  })
  @ApiOkResponse({ type: CodeAnalysisDto })
  @ApiBadRequestResponse({ description: 'code missing or not a string; unknown language; unknown field' })
  validate(@Body() dto: ValidateCodeDto, @CurrentActor() actor: Actor): Promise<CodeAnalysisDto> {
    return this.tools.validateCode(actor, dto);
  }

  @Get('tools/:id')
  @ApiOperation({ summary: 'Get a tool with its code' })
  @ApiParam(TOOL_ID)
  @ApiOkResponse({ type: ToolDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such tool' })
  get(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<ToolDto> {
    return this.tools.get(actor, id);
  }

  @Patch('tools/:id')
  @ApiOperation({
    summary:
      'Update a tool. A change of code, input_schema or name writes a new version and sends an approved or rejected tool to pending_review',
  })
  @ApiParam(TOOL_ID)
  @ApiOkResponse({ type: ToolDto })
  @ApiBadRequestResponse({ description: `${BAD_TOOL}; empty body` })
  @ApiNotFoundResponse({ description: 'No such tool' })
  @ApiConflictResponse({ description: 'Another tool of the server has this name' })
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: UpdateToolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.update(actor, id, dto);
  }

  @Delete('tools/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a tool and its versions' })
  @ApiParam(TOOL_ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such tool' })
  delete(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.tools.delete(actor, id);
  }
}
