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

@Module({
  imports: [ConfigModule, LoggingModule, DatabaseModule, CryptoModule, ActivityModule, ServerChangesModule, HealthModule, AuthModule, SettingsModule, SystemModule],
})
export class AppModule {}
