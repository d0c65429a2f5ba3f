import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
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
  @ApiOkResponse({ type: ExportDocumentDto, description: 'Every server, signed; secret names only' })
  exportAll(@CurrentActor() actor: Actor): Promise<ExportDocumentDto> {
    return this.exporter.exportServers(actor);
  }

  @Get('servers/:id')
  @ApiOkResponse({ type: ExportDocumentDto, description: 'One server, signed; secret names only' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such server' })
  exportOne(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor): Promise<ExportDocumentDto> {
    return this.exporter.exportServers(actor, id);
  }

  /** The body is checked by the import service (shape, version, signature), not by a DTO: a document is judged as a whole. */
  @Post('import')
  @HttpCode(200)
  @ApiBody({ type: ExportDocumentDto })
  @ApiOkResponse({
    type: ImportResultDto,
    description: 'Everything in the document was imported, except what is listed as skipped',
  })
  @ApiBadRequestResponse({
    description:
      'Malformed document, newer format_version, bad or foreign signature without allow_unsigned=true, or any item failed (details.failed lists them; nothing was imported)',
  })
  @ApiForbiddenResponse({ description: 'Forbidden by policy' })
  @ApiPayloadTooLargeResponse({ description: 'The document is larger than 32 MiB (this route only; 1 MiB elsewhere)' })
  importDocument(
    @Body() body: Record<string, unknown>,
    @Query() query: ImportQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<ImportResultDto> {
    return this.importer.importDocument(actor, body, query);
  }
}
