import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { IMPORT_BODY_LIMIT_BYTES } from '../common/limits';
import { uuidParam } from '../common/uuid-param';
import { ExportDocumentDto, ImportQueryDto, ImportResultDto } from './dto/export.dto';
import { ExportService } from './export.service';
import { ImportService } from './import.service';

@ApiTags('export')
@Authenticated()
@Controller('api/export')
export class ExportController {
  constructor(
    private readonly exporter: ExportService,
    private readonly importer: ImportService,
  ) {}

  @Get('servers')
  @ApiOperation({
    summary: 'Export every server as one signed document',
    description:
      "Signed with an HMAC-SHA256 keyed from this instance's encryption key (`signature`), so that this MCPBox can trust it back. " +
      'Holds each server with its tools (code, input schema), secret names (never values), external sources (URLs without credentials) ' +
      "and the admin's approved network records, plus the admin's module allowances; requests made by an LLM are not carried over.",
  })
  @ApiOkResponse({ type: ExportDocumentDto, description: 'Every server, signed; secret names only' })
  exportAll(@CurrentActor() actor: Actor): Promise<ExportDocumentDto> {
    return this.exporter.exportServers(actor);
  }

  @Get('servers/:id')
  @ApiOperation({
    summary: 'Export one server as a signed document',
    description:
      "The document of `GET /api/export/servers` with this one server (and the admin's module allowances): signed, secret names only.",
  })
  @ApiIdParam('Server')
  @ApiOkResponse({ type: ExportDocumentDto, description: 'One server, signed; secret names only' })
  @ApiErrors({ 400: 'id is not a UUID' }, { 404: 'No such server' })
  exportOne(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<ExportDocumentDto> {
    return this.exporter.exportServers(actor, id);
  }

  /** The body is checked by the import service (shape, version, signature), not by a DTO: a document is judged as a whole. */
  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import an export document, all or nothing',
    description:
      'One transaction: every server of the document is created with its tools, secret placeholders (values are set afterwards), ' +
      'external sources and records, or nothing is. A server whose name exists is skipped (listed in `skipped`). ' +
      'A document signed by this MCPBox follows the security policy (tools approved only under auto_approve). ' +
      'An unsigned, foreign or changed document is refused unless `allow_unsigned=true`; then it grants nothing: every tool lands in ' +
      'pending_review and its network and module records become pending requests for the admin. ' +
      `The body limit of this route is ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MiB.`,
  })
  @ApiBody({ type: ExportDocumentDto })
  @ApiOkResponse({
    type: ImportResultDto,
    description: 'Everything in the document was imported, except what is listed as skipped',
  })
  @ApiErrors(
    {
      400: 'Malformed JSON or document, newer format_version, bad or foreign signature without allow_unsigned=true, allow_unsigned not true/false, or any item failed (details.failed lists them; nothing was imported)',
    },
    {
      413: `The document is larger than ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MiB (this route only; 1 MiB elsewhere), or holds too many JSON values`,
    },
    415,
  )
  importDocument(
    @Body() body: Record<string, unknown>,
    @Query() query: ImportQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<ImportResultDto> {
    return this.importer.importDocument(actor, body, query);
  }
}
