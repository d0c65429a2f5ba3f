import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../common/decorators';
import { AppConfig } from '../config/app-config';
import { BODY_LIMIT_BYTES, MAX_CODE_BYTES, MAX_STDOUT_BYTES, MAX_TIMEOUT_MS } from '../common/limits';
import { SettingsService } from '../settings/settings.service';
import { SecurityPolicyDto } from '../settings/dto/security-policy.dto';

class SandboxLimitsDto {
  @ApiProperty() memory_mb: number;
  @ApiProperty() max_result_size: number;
  @ApiProperty() max_concurrency: number;
  @ApiProperty() queue_size: number;
  @ApiProperty() workers: number;
  @ApiProperty() max_timeout_ms: number;
  @ApiProperty() max_code_bytes: number;
  @ApiProperty() max_stdout_bytes: number;
}

class AppConfigDto {
  @ApiProperty() version: string;
  @ApiProperty({ enum: ['local', 'remote'] }) mode: string;
  @ApiProperty({ example: 'http://localhost:8000/mcp' }) mcp_url: string;
  @ApiProperty() max_body_bytes: number;
  @ApiProperty({ type: SandboxLimitsDto }) sandbox: SandboxLimitsDto;
  @ApiProperty({ type: SecurityPolicyDto }) policy: SecurityPolicyDto;
}

@ApiTags('system')
@Authenticated()
@Controller('api/config')
export class SystemController {
  constructor(
    private readonly config: AppConfig,
    private readonly settings: SettingsService,
  ) {}

  @Get()
  @ApiOkResponse({ type: AppConfigDto, description: 'Version, mode, MCP URL, limits and the policy in force' })
  get(): AppConfigDto {
    const { sandbox } = this.config;
    return {
      version: this.config.version,
      mode: this.config.mode,
      mcp_url: `${this.config.publicUrl}/mcp`,
      max_body_bytes: BODY_LIMIT_BYTES,
      sandbox: {
        memory_mb: sandbox.memoryMb,
        max_result_size: sandbox.maxResultSize,
        max_concurrency: sandbox.maxConcurrency,
        queue_size: sandbox.queueSize,
        workers: sandbox.workers,
        max_timeout_ms: MAX_TIMEOUT_MS,
        max_code_bytes: MAX_CODE_BYTES,
        max_stdout_bytes: MAX_STDOUT_BYTES,
      },
      policy: this.settings.getPolicy(),
    };
  }
}
