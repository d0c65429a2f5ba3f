import { ApiProperty } from '@nestjs/swagger';
import { SecurityPolicyDto } from '../../settings/dto/security-policy.dto';

export class SandboxLimitsDto {
  @ApiProperty() memory_mb: number;
  @ApiProperty() max_result_size: number;
  @ApiProperty() max_concurrency: number;
  @ApiProperty() queue_size: number;
  @ApiProperty() workers: number;
  @ApiProperty() max_timeout_ms: number;
  @ApiProperty() max_code_bytes: number;
  @ApiProperty() max_stdout_bytes: number;
}

export class AppConfigDto {
  @ApiProperty() version: string;
  @ApiProperty({ enum: ['local', 'remote'] }) mode: string;
  @ApiProperty({ example: 'http://localhost:8000/mcp' }) mcp_url: string;
  @ApiProperty() max_body_bytes: number;
  @ApiProperty({ type: SandboxLimitsDto }) sandbox: SandboxLimitsDto;
  @ApiProperty({ type: SecurityPolicyDto }) policy: SecurityPolicyDto;
  @ApiProperty({ example: '/api/activity/stream', description: 'socket.io path of the live activity stream' })
  activity_stream_path: string;
  @ApiProperty({ example: '/metrics', description: 'Prometheus metrics (loopback, or METRICS_TOKEN)' })
  metrics_path: string;
  @ApiProperty({ description: 'Whether METRICS_TOKEN is set (callers other than loopback may scrape with it)' })
  metrics_token_set: boolean;
}
