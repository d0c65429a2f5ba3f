import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '../secrets/secrets.module';
import { ServersModule } from '../servers/servers.module';
import { ToolsModule } from '../tools/tools.module';
import { ExternalMcpSource } from './entities/external-mcp-source.entity';
import { ExternalSourcesController, SourceOAuthCallbackController } from './external-sources.controller';
import { ExternalSourcesService } from './external-sources.service';
import { SourceAuthorizationService } from './source-authorization.service';
import { SourceClients } from './source-clients';
import { SourceDiscoveryService } from './source-discovery.service';

/** External MCP sources (docs/architecture.md#external-sources): records, discovery, import, OAuth, and the calls of passthrough tools. */
@Module({
  imports: [TypeOrmModule.forFeature([ExternalMcpSource]), ServersModule, ToolsModule, SecretsModule],
  controllers: [ExternalSourcesController, SourceOAuthCallbackController],
  providers: [ExternalSourcesService, SourceClients, SourceDiscoveryService, SourceAuthorizationService],
  exports: [ExternalSourcesService, SourceDiscoveryService, SourceClients],
})
export class ExternalSourcesModule {}
