import type { McpInteractions } from './runtime/contract';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { GroupCommitQueue } from '../common/group-commit';
import { orderedNow } from '../common/ordered-time';
import { pgJson, pgText } from '../common/pg-safe';
import type { PageRequest } from '../common/pagination';
import { ToolExecutionLog } from './entities/tool-execution-log.entity';

/** One `tool_execution_logs` row as the executor hands it over (already redacted and cut). */
export interface ExecutionRecord {
  toolId: string | null;
  serverId: string;
  toolName: string;
  inputArgs: unknown;
  result: string | null;
  error: string | null;
  stdout: string | null;
  durationMs: number;
  success: boolean;
  isTest: boolean;
  executedBy: string | null;
  /** What passed between the tool and its MCP client (redacted), when anything did. */
  mcp?: McpInteractions | null;
}

/** A line of a server's sandbox log: an execution, or a lifecycle/error activity entry. */
export interface ServerLogLine {
  id: string;
  kind: 'execution' | 'lifecycle';
  created_at: Date;
  tool_id: string | null;
  tool_name: string | null;
  success: boolean | null;
  is_test: boolean | null;
  duration_ms: number | null;
  error: string | null;
  stdout: string | null;
  result: string | null;
  executed_by: string | null;
  level: string | null;
  message: string | null;
}

interface Pending {
  row: ExecutionRecord;
  /** When the call ended, to the microsecond (`orderedNow`): rows of one batch keep the order their calls ended in. */
  at: string;
  done: () => void;
}

const BATCH_SIZE = 500;

/**
 * Under sustained traffic, writes start at most this often: the rows of the calls made
 * in between share one INSERT (and one commit) instead of costing the app and the
 * database a statement each, which on a small machine takes CPU from the calls
 * themselves (`npm run bench`). A row after a quiet spell is written at once.
 */
const MIN_WRITE_INTERVAL_MS = 50;

/**
 * Writes execution rows with group commit: rows enqueued in the same turn of the event
 * loop, while a write is under way or within MIN_WRITE_INTERVAL_MS of the previous write
 * go in one INSERT, so logging costs a hot path no round trip of its own. A batch the
 * database refuses is retried row by row (a row whose tool was deleted meanwhile keeps
 * its data without the tool link), so one bad row never costs the others. `drain()` runs
 * at shutdown (and writes at once): no enqueued row is lost.
 */
@Injectable()
export class ExecutionLogsService {
  private readonly log = new Logger(ExecutionLogsService.name);
  private readonly queue = new GroupCommitQueue<Pending>({
    batchSize: BATCH_SIZE,
    minIntervalMs: MIN_WRITE_INTERVAL_MS,
    write: async (batch) => {
      try {
        await this.write(batch);
      } finally {
        for (const p of batch) p.done();
      }
    },
  });

  constructor(
    @InjectRepository(ToolExecutionLog) private readonly logs: Repository<ToolExecutionLog>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Enqueues a row; the promise settles (never rejects) once the row is written or given up. */
  record(row: ExecutionRecord): Promise<void> {
    return new Promise<void>((done) => this.queue.push({ row, at: orderedNow().text, done }));
  }

  /** Resolves when every row enqueued so far has been written. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  private async write(rows: Pending[]): Promise<void> {
    try {
      await this.insert(rows);
      return;
    } catch (err) {
      if (rows.length === 1) return this.writeOne(rows[0], err);
    }
    for (const row of rows) {
      try {
        await this.insert([row]);
      } catch (err) {
        await this.writeOne(row, err);
      }
    }
  }

  /** One prepared statement for the whole batch: thirteen array parameters, whatever the count. */
  private async insert(pending: Pending[]): Promise<void> {
    const rows = pending.map((p) => p.row);
    await this.db.query(INSERT, [
      pending.map((p) => p.at),
      rows.map((r) => r.toolId),
      rows.map((r) => r.serverId),
      rows.map((r) => pgText(r.toolName)),
      rows.map((r) => pgJson(r.inputArgs)),
      rows.map((r) => pgText(r.result)),
      rows.map((r) => pgText(r.error)),
      rows.map((r) => pgText(r.stdout)),
      rows.map((r) => Math.round(r.durationMs)),
      rows.map((r) => r.success),
      rows.map((r) => r.isTest),
      rows.map((r) => pgText(r.executedBy)),
      rows.map((r) => pgJson(r.mcp)),
    ]);
  }

  /** Last attempt for a refused row: without the tool link (the tool may be gone). */
  private async writeOne(pending: Pending, firstError: unknown): Promise<void> {
    const { row } = pending;
    try {
      if (row.toolId === null) throw firstError;
      await this.insert([{ ...pending, row: { ...row, toolId: null } }]);
    } catch (err) {
      // The server itself was deleted (its logs go with it) or the database is down.
      this.log.error(
        { err: describe(err), serverId: row.serverId, tool: row.toolName },
        'Could not write a tool execution log row',
      );
    }
  }

  /** Deletes up to `limit` of the oldest rows written before `cutoff` (the log retention job); answers how many went. */
  async purgeBefore(cutoff: Date, limit: number): Promise<number> {
    const [, affected] = (await this.db.query(
      `DELETE FROM tool_execution_logs
        WHERE id IN (SELECT id FROM tool_execution_logs WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
      [cutoff, limit],
    )) as [unknown, number];
    return affected;
  }

  /** The latest calls of one tool, newest first (test runs included). */
  ofTool(toolId: string, limit: number): Promise<ToolExecutionLog[]> {
    return this.logs.find({ where: { toolId }, order: { createdAt: 'DESC', id: 'ASC' }, take: limit });
  }

  /** The server's executions and lifecycle/error activity entries, newest first. */
  async serverLog(serverId: string, page: PageRequest): Promise<{ items: ServerLogLine[]; total: number }> {
    const [items, counts] = await Promise.all([
      this.db.query<ServerLogLine[]>(
        `SELECT * FROM (
           SELECT id, 'execution' AS kind, created_at, tool_id, tool_name, success, is_test, duration_ms, error, stdout, result, executed_by,
                  NULL::varchar AS level, NULL::text AS message
             FROM tool_execution_logs WHERE server_id = $1
           UNION ALL
           SELECT id, 'lifecycle' AS kind, created_at, NULL::uuid, NULL::varchar, NULL::boolean, NULL::boolean, duration_ms, NULL::text, NULL::text, NULL::text, NULL::varchar,
                  level, message
             FROM activity_logs WHERE server_id = $1 AND log_type IN ('system', 'error')
         ) AS lines
         ORDER BY created_at DESC, id
         LIMIT $2 OFFSET $3`,
        [serverId, page.take, page.skip],
      ),
      this.db.query<{ n: string }[]>(
        `SELECT (SELECT count(*) FROM tool_execution_logs WHERE server_id = $1)
              + (SELECT count(*) FROM activity_logs WHERE server_id = $1 AND log_type IN ('system', 'error')) AS n`,
        [serverId],
      ),
    ]);
    return { items, total: Number(counts[0]?.n ?? 0) };
  }
}

/** The rows of a batch in one statement (built once, not per write as a query builder would). */
const INSERT = `
  INSERT INTO tool_execution_logs
         (created_at, tool_id, server_id, tool_name, input_args, result, error, stdout, duration_ms, success, is_test,
          executed_by, mcp)
  SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::varchar[], $5::jsonb[], $6::text[], $7::text[],
                       $8::text[], $9::int[], $10::boolean[], $11::boolean[], $12::varchar[], $13::jsonb[])`;

function describe(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300);
}
