import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { uuidParam } from '../common/uuid-param';
import { SandboxStatusDto, ServerLogLineDto } from './dto/sandbox.dto';
import { SandboxService } from './sandbox.service';

const ServerId = () => Param('id', uuidParam('id'));

@ApiTags('sandbox')
@Authenticated()
@ApiBadRequestResponse({ description: 'The server id is not a UUID, or a query parameter is invalid' })
@ApiNotFoundResponse({ description: 'No server with this id' })
@Controller('api/sandbox/servers')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Load the server's approved + enabled tools into the sandbox and set it running (a running server is reloaded)",
  })
  @ApiOkResponse({ type: SandboxStatusDto })
  start(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.start(actor, id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unload the server from the sandbox (stopping a stopped server changes nothing)' })
  @ApiOkResponse({ type: SandboxStatusDto })
  stop(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.stop(actor, id);
  }

  @Post(':id/restart')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop, then start the server' })
  @ApiOkResponse({ type: SandboxStatusDto })
  restart(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.restart(actor, id);
  }

  @Get(':id/status')
  @ApiOperation({ summary: "The server's sandbox status: tools loaded, run start, calls, errors, memory" })
  @ApiOkResponse({ type: SandboxStatusDto })
  status(@ServerId() id: string, @CurrentActor() actor: Actor): Promise<SandboxStatusDto> {
    return this.sandbox.status(actor, id);
  }

  @Get(':id/logs')
  @ApiOperation({ summary: "The server's recent executions and lifecycle entries, newest first" })
  @ApiPageResponse(ServerLogLineDto)
  logs(
    @ServerId() id: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ServerLogLineDto>> {
    return this.sandbox.logs(actor, id, query);
  }
}
