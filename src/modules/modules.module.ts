import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { moduleStoreDir } from '../health/checks/module-store.check';
import { ServersModule } from '../servers/servers.module';
import { GlobalConfig } from './entities/global-config.entity';
import { InstalledModuleRecord } from './entities/installed-module.entity';
import { ModuleRequest } from './entities/module-request.entity';
import { ModuleInstallsService } from './module-installs.service';
import { ModuleRequestsService } from './module-requests.service';
import { ModuleStoreService } from './module-store.service';
import { ModulesController } from './modules.controller';
import { ModulesService } from './modules.service';
import { PackageInstaller } from './packages/package-installer';

/**
 * Allowed npm modules: records, the derived cache, the module requests and their queue,
 * and the module store (`<DATA_DIR>/modules`, bundles the sandbox imports) with the
 * `/api/settings/modules` routes.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ModuleRequest, GlobalConfig, InstalledModuleRecord]), ServersModule],
  controllers: [ModulesController],
  providers: [
    {
      provide: PackageInstaller,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new PackageInstaller({
          registryUrl: config.npmRegistry,
          storeDir: moduleStoreDir(config.dataDir),
          limits: { maxBundleBytes: config.moduleMaxBundleBytes },
        }),
    },
    ModuleInstallsService,
    ModulesService,
    ModuleRequestsService,
    ModuleStoreService,
  ],
  exports: [ModulesService, ModuleRequestsService, ModuleStoreService, PackageInstaller],
})
export class ModulesModule {}
