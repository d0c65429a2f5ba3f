import { Module } from '@nestjs/common';
import { ActivityModule } from './activity/activity.module';
import { AuthModule } from './auth/auth.module';
import { LoggingModule } from './common/logging.module';
import { ConfigModule } from './config/config.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
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
import { SandboxModule } from './sandbox/sandbox.module';
import { McpModule } from './mcp/mcp.module';

@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    DatabaseModule,
    CryptoModule,
    ActivityModule,
    ServerChangesModule,
    HealthModule,
    AuthModule,
    SettingsModule,
    SystemModule,
    ServersModule,
    ToolsModule,
    ApprovalsModule,
    SecretsModule,
    NetworkAccessModule,
    ExportModule,
    SandboxModule,
    McpModule,
  ],
})
export class AppModule {}
