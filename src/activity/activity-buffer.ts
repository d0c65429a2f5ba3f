import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { GroupCommitQueue } from '../common/group-commit';
import type { OrderedMoment } from '../common/ordered-time';
import { pgJson, pgText } from '../common/pg-safe';
import type { ActivityLog, LogLevel, LogType } from './entities/activity-log.entity';

/** An entry as it waits in the buffer: its id and time given when it happened, not when it is written. */
export interface BufferedEntry {
  id: string;
  /** When it happened, to the microsecond (`orderedNow`): entries of one batch keep the order they happened in. */
  at: OrderedMoment;
  serverId: string | null;
  logType: LogType;
  level: LogLevel;
  message: string;
  details: Record<string, unknown> | null;
  requestId: string | null;
  durationMs: number | null;
}

/** Rows per INSERT: one statement of nine array parameters, whatever the count. */
const BATCH_SIZE = 1000;
/** Under sustained traffic a write starts at most this often (group commit, as the execution logs). */
const MIN_WRITE_INTERVAL_MS = 50;
/**
 * What may wait while the database does not answer; past it the oldest entries are dropped
 * (and counted in the log), so an outage cannot exhaust the memory of the app.
 */
export const MAX_PENDING = 200_000;

/**
 * One INSERT for a whole batch. An entry of a server deleted meanwhile is left out, as the
 * server's other entries went with it (ON DELETE CASCADE); every other row is written.
 */
const INSERT = `
  INSERT INTO activity_logs (id, created_at, updated_at, server_id, log_type, level, message, details, request_id, duration_ms)
  SELECT u.id, u.created_at, u.created_at, u.server_id, u.log_type, u.level, u.message, u.details, u.request_id, u.duration_ms
    FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::varchar[], $5::varchar[], $6::text[], $7::jsonb[], $8::varchar[], $9::int[])
         AS u(id, created_at, server_id, log_type, level, message, details, request_id, duration_ms)
   WHERE u.server_id IS NULL OR EXISTS (SELECT 1 FROM servers s WHERE s.id = u.server_id)
  RETURNING id`;

/**
 * The write-behind buffer of the entries that belong to no transaction (MCP requests, tool
 * executions), on a group-commit queue: `push` costs the caller an array push, and the
 * entries pushed close together share one INSERT. `drain()` (shutdown) writes everything
 * pushed so far.
 */
@Injectable()
export class ActivityBuffer {
  private readonly log = new Logger(ActivityBuffer.name);
  private readonly queue = new GroupCommitQueue<BufferedEntry>({
    batchSize: BATCH_SIZE,
    minIntervalMs: MIN_WRITE_INTERVAL_MS,
    write: (batch) => this.write(batch),
  });
  private written: ((entries: ActivityLog[]) => void) | null = null;
  /** Entries dropped because the buffer was full or the database refused them (since start-up). */
  lost = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Called with each written batch (the activity service notifies its listeners). */
  onWritten(callback: (entries: ActivityLog[]) => void): void {
    this.written = callback;
  }

  push(entry: BufferedEntry): void {
    this.queue.push(entry);
    const dropped = this.queue.trimTo(MAX_PENDING);
    if (dropped) {
      this.lost += dropped;
      this.log.error({ dropped }, 'The activity buffer is full (is the database down?): dropped the oldest entries');
    }
  }

  get size(): number {
    return this.queue.size;
  }

  /** Resolves when every entry pushed so far has been written (or given up). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  /** One attempt, and a second one for a batch refused by a race (a server deleted between the check and the insert). */
  private async write(batch: BufferedEntry[]): Promise<void> {
    let rows: InsertedRow[];
    try {
      rows = await this.insert(batch);
    } catch {
      try {
        rows = await this.insert(batch);
      } catch (err) {
        this.lost += batch.length;
        this.log.error(
          { err: err instanceof Error ? err.message.slice(0, 300) : String(err), entries: batch.length },
          'Could not write activity entries',
        );
        return;
      }
    }
    if (!this.written || !rows.length) return;
    // Entries of a server deleted meanwhile were left out.
    const ids = rows.length === batch.length ? null : new Set(rows.map((r) => r.id));
    const kept = ids ? batch.filter((e) => ids.has(e.id)) : batch;
    this.written(kept.map(({ at, ...e }) => ({ ...e, createdAt: at.date, updatedAt: at.date })));
  }

  private async insert(batch: BufferedEntry[]): Promise<InsertedRow[]> {
    return this.db.query<InsertedRow[]>(INSERT, [
      batch.map((e) => e.id),
      batch.map((e) => e.at.text),
      batch.map((e) => e.serverId),
      batch.map((e) => e.logType),
      batch.map((e) => e.level),
      batch.map((e) => pgText(e.message)),
      batch.map((e) => pgJson(e.details)),
      batch.map((e) => e.requestId),
      batch.map((e) => e.durationMs),
    ]);
  }
}

interface InsertedRow {
  id: string;
}
