import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/decorators';
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
  @ApiPropertyOptional({ type: Object }) details?: Record<string, unknown>;
  @ApiPropertyOptional() error?: string;
}

class HealthDetailDto extends HealthDto {
  @ApiProperty() version: string;
  @ApiProperty() mode: string;
  @ApiProperty() uptime_s: number;
  @ApiProperty({ type: [ServiceHealthDto] }) services: ServiceHealthDto[];
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOkResponse({ type: HealthDto })
  check(): HealthDto {
    return { status: 'ok' };
  }

  @Get('detail')
  @ApiOkResponse({ type: HealthDetailDto })
  @ApiServiceUnavailableResponse({ type: HealthDetailDto, description: 'The database is unreachable' })
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
  @ApiPageResponse(ServiceHealthDto)
  services(@Query() query: PaginationQueryDto): Promise<Page<ServiceHealth>> {
    return this.health.list(query);
  }
}
