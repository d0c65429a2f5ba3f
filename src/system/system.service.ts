import { Injectable } from '@nestjs/common';
import { ACTIVITY_STREAM_PATH } from '../activity/stream/activity-stream.constants';
import { BODY_LIMIT_BYTES, MAX_CODE_BYTES, MAX_STDOUT_BYTES, MAX_TIMEOUT_MS } from '../common/limits';
import { AppConfig } from '../config/app-config';
import { SettingsService } from '../settings/settings.service';
import type { AppConfigDto } from './dto/app-config.dto';

/** `GET /api/config` (docs/architecture.md#dashboard-config-and-health): what this instance is and runs under; never a secret. */
@Injectable()
export class SystemService {
  constructor(
    private readonly config: AppConfig,
    private readonly settings: SettingsService,
  ) {}

  describe(): AppConfigDto {
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
      activity_stream_path: ACTIVITY_STREAM_PATH,
      metrics_path: '/metrics',
      metrics_token_set: this.config.metricsToken !== undefined,
    };
  }
}
