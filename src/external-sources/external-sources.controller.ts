import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor, Public } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { uuidParam } from '../common/uuid-param';
import {
  ClientMetadataDocumentDto,
  CreateExternalSourceDto,
  DiscoverResultDto,
  ExternalSourceDto,
  ImportExternalToolsDto,
  ImportResultDto,
  OAuthCallbackResultDto,
  OAuthStartDto,
  OAuthStartResultDto,
  UpdateExternalSourceDto,
} from './dto/external-source.dto';
import { ExternalSourcesService } from './external-sources.service';
import { SourceAuthorizationService } from './source-authorization.service';
import { SourceDiscoveryService } from './source-discovery.service';
import { OAUTH_CLIENT_METADATA_PATH, oauthClientIdentity } from './source-clients';
import { clientMetadataDocument } from './client/oauth-state';
import { AppConfig } from '../config/app-config';

const id = uuidParam('id');

@ApiTags('external-sources')
@Authenticated()
@Controller('api/external-sources')
export class ExternalSourcesController {
  constructor(
    private readonly sources: ExternalSourcesService,
    private readonly discovery: SourceDiscoveryService,
    private readonly authorization: SourceAuthorizationService,
  ) {}

  @Post('servers/:id/sources')
  @ApiOperation({
    summary: 'Add an external MCP source',
    description:
      'Attaches another MCP server (Streamable HTTP or HTTP+SSE) to this server. Credentials stay in a named server secret (bearer, header) or in OAuth tokens MCPBox obtains (oauth); the URL must not carry any. Nothing connects until discover.',
  })
  @ApiIdParam('Server')
  @ApiCreatedResponse({ type: ExternalSourceDto, description: 'The source (status active, nothing discovered yet)' })
  @ApiErrors(
    {
      400: 'Malformed JSON; id is not a UUID; a field breaks its rule (the message names it: url with credentials or not http(s), unknown auth_type, a routing header as auth_header_name, …); unknown field',
    },
    415,
    { 404: 'No such server', 409: 'The server already has a source of that name' },
  )
  add(
    @Param('id', id) serverId: string,
    @Body() dto: CreateExternalSourceDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExternalSourceDto> {
    return this.sources.add(actor, serverId, dto);
  }

  @Get('servers/:id/sources')
  @ApiOperation({ summary: 'List sources for a server', description: 'By name, with status and tool counts.' })
  @ApiIdParam('Server')
  @ApiPageResponse(ExternalSourceDto)
  @ApiErrors({
    400: 'id is not a UUID; page or page_size out of range; unknown query parameter',
    404: 'No such server',
  })
  list(
    @Param('id', id) serverId: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ExternalSourceDto>> {
    return this.sources.list(actor, serverId, query);
  }

  @Get('sources/:id')
  @ApiOperation({ summary: 'Get source details', description: 'Never shows a credential or token.' })
  @ApiIdParam('Source')
  @ApiOkResponse({ type: ExternalSourceDto, description: 'The source' })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'No such source' })
  get(@Param('id', id) sourceId: string, @CurrentActor() actor: Actor): Promise<ExternalSourceDto> {
    return this.sources.get(actor, sourceId);
  }

  @Put('sources/:id')
  @ApiOperation({
    summary: 'Update a source',
    description:
      'Any subset of the fields. A new URL, transport or auth type closes the open connections and forgets OAuth tokens; status disabled stops serving its tools.',
  })
  @ApiIdParam('Source')
  @ApiOkResponse({ type: ExternalSourceDto, description: 'The source after the change' })
  @ApiErrors({ 400: 'Malformed JSON; id is not a UUID; a field breaks its rule; empty body; unknown field' }, 415, {
    404: 'No such source',
    409: 'Another source of the server has that name',
  })
  update(
    @Param('id', id) sourceId: string,
    @Body() dto: UpdateExternalSourceDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExternalSourceDto> {
    return this.sources.update(actor, sourceId, dto);
  }

  @Delete('sources/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a source',
    description: 'The tools imported from it stay, unlinked and no longer served, each with a source_note saying why.',
  })
  @ApiIdParam('Source')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 400: 'Malformed JSON; id is not a UUID' }, 415, { 404: 'No such source' })
  remove(@Param('id', id) sourceId: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.sources.delete(actor, sourceId);
  }

  @Post('sources/:id/discover')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Discover tools from a source',
    description:
      "Connects (2026-07-28 where the source speaks it, else a 2025 session, or HTTP+SSE), lists the source's tools and caches them. Imported tools whose definition changed since approval go back to pending_review with the diff.",
  })
  @ApiIdParam('Source')
  @ApiOkResponse({ type: DiscoverResultDto, description: "The source's tools: new, imported or changed" })
  @ApiErrors({ 400: 'Malformed JSON; id is not a UUID' }, 415, {
    404: 'No such source',
    409: 'The source is disabled, or needs an admin to authorize MCPBox (OAuth)',
    503: 'The source could not be reached or refused the credentials',
  })
  discover(@Param('id', id) sourceId: string, @CurrentActor() actor: Actor): Promise<DiscoverResultDto> {
    return this.discovery.discover(actor, sourceId);
  }

  @Post('sources/:id/import')
  @ApiOperation({
    summary: 'Import tools from a source',
    description:
      "Creates mcp_passthrough tools in draft for the named source tools: MCPBox names derived from the source's (lower case, other characters as _, de-duplicated), external_tool_name keeps the original. Once approved and the server running, {server}__{tool} on /mcp forwards to the source.",
  })
  @ApiIdParam('Source')
  @ApiCreatedResponse({ type: ImportResultDto, description: 'The passthrough tools created (draft)' })
  @ApiErrors(
    {
      400: 'Malformed JSON; id is not a UUID; tool_names empty, not names, or naming tools the source did not list; unknown field',
    },
    415,
    { 404: 'No such source', 409: 'A named tool was imported from this source already' },
  )
  import(
    @Param('id', id) sourceId: string,
    @Body() dto: ImportExternalToolsDto,
    @CurrentActor() actor: Actor,
  ): Promise<ImportResultDto> {
    return this.discovery.import(actor, sourceId, dto);
  }

  @Post('sources/:id/oauth/start')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start the OAuth authorization of a source',
    description:
      "Discovers the source's authorization server, registers MCPBox (Client ID Metadata Document or dynamic registration) and returns the URL the admin opens in a browser. The authorization server sends the browser back to GET /api/external-sources/oauth/callback.",
  })
  @ApiIdParam('Source')
  @ApiOkResponse({ type: OAuthStartResultDto, description: 'The URL the admin opens in a browser' })
  @ApiErrors({ 400: 'Malformed JSON; id is not a UUID; unknown field' }, 415, {
    404: 'No such source',
    409: 'The source does not use OAuth, or its authorization server could not be discovered or refused the registration',
  })
  startOAuth(
    @Param('id', id) sourceId: string,
    @Body() dto: OAuthStartDto,
    @CurrentActor() actor: Actor,
  ): Promise<OAuthStartResultDto> {
    return this.authorization.start(actor, sourceId, dto);
  }
}

/**
 * What authorization servers and the admin's browser reach without a token: the OAuth
 * callback (the state binds it) and MCPBox's Client ID Metadata Document.
 */
@ApiTags('external-sources')
@Public()
@ApiErrors(413)
@Controller('api/external-sources')
export class SourceOAuthCallbackController {
  constructor(
    private readonly authorization: SourceAuthorizationService,
    private readonly config: AppConfig,
  ) {}

  @Get('oauth/client-metadata.json')
  @ApiOperation({
    summary: "MCPBox's OAuth Client ID Metadata Document",
    description:
      'Public: authorization servers that support Client ID Metadata Documents fetch it to learn about MCPBox (its URL is the client_id, used when MCPBOX_PUBLIC_URL is https). Names MCPBox, its redirect URL (the callback), the authorization-code and refresh-token grants, and no client secret (PKCE).',
  })
  @ApiOkResponse({ type: ClientMetadataDocumentDto, description: 'The document' })
  clientMetadata(): ClientMetadataDocumentDto {
    const identity = oauthClientIdentity(this.config.publicUrl);
    return clientMetadataDocument({
      clientMetadataUrl:
        identity.clientMetadataUrl ?? `${this.config.publicUrl.replace(/\/+$/, '')}${OAUTH_CLIENT_METADATA_PATH}`,
      redirectUrl: identity.redirectUrl,
      clientName: 'MCPBox',
    }) as ClientMetadataDocumentDto;
  }

  @Get('oauth/callback')
  @ApiOperation({
    summary: 'OAuth callback of a source authorization',
    description:
      "Where the authorization server sends the admin's browser back. Needs no token: the state (256 random bits, single use, 10 minutes) binds it to the authorization an admin started; the code is exchanged with the PKCE verifier and the tokens stored encrypted.",
  })
  @ApiQuery({ name: 'state', type: String, required: false, description: 'The state MCPBox sent (binds the callback)' })
  @ApiQuery({ name: 'code', type: String, required: false, description: 'The authorization code' })
  @ApiQuery({ name: 'iss', type: String, required: false, description: 'The issuer (RFC 9207), checked when sent' })
  @ApiQuery({ name: 'error', type: String, required: false, description: 'The authorization server refused' })
  @ApiOkResponse({ type: OAuthCallbackResultDto, description: 'The source is authorized; its tools can be discovered' })
  @ApiErrors({
    400: 'state or code missing or malformed, or the authorization server answered with an error',
    409: 'The state does not match an authorization in progress (forged, used already or expired)',
  })
  callback(@Req() req: FastifyRequest): Promise<OAuthCallbackResultDto> {
    return this.authorization.callback((req.query ?? {}) as Record<string, unknown>);
  }
}
