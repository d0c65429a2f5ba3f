import { Global, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { checkDatabaseReachable } from './database-reachability';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';

/** Where the database is: `DATABASE_URL`, or an embedded PostgreSQL started for us. */
export class DatabaseLocation implements OnApplicationShutdown {
  private static readonly log = new Logger('Database');
  private static readonly serverLog = new Logger('EmbeddedPostgres');

  constructor(
    readonly url: string,
    private readonly embedded?: RunningPostgres,
  ) {}

  static async resolve(config: AppConfig): Promise<DatabaseLocation> {
    if (config.databaseUrl) {
      await checkDatabaseReachable(config.databaseUrl);
      return new DatabaseLocation(config.databaseUrl);
    }
    const started = Date.now();
    const pg = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
      fallbackDir: config.embeddedPostgresFallbackDir,
      onServerLog: (line) => (/\b(FATAL|PANIC):/.test(line) ? this.serverLog.warn(line) : this.serverLog.debug(line)),
    });
    this.log.log(
      `DATABASE_URL is not set: started the embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort} in ${Date.now() - started} ms, data in ${pg.clusterDir}`,
    );
    for (const note of pg.notes) this.log.log(note);
    return new DatabaseLocation(pg.url, pg);
  }

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.embedded?.stop();
  }
}

@Global()
@Module({
  providers: [
    { provide: DatabaseLocation, inject: [AppConfig], useFactory: (c: AppConfig) => DatabaseLocation.resolve(c) },
  ],
  exports: [DatabaseLocation],
})
class DatabaseLocationModule {}

@Module({
  imports: [
    DatabaseLocationModule,
    TypeOrmModule.forRootAsync({
      imports: [DatabaseLocationModule],
      inject: [DatabaseLocation],
      // No retries: the database was reached just before (DatabaseLocation), and a failing
      // migration does not get better by running it again.
      useFactory: (location: DatabaseLocation) => ({
        ...dataSourceOptions(location.url),
        migrationsRun: true,
        toRetry: () => false,
      }),
    }),
  ],
})
export class DatabaseModule {}
