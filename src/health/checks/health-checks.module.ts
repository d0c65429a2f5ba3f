import { Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ExternalSourcesModule } from '../../external-sources/external-sources.module';
import { ExternalSourcesService } from '../../external-sources/external-sources.service';
import { HealthService } from '../health.service';
import { moduleStoreCheck, moduleStoreDir } from './module-store.check';

/**
 * The checks of `/health/detail` and `/health/services` beyond the database and the
 * sandbox pool (which register their own): the module store folder and the external
 * sources, counted by status. States and counts only, never a URL or a credential.
 */
@Module({ imports: [ExternalSourcesModule] })
export class HealthChecksModule implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly config: AppConfig,
    private readonly sources: ExternalSourcesService,
  ) {}

  onModuleInit(): void {
    this.health.register('module_store', moduleStoreCheck(moduleStoreDir(this.config.dataDir)));
    this.health.register('external_sources', async () => {
      const byStatus = await this.sources.countByStatus();
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      const failing = byStatus.error + byStatus.needs_auth;
      return {
        status: failing ? 'degraded' : 'ok',
        details: { total, ...byStatus },
        ...(failing
          ? { error: `${failing} source(s) in error or needing authorization: their tools are not served` }
          : {}),
      };
    });
  }
}
