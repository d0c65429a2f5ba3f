import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Not, Repository } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict } from '../common/errors';
import { isUniqueViolation } from '../common/ids';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { mapToolSummary, type ToolSummaryDto } from './dto/tool.dto';
import { Tool, type JsonSchema } from './entities/tool.entity';
import { writeVersion } from './tool-version-snapshot';

/** One source tool to import: the MCPBox name chosen for it and the source's definition. */
export interface PassthroughImport {
  name: string;
  externalToolName: string;
  description: string;
  inputSchema: JsonSchema;
  /** The pinned part of the source's definition (name, description, inputSchema). */
  sourceDefinition: Record<string, unknown>;
}

/** A changed source definition for an imported tool (pinning, docs/architecture.md#external-sources). */
export interface PassthroughDefinitionChange {
  description: string;
  inputSchema: JsonSchema;
  sourceDefinition: Record<string, unknown>;
  diff: Record<string, unknown>;
  summary: string;
}

/**
 * The tools feature's side of external sources: `mcp_passthrough` tools (created by an
 * import, in draft), what the gateway serves of them, and what happens to them when their
 * source changes a definition (back to review, with the diff) or goes away (unlinked, with
 * a note). The external-sources feature decides when; the tool rules stay here.
 */
@Injectable()
export class PassthroughToolsService {
  constructor(
    @InjectRepository(Tool) private readonly tools: Repository<Tool>,
    private readonly uow: UnitOfWork,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  /** Creates the tools in draft, each with its version 1; a name taken meanwhile is a conflict. */
  async createImported(
    actor: Actor,
    serverId: string,
    sourceId: string,
    items: PassthroughImport[],
  ): Promise<ToolSummaryDto[]> {
    return this.uow.run(async () => {
      const repo = this.repo;
      const out: ToolSummaryDto[] = [];
      for (const item of items) {
        const tool = repo.create({
          serverId,
          name: item.name,
          description: item.description,
          inputSchema: item.inputSchema,
          enabled: true,
          timeoutMs: null,
          toolType: 'mcp_passthrough',
          code: null,
          mcpFeatures: [],
          externalSourceId: sourceId,
          externalToolName: item.externalToolName,
          sourceDefinition: item.sourceDefinition,
          definitionDiff: null,
          sourceNote: null,
          currentVersion: 1,
          approvalStatus: 'draft',
          createdBy: actor.name,
        });
        const saved = await repo.save(tool).catch((err: unknown) => {
          throw isUniqueViolation(err) ? conflict(`This server already has a tool named "${item.name}"`) : err;
        });
        await writeVersion(this.uow.manager, saved, 'import', `Imported from external tool ${item.externalToolName}`);
        out.push(mapToolSummary(saved));
      }
      if (items.length) await this.changes.publish({ serverId, kind: 'tools' });
      return out;
    });
  }

  /** The server's tool names (an import derives names that are not taken). */
  async namesOf(serverId: string): Promise<string[]> {
    return (await this.repo.find({ where: { serverId }, select: { name: true } })).map((t) => t.name);
  }

  /** The tools imported from this source. */
  linkedTo(sourceId: string): Promise<Tool[]> {
    return this.repo.find({ where: { externalSourceId: sourceId }, order: { name: 'ASC' } });
  }

  /** What the gateway may serve of these servers: approved, enabled passthrough tools still linked to a source. */
  servable(serverIds: string[]): Promise<Tool[]> {
    if (!serverIds.length) return Promise.resolve([]);
    return this.repo.find({
      where: {
        serverId: In(serverIds),
        toolType: 'mcp_passthrough',
        approvalStatus: 'approved',
        enabled: true,
        externalSourceId: Not(IsNull()),
      },
      order: { name: 'ASC' },
    });
  }

  /**
   * The source changed what an approval covered: the tool takes the new definition (a new
   * version), an approved tool goes back to pending_review and stops being served, and the
   * diff stays on the tool for the reviewer.
   */
  async applyDefinitionChange(actor: Actor, toolId: string, change: PassthroughDefinitionChange): Promise<void> {
    await this.uow.run(async () => {
      const repo = this.repo;
      const tool = await repo.findOne({ where: { id: toolId }, lock: { mode: 'pessimistic_write' } });
      if (!tool) return;
      const before = tool.approvalStatus;
      tool.description = change.description;
      tool.inputSchema = change.inputSchema;
      tool.sourceDefinition = change.sourceDefinition;
      tool.definitionDiff = change.diff;
      tool.currentVersion += 1;
      if (tool.approvalStatus === 'approved') {
        tool.approvalStatus = 'pending_review';
        tool.approvalRequestedAt = new Date();
        tool.approvedAt = null;
        tool.approvedBy = null;
      }
      const saved = await repo.save(tool);
      await writeVersion(this.uow.manager, saved, 'import', change.summary.slice(0, 500));
      await this.activity.audit(actor, {
        message: `Tool ${saved.name}: its external source changed the definition (${change.summary}); ${
          before === 'approved' ? 'back to pending_review' : `still ${saved.approvalStatus}`
        }`,
        details: {
          tool_id: saved.id,
          approval_status: { from: before, to: saved.approvalStatus },
          version: saved.currentVersion,
          definition_diff: change.diff,
        },
        serverId: saved.serverId,
      });
      await this.changes.publish({ serverId: saved.serverId, kind: 'tools', toolId: saved.id });
    });
  }

  /** A source's settings or status changed: the gateway reads its tools again. */
  sourceChanged(serverId: string): Promise<void> {
    return this.changes.publish({ serverId, kind: 'tools' });
  }

  /** The source is going away: its tools stay, unlinked (so never served), with a note saying why. */
  async unlinkSource(sourceId: string, note: string): Promise<number> {
    const repo = this.repo;
    const linked = await repo.find({ where: { externalSourceId: sourceId }, select: { id: true, serverId: true } });
    if (linked.length)
      await repo.update({ id: In(linked.map((t) => t.id)) }, { externalSourceId: null, sourceNote: note });
    for (const serverId of new Set(linked.map((t) => t.serverId)))
      await this.changes.publish({ serverId, kind: 'tools' });
    return linked.length;
  }

  private get repo(): Repository<Tool> {
    return this.uow.with(this.tools);
  }
}
