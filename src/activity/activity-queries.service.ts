import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Actor } from '../common/actor';
import { containsPattern } from '../common/like';
import { pageRequest, toPage, type Page } from '../common/pagination';
import {
  DEFAULT_RECENT,
  DEFAULT_WINDOW_MINUTES,
  mapActivityLog,
  type ActivityLogDto,
  type ActivityLogsQueryDto,
  type ActivityStatsDto,
  type ActivityStatsQueryDto,
  type RecentActivityDto,
  type RecentActivityQueryDto,
} from './dto/activity.dto';
import { ActivityLog, LOG_LEVELS, LOG_TYPES, type LogLevel, type LogType } from './entities/activity-log.entity';

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Reading the activity trail (docs/architecture.md#activity): the filtered log, the stats of a window and the
 * latest entries. Every filter is a condition on an indexed column (log_type, level and
 * server_id each lead an index with created_at; the message search has a trigram index),
 * and `search` is an ILIKE pattern with its wildcards escaped.
 */
@Injectable()
export class ActivityQueriesService {
  constructor(@InjectRepository(ActivityLog) private readonly logs: Repository<ActivityLog>) {}

  async list(_actor: Actor, query: ActivityLogsQueryDto): Promise<Page<ActivityLogDto>> {
    const page = pageRequest(query);
    const qb = this.logs.createQueryBuilder('a');
    if (query.log_type) qb.andWhere('a.log_type = :logType', { logType: query.log_type });
    if (query.level) qb.andWhere('a.level = :level', { level: query.level });
    if (query.server_id) qb.andWhere('a.server_id = :serverId', { serverId: query.server_id });
    if (query.from) qb.andWhere('a.created_at >= :from', { from: new Date(query.from) });
    if (query.to) qb.andWhere('a.created_at <= :to', { to: new Date(query.to) });
    if (query.search) qb.andWhere('a.message ILIKE :search', { search: containsPattern(query.search) });
    const [items, total] = await qb
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .skip(page.skip)
      .take(page.take)
      .getManyAndCount();
    return toPage(items.map(mapActivityLog), total, page);
  }

  async recent(_actor: Actor, query: RecentActivityQueryDto): Promise<RecentActivityDto> {
    return { items: await this.latest(query.limit ?? DEFAULT_RECENT) };
  }

  /** The latest entries, newest first (the dashboard shows them too). */
  async latest(limit: number): Promise<ActivityLogDto[]> {
    const rows = await this.logs.find({ order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
    return rows.map(mapActivityLog);
  }

  /**
   * Counts by type and level, the share of entries at level error, and the percentiles of
   * the durations recorded in the window (MCP requests and tool executions carry one).
   */
  async stats(_actor: Actor, query: ActivityStatsQueryDto, now = new Date()): Promise<ActivityStatsDto> {
    const windowMinutes = query.window_minutes ?? DEFAULT_WINDOW_MINUTES;
    const from = new Date(now.getTime() - windowMinutes * 60_000);
    const range = 'created_at >= $1 AND created_at <= $2';
    const [groups, durations] = await Promise.all([
      this.logs.query<{ log_type: string; level: string; n: number }[]>(
        `SELECT log_type, level, count(*)::int AS n FROM activity_logs WHERE ${range} GROUP BY log_type, level`,
        [from, now],
      ),
      this.logs.query<{ count: number; p50: number | null; p95: number | null; p99: number | null }[]>(
        `SELECT count(duration_ms)::int AS count,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
           FROM activity_logs WHERE ${range} AND duration_ms IS NOT NULL`,
        [from, now],
      ),
    ]);
    const byType = Object.fromEntries(LOG_TYPES.map((t) => [t, 0])) as Record<LogType, number>;
    const byLevel = Object.fromEntries(LOG_LEVELS.map((l) => [l, 0])) as Record<LogLevel, number>;
    let total = 0;
    for (const g of groups) {
      total += g.n;
      if (g.log_type in byType) byType[g.log_type as LogType] += g.n;
      if (g.level in byLevel) byLevel[g.level as LogLevel] += g.n;
    }
    const d = durations[0];
    const pct = (v: number | null | undefined) => (v === null || v === undefined ? null : round2(Number(v)));
    return {
      window_minutes: windowMinutes,
      from: from.toISOString(),
      to: now.toISOString(),
      total,
      by_type: byType,
      by_level: byLevel,
      error_rate: total ? round4(byLevel.error / total) : 0,
      duration_ms: { count: d?.count ?? 0, p50: pct(d?.p50), p95: pct(d?.p95), p99: pct(d?.p99) },
    };
  }
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
