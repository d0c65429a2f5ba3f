import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { uuidParam } from '../common/uuid-param';
import { CreateToolDto, ToolDto, ToolSummaryDto, UpdateToolDto } from './dto/tool.dto';
import { CodeAnalysisDto, ValidateCodeDto } from './dto/validate-code.dto';
import { ToolsService } from './tools.service';

const BAD_TOOL =
  'Malformed JSON; id is not a UUID; a field is invalid (name pattern or length, code over 100 KB or not valid — syntax error or no exported main —, input_schema not an object JSON Schema, timeout_ms outside 1..300000); unknown field';

/** Code analysis runs in compute workers; with every worker busy and the queue full, the request is refused. */
const ANALYSIS_BUSY = {
  503: 'The server is busy with other CPU-heavy requests (code analysis); try again in a moment',
};

@ApiTags('tools')
@Authenticated()
@Controller('api')
export class ToolsController {
  constructor(private readonly tools: ToolsService) {}

  @Post('servers/:id/tools')
  @ApiOperation({
    summary: 'Create a tool of a server; writes version 1',
    description:
      'The code (JavaScript or TypeScript, at most 100 KB) must parse and export `main`; it is analysed, never run. ' +
      "Without input_schema one is derived from main's destructured parameter. The name (`^[a-z][a-z0-9_]*$`, at most 64) is " +
      'unique within the server. The tool starts as draft, or approved under tool_approval_mode=auto_approve. Audited.',
  })
  @ApiIdParam('Server')
  @ApiCreatedResponse({ type: ToolDto, description: 'The new tool at version 1' })
  @ApiErrors({ 400: BAD_TOOL }, 415, {
    404: 'No such server',
    409: 'The server already has a tool with this name',
    ...ANALYSIS_BUSY,
  })
  create(
    @Param('id', uuidParam('id')) serverId: string,
    @Body() dto: CreateToolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.create(actor, serverId, dto);
  }

  @Get('servers/:id/tools')
  @ApiOperation({
    summary: "List a server's tools (without code), by name",
    description: 'Every tool of the server whatever its approval status, without code (`GET /api/tools/{id}` has it).',
  })
  @ApiIdParam('Server')
  @ApiPageResponse(ToolSummaryDto)
  @ApiErrors({
    400: 'id is not a UUID; page or page_size out of range; unknown query parameter',
    404: 'No such server',
  })
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
    summary: 'Check tool code without running it',
    description:
      'Parses JavaScript or TypeScript with real parsers (esbuild, acorn), never runs it: syntax errors with line and column, ' +
      'whether `main` is exported, the imports (Node built-ins and require() are errors), and the ' +
      "input schema derived from main's parameter. Invalid code is a 200 with `valid: false`; code that cannot be analysed within " +
      '5 s is invalid, saying so. Changes nothing.',
  })
  @ApiOkResponse({ type: CodeAnalysisDto, description: 'The analysis; valid false lists the errors' })
  @ApiErrors(
    { 400: 'Malformed JSON; code missing or not a string; unknown language; unknown field' },
    415,
    ANALYSIS_BUSY,
  )
  validate(@Body() dto: ValidateCodeDto, @CurrentActor() actor: Actor): Promise<CodeAnalysisDto> {
    return this.tools.validateCode(actor, dto);
  }

  @Get('tools/:id')
  @ApiOperation({
    summary: 'Get a tool with its code',
    description: 'The current version of the tool: code, input schema, approval state and who decided it.',
  })
  @ApiIdParam('Tool')
  @ApiOkResponse({ type: ToolDto, description: 'The tool with its code' })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'No such tool' })
  get(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<ToolDto> {
    return this.tools.get(actor, id);
  }

  @Patch('tools/:id')
  @ApiOperation({
    summary: 'Update a tool',
    description:
      'Any subset, at least one field, by the rules of creation. A change of code, language, input_schema or name writes a new ' +
      'version and sends an approved or rejected tool back to pending_review (a running server unloads it until it is approved ' +
      'again); description, enabled and timeout_ms change in place. `input_schema: null` derives the schema from the code again. ' +
      'An external (mcp_passthrough) tool has no code. Audited with the old and new values.',
  })
  @ApiIdParam('Tool')
  @ApiOkResponse({ type: ToolDto, description: 'The tool after the change' })
  @ApiErrors({ 400: `${BAD_TOOL}; empty body; code for an external tool` }, 415, {
    404: 'No such tool',
    409: 'Another tool of the server has this name',
    ...ANALYSIS_BUSY,
  })
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: UpdateToolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.tools.update(actor, id, dto);
  }

  @Delete('tools/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a tool and its versions',
    description: 'A running server unloads the tool at once. Audited.',
  })
  @ApiIdParam('Tool')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 400: 'Malformed JSON in a body (none is needed); id is not a UUID' }, 415, { 404: 'No such tool' })
  delete(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.tools.delete(actor, id);
  }
}
