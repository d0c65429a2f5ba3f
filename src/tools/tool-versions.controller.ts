import { Controller, Get, HttpCode, Param, Post, Query, type PipeTransform } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiIdParam } from '../common/openapi/api-id-param';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { validateInput } from '../common/contract/validate-input';
import { uuidParam } from '../common/uuid-param';
import { ToolDto } from './dto/tool.dto';
import {
  CompareVersionsQueryDto,
  ToolVersionDto,
  ToolVersionNumberDto,
  ToolVersionSummaryDto,
  VersionComparisonDto,
} from './dto/tool-version.dto';
import { MAX_VERSION_NUMBER } from './tool-version-snapshot';
import { ToolVersionsService } from './tool-versions.service';

const VERSION = {
  name: 'version',
  type: 'integer',
  minimum: 1,
  maximum: MAX_VERSION_NUMBER,
  description: 'Version number (1 = as created)',
} as const;
/** The global pipe converts plain digits only (`1e3` or `0x10` stay strings); the rule is the DTO's. */
const versionParam: PipeTransform<unknown, number> = {
  transform: (value) => validateInput(ToolVersionNumberDto, { version: value }).version,
};

@ApiTags('tools')
@Authenticated()
@ApiIdParam('Tool')
@Controller('api/tools/:id/versions')
export class ToolVersionsController {
  constructor(private readonly versions: ToolVersionsService) {}

  @Get()
  @ApiOperation({
    summary: "A tool's versions, newest first (without code)",
    description:
      'A version is written by every change of code, language, input schema or name, and by a rollback; each records who ' +
      'changed it (`change_source`: manual, llm, import or rollback) and a change summary.',
  })
  @ApiPageResponse(ToolVersionSummaryDto)
  @ApiErrors({
    400: 'id is not a UUID; page or page_size out of range; unknown query parameter',
    404: 'No such tool',
  })
  list(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ToolVersionSummaryDto>> {
    return this.versions.list(actor, id, query);
  }

  @Get('compare')
  @ApiOperation({
    summary: 'Compare two versions: both snapshots, the changed fields and a unified diff of the code',
    description:
      'The diff is line by line, computed off the event loop; when it would cost too much (more than 5000 changed lines or 1 s ' +
      'of work, or the server is busy) it comes back as a replacement of the whole file with `diff_mode: "whole_file"` and a ' +
      '`diff_note` saying why.',
  })
  @ApiOkResponse({ type: VersionComparisonDto, description: 'Both versions, the changed fields and the diff' })
  @ApiErrors({
    400: 'id is not a UUID; from or to missing or not a positive integer; unknown query parameter',
    404: 'No such tool, or no such version',
  })
  compare(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: CompareVersionsQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<VersionComparisonDto> {
    return this.versions.compare(actor, id, query);
  }

  @Get(':version')
  @ApiOperation({
    summary: 'One version with its code',
    description:
      'The snapshot of that version: name, description, code, input schema, timeout, enabled, and who wrote it.',
  })
  @ApiParam(VERSION)
  @ApiOkResponse({ type: ToolVersionDto, description: 'The version with its code' })
  @ApiErrors({ 400: 'id is not a UUID; version is not a positive integer', 404: 'No such tool, or no such version' })
  get(
    @Param('id', uuidParam('id')) id: string,
    @Param('version', versionParam) version: number,
    @CurrentActor() actor: Actor,
  ): Promise<ToolVersionDto> {
    return this.versions.get(actor, id, version);
  }

  @Post(':version/rollback')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Roll back: writes a new version copied from this one (change_source 'rollback') and resets approval to pending_review",
    description:
      'Nothing is rewritten: the current version + 1 is a copy of the chosen one, which must be an earlier version. Whatever the ' +
      'approval status, the tool goes to pending_review (a running server unloads it until it is approved). The copied code is ' +
      'analysed again. Takes no body. Audited.',
  })
  @ApiParam(VERSION)
  @ApiOkResponse({ type: ToolDto, description: 'The tool after the rollback' })
  @ApiErrors(
    {
      400: 'Malformed JSON in a body (none is needed); id is not a UUID; version is not a positive integer, or is the current version',
    },
    415,
    {
      404: 'No such tool, or no such version (e.g. a future one)',
      409: "The version's name is now used by another tool of the server, or its code is not valid in the tool's language",
      503: 'The server is busy with other CPU-heavy requests (code analysis); try again in a moment',
    },
  )
  rollback(
    @Param('id', uuidParam('id')) id: string,
    @Param('version', versionParam) version: number,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.versions.rollback(actor, id, version);
  }
}
