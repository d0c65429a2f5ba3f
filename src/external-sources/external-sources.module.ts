import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServersModule } from '../servers/servers.module';
import { ExternalMcpSource } from './entities/external-mcp-source.entity';
import { ExternalSourcesService } from './external-sources.service';

/** The home of external MCP sources (discovery, passthrough and routes arrive with their issue). */
@Module({
  imports: [TypeOrmModule.forFeature([ExternalMcpSource]), ServersModule],
  providers: [ExternalSourcesService],
  exports: [ExternalSourcesService],
})
export class ExternalSourcesModule {}
