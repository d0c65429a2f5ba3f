import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { countByStatus } from '../common/count-by-status';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import type { ServerToolsReader } from '../servers/server-tools';
import { ServersService } from '../servers/servers.service';
import { mapToolSummary, type ToolSummaryDto } from './dto/tool.dto';
import { APPROVAL_STATUSES, Tool, type ApprovalStatus } from './entities/tool.entity';

/**
 * The reads other features make of tools (cross-feature reads go through the owning
 * feature): server views, the sandbox's loadable tools, the export, the approvals stats.
 */
@Injectable()
export class ToolQueriesService implements ServerToolsReader, OnModuleInit {
  constructor(
    @InjectRepository(Tool) private readonly tools: Repository<Tool>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
  ) {}

  onModuleInit(): void {
    this.servers.attachTools(this);
  }

  async countsByServer(serverIds: string[]): Promise<Map<string, number>> {
    if (!serverIds.length) return new Map();
    const rows = await this.repo
      .createQueryBuilder('t')
      .select('t.server_id', 'server_id')
      .addSelect('COUNT(*)::int', 'count')
      .where({ serverId: In(serverIds) })
      .groupBy('t.server_id')
      .getRawMany<{ server_id: string; count: number }>();
    return new Map(rows.map((r) => [r.server_id, Number(r.count)]));
  }

  async summariesOf(serverId: string): Promise<ToolSummaryDto[]> {
    return (await this.repo.find({ where: { serverId }, order: { name: 'ASC' } })).map(mapToolSummary);
  }

  /** What the sandbox loads: approved + enabled code tools (docs/approvals.md#tool-states). */
  loadable(serverId: string): Promise<Tool[]> {
    return this.repo.find({
      where: { serverId, approvalStatus: 'approved', enabled: true, toolType: 'code' },
      order: { name: 'ASC' },
    });
  }

  /** The server's tool of that name, or null (the MCP gateway explains why a name is not served). */
  byName(serverId: string, name: string): Promise<Tool | null> {
    return this.repo.findOneBy({ serverId, name });
  }

  /** Tools in these approval states, oldest request first (an LLM's pending requests), at most `limit`. */
  inApprovalStatus(statuses: ApprovalStatus[], serverId: string | undefined, limit: number): Promise<Tool[]> {
    return this.repo.find({
      where: statuses.map((approvalStatus) => ({ approvalStatus, ...(serverId ? { serverId } : {}) })),
      order: { approvalRequestedAt: 'ASC', name: 'ASC' },
      take: limit,
    });
  }

  /** Every tool of these servers, by name (the export). */
  async ofServers(serverIds: string[]): Promise<Tool[]> {
    if (!serverIds.length) return [];
    return this.repo.find({ where: { serverId: In(serverIds) }, order: { name: 'ASC' } });
  }

  countByStatus(): Promise<Record<ApprovalStatus, number>> {
    return countByStatus(this.repo, 'approvalStatus', APPROVAL_STATUSES);
  }

  private get repo(): Repository<Tool> {
    return this.uow.with(this.tools);
  }
}
