import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface ExecutionSummary {
  calls: number;
  errors: number;
  p50: number | null;
  p95: number | null;
}

export interface ToolCallCount {
  serverId: string;
  toolName: string;
  calls: number;
  errors: number;
}

export interface HourlyCalls {
  /** Start of the hour-long bucket. */
  from: Date;
  calls: number;
  errors: number;
}

/** Real calls only: test runs (test-code) are left out of every figure here. */
const WINDOW = 'created_at >= $1 AND created_at <= $2 AND NOT is_test';

/**
 * Figures over the execution log for the dashboard: calls, failures and duration
 * percentiles of a window, the most called tools, and calls per hour. Each is one grouped
 * query on the `created_at` index.
 */
@Injectable()
export class ExecutionStatsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async summary(since: Date, until: Date): Promise<ExecutionSummary> {
    const [row] = await this.db.query<{ calls: number; errors: number; p50: number | null; p95: number | null }[]>(
      `SELECT count(*)::int AS calls, count(*) FILTER (WHERE NOT success)::int AS errors,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM tool_execution_logs WHERE ${WINDOW}`,
      [since, until],
    );
    return {
      calls: row?.calls ?? 0,
      errors: row?.errors ?? 0,
      p50: row?.p50 === null || row?.p50 === undefined ? null : Number(row.p50),
      p95: row?.p95 === null || row?.p95 === undefined ? null : Number(row.p95),
    };
  }

  async topTools(since: Date, until: Date, limit: number): Promise<ToolCallCount[]> {
    const rows = await this.db.query<{ server_id: string; tool_name: string; calls: number; errors: number }[]>(
      `SELECT server_id, tool_name, count(*)::int AS calls, count(*) FILTER (WHERE NOT success)::int AS errors
         FROM tool_execution_logs WHERE ${WINDOW}
        GROUP BY server_id, tool_name
        ORDER BY calls DESC, tool_name, server_id
        LIMIT $3`,
      [since, until, limit],
    );
    return rows.map((r) => ({ serverId: r.server_id, toolName: r.tool_name, calls: r.calls, errors: r.errors }));
  }

  /** `hours` buckets of one hour each, the last one ending at `until`; buckets without calls count zero. */
  async hourly(until: Date, hours: number): Promise<HourlyCalls[]> {
    const since = new Date(until.getTime() - hours * 3_600_000);
    const rows = await this.db.query<{ bucket: number; calls: number; errors: number }[]>(
      `SELECT least(floor(extract(epoch FROM created_at - $1::timestamptz) / 3600), $3 - 1)::int AS bucket,
              count(*)::int AS calls, count(*) FILTER (WHERE NOT success)::int AS errors
         FROM tool_execution_logs WHERE ${WINDOW}
        GROUP BY 1`,
      [since, until, hours],
    );
    const byBucket = new Map(rows.map((r) => [r.bucket, r]));
    return Array.from({ length: hours }, (_, i) => ({
      from: new Date(since.getTime() + i * 3_600_000),
      calls: byBucket.get(i)?.calls ?? 0,
      errors: byBucket.get(i)?.errors ?? 0,
    }));
  }
}
