import { Module } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { ActivityModule } from './activity/activity.module';
import { ActivityStreamModule } from './activity/stream/activity-stream.module';
import { AuthModule } from './auth/auth.module';
import { LoggingModule } from './common/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RequestContextModule } from './common/request-context';
import { UnitOfWorkModule } from './common/unit-of-work/unit-of-work.module';
import { ConfigModule } from './config/config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { HealthChecksModule } from './health/checks/health-checks.module';
import { HealthModule } from './health/health.module';
import { ServerChangesModule } from './server-changes/server-changes.module';
import { SettingsModule } from './settings/settings.module';
import { SystemModule } from './system/system.module';
import { ServersModule } from './servers/servers.module';
import { ToolsModule } from './tools/tools.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { SecretsModule } from './secrets/secrets.module';
import { NetworkAccessModule } from './network-access/network-access.module';
import { ExportModule } from './export/export.module';
import { ExternalSourcesModule } from './external-sources/external-sources.module';
import { ModulesModule } from './modules/modules.module';
import { SandboxModule } from './sandbox/sandbox.module';
import { McpModule } from './mcp/mcp.module';

@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    DatabaseModule,
    UnitOfWorkModule,
    RequestContextModule,
    CryptoModule,
    ActivityModule,
    MetricsModule,
    ServerChangesModule,
    HealthModule,
    AuthModule,
    SettingsModule,
    AccessModule,
    SystemModule,
    ServersModule,
    ToolsModule,
    ApprovalsModule,
    SecretsModule,
    NetworkAccessModule,
    ModulesModule,
    ExternalSourcesModule,
    ExportModule,
    SandboxModule,
    McpModule,
    ActivityStreamModule,
    DashboardModule,
    HealthChecksModule,
  ],
})
export class AppModule {}
