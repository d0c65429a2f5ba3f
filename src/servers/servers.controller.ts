import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { CreateServerDto, ServerDetailDto, ServerDto, UpdateServerDto } from './dto/server.dto';
import { ServersService } from './servers.service';
import { uuidParam } from '../common/uuid-param';

@ApiTags('servers')
@Authenticated()
@Controller('api/servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @Get()
  @ApiOperation({
    summary: 'List servers with their tool counts',
    description: 'By name. Each server with its status (running or stopped), allowed hosts and number of tools.',
  })
  @ApiPageResponse(ServerDto)
  @ApiErrors({ 400: 'page or page_size out of range; unknown query parameter' })
  list(@Query() query: PaginationQueryDto, @CurrentActor() actor: Actor): Promise<Page<ServerDto>> {
    return this.servers.list(actor, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a server',
    description:
      'The name (`^[a-z][a-z0-9_]*$`, at most 64) is unique and names the server on the MCP gateway (`/mcp/{name}`, and ' +
      '`{name}__{tool}` on `/mcp`). `default_timeout_ms` (1000 to 300000, default 30000) limits each call of a tool without ' +
      'its own timeout. A new server is stopped, with no tools and no allowed hosts. Audited.',
  })
  @ApiCreatedResponse({ type: ServerDto, description: 'The new server, stopped' })
  @ApiErrors(
    {
      400: 'Malformed JSON; name breaks the pattern or is longer than 64; default_timeout_ms out of 1000..300000; unknown field',
    },
    415,
    { 409: 'A server with this name exists' },
  )
  create(@Body() dto: CreateServerDto, @CurrentActor() actor: Actor): Promise<ServerDto> {
    return this.servers.create(actor, dto);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a server with its tools (without code)',
    description: 'The server and each of its tools, by name, without their code.',
  })
  @ApiIdParam('Server')
  @ApiOkResponse({ type: ServerDetailDto, description: 'The server with its tools' })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'No such server' })
  get(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<ServerDetailDto> {
    return this.servers.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Update name, description or default_timeout_ms',
    description:
      'Any subset, at least one field, by the rules of creation. A rename changes the names MCP clients see (`{name}__{tool}`, ' +
      '`/mcp/{name}`); a running server follows at once. Audited with the old and new values.',
  })
  @ApiIdParam('Server')
  @ApiOkResponse({ type: ServerDto, description: 'The server after the change' })
  @ApiErrors({ 400: 'Malformed JSON; id is not a UUID; empty body; a field is invalid; unknown field' }, 415, {
    404: 'No such server',
    409: 'Another server has this name',
  })
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() dto: UpdateServerDto,
    @CurrentActor() actor: Actor,
  ): Promise<ServerDto> {
    return this.servers.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a server with its tools, versions, secrets, sources, requests and logs',
    description:
      'Everything of the server goes with it in one transaction; a running server is unloaded from the sandbox. Audited ' +
      '(the audit entry outlives the server).',
  })
  @ApiIdParam('Server')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 400: 'Malformed JSON in a body (none is needed); id is not a UUID' }, 415, { 404: 'No such server' })
  delete(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.servers.delete(actor, id);
  }
}
