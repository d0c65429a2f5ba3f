import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ExternalSourcesModule } from '../external-sources/external-sources.module';
import { MetricsService } from '../metrics/metrics.service';
import { ModulesModule } from '../modules/modules.module';
import { NetworkAccessModule } from '../network-access/network-access.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SecretsModule } from '../secrets/secrets.module';
import { ServersModule } from '../servers/servers.module';
import { SettingsModule } from '../settings/settings.module';
import { ToolsModule } from '../tools/tools.module';
import { mcpRoutes } from './http/mcp-routes';
import { LegacySessions } from './legacy-sessions';
import { McpEvents } from './mcp-events';
import { ManagementToolsProvider } from './management/management-tools.provider';
import { McpGateway } from './mcp-gateway.service';
import { McpServerFactory } from './mcp-server-factory';
import { ModernEndpoints } from './modern-endpoints';
import { PassthroughToolsProvider } from './passthrough-tools.provider';
import { SandboxToolsProvider } from './sandbox-tools.provider';
import { ToolAvailability } from './tool-availability';
import { ToolCatalog } from './tool-catalog';

/**
 * The MCP gateway (docs/architecture.md#the-mcp-gateway): `/mcp` and `/mcp/{server}` in both protocol eras, serving
 * the tool catalog's providers. Mounted on the app's own Fastify instance.
 */
@Module({
  imports: [
    SandboxModule,
    ServersModule,
    ToolsModule,
    SettingsModule,
    SecretsModule,
    ModulesModule,
    NetworkAccessModule,
    ExternalSourcesModule,
  ],
  providers: [
    McpEvents,
    ToolCatalog,
    SandboxToolsProvider,
    PassthroughToolsProvider,
    ToolAvailability,
    McpServerFactory,
    LegacySessions,
    ModernEndpoints,
    ManagementToolsProvider,
    McpGateway,
  ],
  exports: [ToolCatalog],
})
export class McpModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly gateway: McpGateway,
    private readonly sessions: LegacySessions,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.metrics.observeMcpSessions(() => this.sessions.size);
    this.metrics.observeListenStreams(() => this.gateway.listenStreams);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    await fastify.register(mcpRoutes(this.gateway));
  }
}
