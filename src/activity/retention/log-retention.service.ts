import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SettingsService } from '../../settings/settings.service';
import { ActivityService } from '../activity.service';

/** A table of logs the retention job keeps short: deletes one batch older than `cutoff`, answers how many rows went. */
export interface RetentionTarget {
  table: string;
  purgeBatch(cutoff: Date, batchSize: number): Promise<number>;
}

export interface RetentionResult {
  retentionDays: number;
  cutoff: Date;
  /** Rows removed, by table. */
  removed: Record<string, number>;
}

/** Rows per DELETE: each statement holds its row locks for milliseconds, never the table. */
export const RETENTION_BATCH = 1000;
const EVERY_MS = 60 * 60_000;
/** The first run, a minute after start-up (not in the middle of it). */
const FIRST_RUN_MS = 60_000;

/** One batch of a log table: the oldest rows first, through its created_at index. */
export function purgeOldest(db: DataSource, table: string): RetentionTarget['purgeBatch'] {
  return async (cutoff, batchSize) => {
    const [, affected] = (await db.query(
      `DELETE FROM "${table}" WHERE id IN (SELECT id FROM "${table}" WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
      [cutoff, batchSize],
    )) as [unknown, number];
    return affected;
  };
}

/**
 * Log retention (docs/architecture.md#retention): activity entries and execution logs older than the setting
 * `log_retention_days` are deleted, hourly from start-up and on demand (`purge`), in
 * batches with a pause between them so that no table is locked for long and the writers
 * keep going; the job says what it removed (a `system` activity entry and the log).
 * Features register their log tables (`register`); `activity_logs` is the job's own.
 */
@Injectable()
export class LogRetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(LogRetentionService.name);
  private readonly targets: RetentionTarget[] = [];
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<RetentionResult> | null = null;

  constructor(
    @InjectDataSource() db: DataSource,
    private readonly settings: SettingsService,
    private readonly activity: ActivityService,
  ) {
    this.register({ table: 'activity_logs', purgeBatch: purgeOldest(db, 'activity_logs') });
  }

  register(target: RetentionTarget): void {
    this.targets.push(target);
  }

  onApplicationBootstrap(): void {
    const run = () =>
      void this.purge().catch((err: unknown) =>
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'The log retention job failed'),
      );
    this.timers = [setTimeout(run, FIRST_RUN_MS), setInterval(run, EVERY_MS)];
    for (const t of this.timers) t.unref();
  }

  onModuleDestroy(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  /** Deletes what is older than the retention; one run at a time (a second caller shares it). */
  purge(now = new Date()): Promise<RetentionResult> {
    this.running ??= this.run(now).finally(() => (this.running = null));
    return this.running;
  }

  private async run(now: Date): Promise<RetentionResult> {
    const retentionDays = this.settings.get('log_retention_days');
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
    const removed: Record<string, number> = {};
    for (const target of this.targets) {
      removed[target.table] = 0;
      for (;;) {
        const n = await target.purgeBatch(cutoff, RETENTION_BATCH);
        removed[target.table] += n;
        if (n < RETENTION_BATCH) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const total = Object.values(removed).reduce((a, b) => a + b, 0);
    if (total > 0) {
      const parts = Object.entries(removed).map(([table, n]) => `${n} from ${table}`);
      const message = `Log retention: removed ${parts.join(', ')} (older than ${retentionDays} days, before ${cutoff.toISOString()})`;
      this.log.log({ removed, retention_days: retentionDays }, message);
      await this.activity.record({
        logType: 'system',
        message,
        details: { retention_days: retentionDays, cutoff: cutoff.toISOString(), removed },
      });
    } else {
      this.log.debug({ retention_days: retentionDays }, 'Log retention: nothing to remove');
    }
    return { retentionDays, cutoff, removed };
  }
}
