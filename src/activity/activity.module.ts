import { Global, Module, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityBuffer } from './activity-buffer';
import { ActivityQueriesService } from './activity-queries.service';
import { ActivityController } from './activity.controller';
import { ActivityService } from './activity.service';
import { ActivityLog } from './entities/activity-log.entity';
import { LogRetentionService } from './retention/log-retention.service';

/**
 * The activity trail: writing entries (in a transaction, or behind the hot paths), reading
 * them (`/api/activity/logs|stats|recent`). Global: every feature records its audit entries.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ActivityLog])],
  controllers: [ActivityController],
  providers: [ActivityBuffer, ActivityService, ActivityQueriesService, LogRetentionService],
  exports: [ActivityService, ActivityQueriesService, LogRetentionService],
})
export class ActivityModule implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly activity: ActivityService) {}

  /** A global module shuts down after the features: what their last calls enqueued is written here. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.activity.drain();
  }

  /** Requests that were still running when the HTTP server closed; before the data source closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.activity.drain();
  }
}
