import { Injectable } from '@nestjs/common';
import { ActivityQueriesService } from '../activity/activity-queries.service';
import { ApprovalsService } from '../approvals/approvals.service';
import type { Actor } from '../common/actor';
import { ExecutionStatsService } from '../sandbox/execution-stats.service';
import { ServersService } from '../servers/servers.service';
import type { DashboardDto } from './dto/dashboard.dto';

const WINDOW_HOURS = 24;
const TOP_TOOLS = 10;
const RECENT = 10;

const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

/**
 * `GET /api/dashboard` (docs/architecture.md#dashboard-config-and-health): one read of every feature's figures, each through its
 * owner — servers, the approval queues (their stats), the execution log (calls of the
 * last 24 hours, test runs excluded) and the activity trail.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly servers: ServersService,
    private readonly approvals: ApprovalsService,
    private readonly executions: ExecutionStatsService,
    private readonly activity: ActivityQueriesService,
  ) {}

  async get(actor: Actor, now = new Date()): Promise<DashboardDto> {
    const since = new Date(now.getTime() - WINDOW_HOURS * 3_600_000);
    const [servers, approvals, summary, top, hourly, recent] = await Promise.all([
      this.servers.countByStatus(),
      this.approvals.stats(actor),
      this.executions.summary(since, now),
      this.executions.topTools(since, now, TOP_TOOLS),
      this.executions.hourly(now, WINDOW_HOURS),
      this.activity.latest(RECENT),
    ]);
    const names = await this.servers.namesOf(top.map((t) => t.serverId));
    const tools = approvals.tools;
    return {
      generated_at: now.toISOString(),
      servers: { total: sum(servers), running: servers.running },
      tools: { total: sum(tools), approved: tools.approved, pending: tools.pending_review },
      pending_approvals: {
        tools: tools.pending_review,
        modules: approvals.modules.pending,
        network: approvals.network.pending,
        total: tools.pending_review + approvals.modules.pending + approvals.network.pending,
      },
      executions: {
        from: since.toISOString(),
        to: now.toISOString(),
        total: summary.calls,
        errors: summary.errors,
        error_rate: summary.calls ? Math.round((summary.errors / summary.calls) * 10_000) / 10_000 : 0,
        p50_duration_ms: round2(summary.p50),
        p95_duration_ms: round2(summary.p95),
      },
      top_tools: top.map((t) => ({
        server_id: t.serverId,
        server_name: names.get(t.serverId) ?? null,
        tool_name: t.toolName,
        calls: t.calls,
        errors: t.errors,
      })),
      hourly: hourly.map((h) => ({ from: h.from.toISOString(), calls: h.calls, errors: h.errors })),
      recent_activity: recent,
    };
  }
}

const sum = (counts: object): number => Object.values(counts as Record<string, number>).reduce((a, b) => a + b, 0);
