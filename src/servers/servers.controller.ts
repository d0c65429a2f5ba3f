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
import { CreateServerDto, ServerDetailDto, ServerDto, UpdateServerDto } from './dto/server.dto';
import { ServersService } from './servers.service';
import { uuidParam } from '../common/uuid-param';

const ID = { name: 'id', format: 'uuid', description: 'Server id' } as const;

@ApiTags('servers')
@Authenticated()
@Controller('api/servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @Get()
  @ApiOperation({ summary: 'List servers with their tool counts' })
  @ApiPageResponse(ServerDto)
  @ApiBadRequestResponse({ description: 'page or page_size out of range' })
  list(@Query() query: PaginationQueryDto, @CurrentActor() actor: Actor): Promise<Page<ServerDto>> {
    return this.servers.list(actor, query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a server' })
  @ApiCreatedResponse({ type: ServerDto })
  @ApiBadRequestResponse({
    description: 'Name breaks the pattern or is longer than 64; default_timeout_ms out of 1000..300000; unknown field',
  })
  @ApiConflictResponse({ description: 'A server with this name exists' })
  create(@Body() dto: CreateServerDto, @CurrentActor() actor: Actor): Promise<ServerDto> {
    return this.servers.create(actor, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a server with its tools (without code)' })
  @ApiParam(ID)
  @ApiOkResponse({ type: ServerDetailDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such server' })
  get(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<ServerDetailDto> {
    return this.servers.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update name, description or default_timeout_ms' })
  @ApiParam(ID)
  @ApiOkResponse({ type: ServerDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID; empty body; a field is invalid; unknown field' })
  @ApiNotFoundResponse({ description: 'No such server' })
  @ApiConflictResponse({ description: 'Another server has this name' })
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: UpdateServerDto,
    @CurrentActor() actor: Actor,
  ): Promise<ServerDto> {
    return this.servers.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a server with its tools, versions, secrets, sources, requests and logs' })
  @ApiParam(ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such server' })
  delete(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.servers.delete(actor, id);
  }
}
