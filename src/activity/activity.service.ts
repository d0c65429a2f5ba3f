import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ActivityLog, type LogLevel, type LogType } from './entities/activity-log.entity';

export interface ActivityEntry {
  logType: LogType;
  level?: LogLevel;
  message: string;
  details?: Record<string, unknown>;
  serverId?: string | null;
  requestId?: string | null;
  durationMs?: number | null;
}

type Listener = (entry: ActivityLog) => void;

/**
 * The activity trail (SPEC §10). Callers pass a transaction's manager when the entry
 * must commit or roll back with their change. Details must never carry a secret value.
 */
@Injectable()
export class ActivityService {
  private readonly log = new Logger(ActivityService.name);
  private readonly listeners = new Set<Listener>();

  constructor(@InjectRepository(ActivityLog) private readonly logs: Repository<ActivityLog>) {}

  async record(entry: ActivityEntry, manager?: EntityManager): Promise<ActivityLog> {
    const repo = manager ? manager.getRepository(ActivityLog) : this.logs;
    const saved = await repo.save(
      repo.create({ level: 'info', ...entry, details: entry.details ?? null, serverId: entry.serverId ?? null }),
    );
    for (const listener of this.listeners) {
      try {
        listener(saved);
      } catch (err) {
        this.log.warn({ err }, 'Activity listener failed');
      }
    }
    return saved;
  }

  /** Live subscribers (the activity stream); returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
