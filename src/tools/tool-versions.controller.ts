import { Controller, Get, HttpCode, Param, Post, Query, type PipeTransform } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
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

const TOOL_ID = { name: 'id', format: 'uuid', description: 'Tool id' } as const;
const VERSION = {
  name: 'version',
  type: Number,
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
@Controller('api/tools/:id/versions')
export class ToolVersionsController {
  constructor(private readonly versions: ToolVersionsService) {}

  @Get()
  @ApiOperation({ summary: "A tool's versions, newest first (without code)" })
  @ApiParam(TOOL_ID)
  @ApiPageResponse(ToolVersionSummaryDto)
  @ApiBadRequestResponse({ description: 'id is not a UUID; page or page_size out of range' })
  @ApiNotFoundResponse({ description: 'No such tool' })
  list(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: PaginationQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<Page<ToolVersionSummaryDto>> {
    return this.versions.list(actor, id, query);
  }

  @Get('compare')
  @ApiOperation({ summary: 'Compare two versions: both snapshots, the changed fields and a unified diff of the code' })
  @ApiParam(TOOL_ID)
  @ApiOkResponse({ type: VersionComparisonDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID; from or to missing or not a positive integer' })
  @ApiNotFoundResponse({ description: 'No such tool, or no such version' })
  compare(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: CompareVersionsQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<VersionComparisonDto> {
    return this.versions.compare(actor, id, query);
  }

  @Get(':version')
  @ApiOperation({ summary: 'One version with its code' })
  @ApiParam(TOOL_ID)
  @ApiParam(VERSION)
  @ApiOkResponse({ type: ToolVersionDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID; version is not a positive integer' })
  @ApiNotFoundResponse({ description: 'No such tool, or no such version' })
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
  })
  @ApiParam(TOOL_ID)
  @ApiParam(VERSION)
  @ApiOkResponse({ type: ToolDto, description: 'The tool after the rollback' })
  @ApiBadRequestResponse({
    description: 'id is not a UUID; version is not a positive integer, or is the current version',
  })
  @ApiNotFoundResponse({ description: 'No such tool, or no such version (e.g. a future one)' })
  @ApiConflictResponse({ description: "The version's name is now used by another tool of the server" })
  rollback(
    @Param('id', uuidParam('id')) id: string,
    @Param('version', versionParam) version: number,
    @CurrentActor() actor: Actor,
  ): Promise<ToolDto> {
    return this.versions.rollback(actor, id, version);
  }
}
