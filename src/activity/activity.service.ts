import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Actor } from '../common/actor';
import { orderedNow } from '../common/ordered-time';
import { currentRequestId } from '../common/request-context';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ActivityBuffer } from './activity-buffer';
import { ActivityLog, type LogLevel, type LogType } from './entities/activity-log.entity';

export interface ActivityEntry {
  logType: LogType;
  level?: LogLevel;
  message: string;
  details?: Record<string, unknown>;
  serverId?: string | null;
  /** Defaults to the id of the request the work belongs to (common/request-context.ts). */
  requestId?: string | null;
  durationMs?: number | null;
}

/** An audit entry: who did what; the actor's name and kind go into its details. */
export interface AuditEntry {
  message: string;
  details?: Record<string, unknown>;
  serverId?: string | null;
}

type Listener = (entry: ActivityLog) => void;

/**
 * The activity trail (docs/architecture.md#activity). An entry written with `record` inside a unit of work
 * commits or rolls back with it, and its listeners (the live stream) hear of it only after
 * the commit. Entries of the hot paths that belong to no transaction (MCP requests, tool
 * executions) go through `enqueue`: written behind in batches, heard of once written.
 * Details must never carry a secret value.
 */
@Injectable()
export class ActivityService {
  private readonly log = new Logger(ActivityService.name);
  private readonly listeners = new Set<Listener>();

  constructor(
    @InjectRepository(ActivityLog) private readonly logs: Repository<ActivityLog>,
    private readonly uow: UnitOfWork,
    private readonly buffer: ActivityBuffer,
  ) {
    buffer.onWritten((entries) => {
      for (const entry of entries) this.notify(entry);
    });
  }

  async record(entry: ActivityEntry): Promise<ActivityLog> {
    const repo = this.uow.with(this.logs);
    const saved = await repo.save(
      repo.create({
        level: 'info',
        ...entry,
        details: entry.details ?? null,
        serverId: entry.serverId ?? null,
        requestId: entry.requestId ?? currentRequestId() ?? null,
      }),
    );
    await this.uow.afterCommit(() => this.notify(saved));
    return saved;
  }

  /**
   * An entry of a hot path, outside any transaction: costs the caller an array push; the
   * entry keeps the time and request id of this moment and is written within milliseconds
   * (`drain` at shutdown writes what is left).
   */
  enqueue(entry: ActivityEntry): void {
    this.buffer.push({
      id: randomUUID(),
      at: orderedNow(),
      serverId: entry.serverId ?? null,
      logType: entry.logType,
      level: entry.level ?? 'info',
      message: entry.message,
      details: entry.details ?? null,
      requestId: entry.requestId ?? currentRequestId() ?? null,
      durationMs: entry.durationMs === undefined || entry.durationMs === null ? null : Math.round(entry.durationMs),
    });
  }

  /** Resolves when every enqueued entry has been written. */
  drain(): Promise<void> {
    return this.buffer.drain();
  }

  audit(actor: Actor, entry: AuditEntry): Promise<ActivityLog> {
    return this.record({
      logType: 'audit',
      message: entry.message,
      details: { actor: actor.name, actor_kind: actor.kind, ...entry.details },
      serverId: entry.serverId ?? null,
    });
  }

  /** Live subscribers (the activity stream); returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(entry: ActivityLog): void {
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (err) {
        this.log.warn({ err }, 'Activity listener failed');
      }
    }
  }
}
