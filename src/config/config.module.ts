import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';
import { validateEnvironment } from './env.schema';

/**
 * @nestjs/config loads an optional `.env` into the environment and validates it once at
 * start-up (a bad value stops the app with one line naming the variable); `AppConfig`
 * is the typed view every module injects.
 */
@Global()
@Module({
  imports: [NestConfigModule.forRoot({ cache: true, validate: (raw) => ({ ...raw, ...validateEnvironment(raw) }) })],
  providers: [{ provide: AppConfig, useFactory: () => AppConfig.fromEnvironment(process.env) }],
  exports: [AppConfig],
})
export class ConfigModule {}
