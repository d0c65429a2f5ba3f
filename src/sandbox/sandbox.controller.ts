import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { uuidParam } from '../common/uuid-param';
import { SandboxStatusDto, ServerLogLineDto } from './dto/sandbox.dto';
import { SandboxService } from './sandbox.service';

const ServerId = () => Param('id', uuidParam('id'));

@ApiTags('sandbox')
@Authenticated()
@ApiIdParam('Server')
@ApiErrors({ 400: 'id is not a UUID', 404: 'No server with this id' })
@Controller('api/sandbox/servers')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Load the server's approved + enabled tools into the sandbox and set it running (a running server is reloaded)",
    description:
      'Idempotent. The server answers on the MCP gateway from now on (`/mcp/{name}`, and `{name}__{tool}` on `/mcp`), and ' +
      'stays running across restarts of MCPBox. Takes no body. Recorded in the activity log.',
  })
  @ApiErrors({ 400: 'Malformed JSON in a body (none is needed); id is not a UUID' }, 415)
  @ApiOkResponse({ type: SandboxStatusDto, description: 'The status after the start' })
  start(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.start(actor, id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Unload the server from the sandbox (stopping a stopped server changes nothing)',
    description:
      'Its tools disappear from the MCP gateway at once and its isolate is released. Takes no body. Recorded in the activity log.',
  })
  @ApiErrors({ 400: 'Malformed JSON in a body (none is needed); id is not a UUID' }, 415)
  @ApiOkResponse({ type: SandboxStatusDto, description: 'The status after the stop' })
  stop(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.stop(actor, id);
  }

  @Post(':id/restart')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stop, then start the server',
    description:
      'Unload and load in one step, serialised with the other lifecycle changes of the server. Takes no body.',
  })
  @ApiErrors({ 400: 'Malformed JSON in a body (none is needed); id is not a UUID' }, 415)
  @ApiOkResponse({ type: SandboxStatusDto, description: 'The status after the restart' })
  restart(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.restart(actor, id);
  }

  @Get(':id/status')
  @ApiOperation({
    summary: "The server's sandbox status: tools loaded, run start, calls, errors, memory",
    description:
      'Calls and errors count since the current run started (test runs excluded); memory is the heap the sandbox holds for this ' +
      'server. A stopped server reports zeros.',
  })
  @ApiOkResponse({ type: SandboxStatusDto, description: 'The status now' })
  status(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.status(actor, id);
  }

  @Get(':id/logs')
  @ApiOperation({
    summary: "The server's recent executions and lifecycle entries, newest first",
    description:
      'Tool calls (through /mcp and test runs, secret values redacted, results cut at 10 KB) and the start, stop and failure ' +
      'entries of the server, in one list.',
  })
  @ApiPageResponse(ServerLogLineDto)
  @ApiErrors({ 400: 'id is not a UUID; page or page_size out of range; unknown query parameter' })
  logs(
    @ServerId() id: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ServerLogLineDto>> {
    return this.sandbox.logs(actor, id, query);
  }
}
