import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiPageResponse, PaginationQueryDto, type Page } from '../common/pagination';
import { AppConfig } from '../config/app-config';
import { HealthService, type ServiceHealth } from './health.service';

class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded', 'down'] }) status: string;
}

class ServiceHealthDto {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['ok', 'degraded', 'down'] }) status: string;
  @ApiProperty() latency_ms: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Facts of the check' })
  details?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Why the check failed (its kind and message, never a connection string)' })
  error?: string;
}

class HealthDetailDto extends HealthDto {
  @ApiProperty() version: string;
  @ApiProperty() mode: string;
  @ApiProperty() uptime_s: number;
  @ApiProperty({ type: [ServiceHealthDto] }) services: ServiceHealthDto[];
}

@ApiTags('health')
@Public()
@ApiErrors(413)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Liveness: the process answers',
    description: 'No token needed. Always `{"status":"ok"}` while the app serves requests; it checks nothing else.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'The process answers' })
  check(): HealthDto {
    return { status: 'ok' };
  }

  @Get('detail')
  @ApiOperation({
    summary: 'Readiness: version, mode, uptime and every service check',
    description:
      'No token needed. Runs every registered check (database, sandbox pool, module store, external sources…), each within 5 s. ' +
      'The status is `down` (and the answer 503) when the database check fails, `degraded` when any other check is not ok, else `ok`.',
  })
  @ApiOkResponse({ type: HealthDetailDto, description: 'The database answers: status ok or degraded' })
  @ApiServiceUnavailableResponse({
    type: HealthDetailDto,
    description: 'The database is unreachable: the same body, with status down',
  })
  async detail(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDetailDto> {
    const services = await this.health.services();
    const status = this.health.overall(services);
    if (status === 'down') void reply.status(503);
    return {
      status,
      version: this.config.version,
      mode: this.config.mode,
      uptime_s: this.health.uptimeSeconds,
      services,
    };
  }

  /** The list shape of every list (docs/architecture.md#lists). */
  @Get('services')
  @ApiOperation({
    summary: 'The service checks, as a list',
    description:
      'No token needed. The checks of `/health/detail` in the list envelope of every list (`items`, `total`, `page`, `page_size`, `pages`); ' +
      'always 200, whatever the checks found.',
  })
  @ApiPageResponse(ServiceHealthDto)
  @ApiErrors({ 400: 'page or page_size out of range; unknown query parameter' })
  services(@Query() query: PaginationQueryDto): Promise<Page<ServiceHealth>> {
    return this.health.list(query);
  }
}
