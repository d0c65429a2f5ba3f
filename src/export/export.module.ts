import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { IMPORT_BODY_LIMIT_BYTES } from '../common/limits';
import { ExternalSourcesModule } from '../external-sources/external-sources.module';
import { ModulesModule } from '../modules/modules.module';
import { NetworkAccessModule } from '../network-access/network-access.module';
import { SecretsModule } from '../secrets/secrets.module';
import { ServersModule } from '../servers/servers.module';
import { ToolsModule } from '../tools/tools.module';
import { ExportController } from './export.controller';
import { ExportService } from './export.service';
import { ExportSigner } from './export-signer';
import { ImportService } from './import.service';

export const IMPORT_ROUTE = '/api/export/import';

@Module({
  imports: [ServersModule, ToolsModule, SecretsModule, NetworkAccessModule, ModulesModule, ExternalSourcesModule],
  controllers: [ExportController],
  providers: [ExportSigner, ExportService, ImportService],
  exports: [ExportService, ImportService],
})
export class ExportModule {
  /**
   * What `GET /api/export/servers` writes must be importable: the import route alone gets
   * a larger body limit (Fastify's per-route option, set as the route is registered,
   * which happens after the modules are built).
   */
  constructor(adapterHost: HttpAdapterHost) {
    const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onRoute', (route: RouteOptions) => {
      if (route.url === IMPORT_ROUTE && route.method === 'POST') route.bodyLimit = IMPORT_BODY_LIMIT_BYTES;
    });
  }
}
