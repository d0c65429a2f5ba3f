import { Module } from '@nestjs/common';
import { NetworkAccessModule } from '../network-access/network-access.module';
import { SecretsModule } from '../secrets/secrets.module';
import { ServersModule } from '../servers/servers.module';
import { ToolsModule } from '../tools/tools.module';
import { ExportController } from './export.controller';
import { ExportService } from './export.service';
import { ExportSigner } from './export-signer';
import { ImportService } from './import.service';

@Module({
  imports: [ServersModule, ToolsModule, SecretsModule, NetworkAccessModule],
  controllers: [ExportController],
  providers: [ExportSigner, ExportService, ImportService],
  exports: [ExportService, ImportService],
})
export class ExportModule {}
