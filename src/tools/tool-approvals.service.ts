import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, invalid, notFound } from '../common/errors';
import { containsPattern } from '../common/like';
import { pageRequest, toPage, type Page } from '../common/pagination';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { ServersService } from '../servers/servers.service';
import { SettingsService } from '../settings/settings.service';
import { mapTool, type ToolDto } from './dto/tool.dto';
import { Tool } from './entities/tool.entity';
import {
  mapToolApproval,
  type ApproveToolInput,
  type RejectToolInput,
  type RequestPublishDto,
  type RevokeToolDto,
  type ToolActionDto,
  type ToolApprovalDto,
  type ToolQueueQueryDto,
} from './dto/tool-approval.dto';
import {
  AUTO_APPROVER,
  checkActionFields,
  checkDecision,
  toPendingReview,
  type ToolDecision,
} from './tool-approval-state';

/** Blank text is no text. */
const text = (value: string | null | undefined): string | undefined => value?.trim() || undefined;

/**
 * The tool approval queue (docs/approvals.md#decisions). `requestPublish` is what an LLM may call; approve,
 * reject and revoke are the admin's alone: an LLM can never approve anything. Every
 * decision is audited and published so the sandbox and the gateway follow at once.
 */
@Injectable()
export class ToolApprovalsService {
  constructor(
    @InjectRepository(Tool) private readonly tools: Repository<Tool>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly settings: SettingsService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
    private readonly access: AccessPolicy,
  ) {}

  /** Submit for review (draft or rejected → pending_review); under auto_approve it is approved at once. */
  async requestPublish(actor: Actor, toolId: string, dto: RequestPublishDto): Promise<ToolDto> {
    this.access.requireMayChange(actor);
    const notes = text(dto.notes);
    return this.decide(toolId, 'submit_for_review', actor, (tool, now) => {
      toPendingReview(tool, now);
      tool.publishNotes = notes ?? null;
      if (this.settings.get('tool_approval_mode') === 'auto_approve') {
        approveNow(tool, AUTO_APPROVER, now);
        return {
          message: `Tool ${tool.name} submitted by ${actor.name} and approved at once (tool_approval_mode=auto_approve)`,
          details: { notes: notes ?? null, auto_approved: true },
        };
      }
      return { message: `Tool ${tool.name} submitted for review by ${actor.name}`, details: { notes: notes ?? null } };
    });
  }

  async approve(actor: Actor, toolId: string, dto: ApproveToolInput): Promise<ToolDto> {
    requireAdmin(actor, 'approve a tool');
    const notes = text(dto.notes);
    return this.decide(toolId, 'approve', actor, (tool, now) => {
      sameVersion(tool, dto.version, 'approve');
      approveNow(tool, actor.name, now);
      return {
        message: `Tool ${tool.name} approved by ${actor.name}`,
        details: { reviewer: actor.name, notes: notes ?? null },
      };
    });
  }

  async reject(actor: Actor, toolId: string, dto: RejectToolInput): Promise<ToolDto> {
    requireAdmin(actor, 'reject a tool');
    const why = text(dto.reason);
    if (!why)
      throw invalid('reason is required to reject a tool (tell the author what to change)', { fields: ['reason'] });
    return this.decide(toolId, 'reject', actor, (tool) => {
      sameVersion(tool, dto.version, 'reject');
      tool.approvalStatus = 'rejected';
      tool.rejectionReason = why;
      tool.approvedAt = null;
      tool.approvedBy = null;
      return {
        message: `Tool ${tool.name} rejected by ${actor.name}: ${why}`,
        details: { reviewer: actor.name, reason: why },
      };
    });
  }

  /** approved → pending_review; the sandbox unloads it when the change is published. */
  async revoke(actor: Actor, toolId: string, dto: RevokeToolDto): Promise<ToolDto> {
    requireAdmin(actor, 'revoke a tool approval');
    const why = text(dto.reason);
    return this.decide(toolId, 'revoke', actor, (tool, now) => {
      toPendingReview(tool, now);
      return {
        message: `Approval of tool ${tool.name} revoked by ${actor.name}${why ? `: ${why}` : ''}`,
        details: { reviewer: actor.name, reason: why ?? null },
      };
    });
  }

  /** The `POST /api/approvals/tools/{id}/action` dispatcher; a field the action does not use is a 400, not dropped. */
  async act(actor: Actor, toolId: string, dto: ToolActionDto): Promise<ToolDto> {
    checkActionFields(dto);
    switch (dto.action) {
      case 'approve':
        return this.approve(actor, toolId, dto);
      case 'reject':
        return this.reject(actor, toolId, dto);
      case 'submit_for_review':
        return this.requestPublish(actor, toolId, dto);
    }
  }

  /** The queue, each tool with its code and its server's name; oldest request first. */
  async listQueue(_actor: Actor, query: ToolQueueQueryDto): Promise<Page<ToolApprovalDto>> {
    const status = query.status ?? 'pending_review';
    const req = pageRequest(query);
    const qb = this.uow.with(this.tools).createQueryBuilder('tool');
    if (status !== 'all') qb.andWhere('tool.approvalStatus = :status', { status });
    const search = query.search?.trim();
    if (search) {
      const like = containsPattern(search);
      const serverIds = await this.servers.idsNamedLike(search);
      qb.andWhere(
        new Brackets((w) => {
          w.where('tool.name ILIKE :like', { like }).orWhere('tool.description ILIKE :like', { like });
          if (serverIds.length) w.orWhere('tool.serverId IN (:...serverIds)', { serverIds });
        }),
      );
    }
    const [items, total] = await qb
      .orderBy('tool.approvalRequestedAt', 'ASC', 'NULLS LAST')
      .addOrderBy('tool.createdAt', 'ASC')
      .addOrderBy('tool.id', 'ASC')
      .skip(req.skip)
      .take(req.take)
      .getManyAndCount();
    const names = await this.servers.namesOf(items.map((t) => t.serverId));
    return toPage(
      items.map((t) => mapToolApproval(t, names.get(t.serverId) ?? '')),
      total,
      req,
    );
  }

  /** Locks the tool, checks the transition, applies it, audits it; publishes after the commit. */
  private async decide(
    toolId: string,
    decision: ToolDecision,
    actor: Actor,
    apply: (tool: Tool, now: Date) => { message: string; details: Record<string, unknown> },
  ): Promise<ToolDto> {
    return this.uow.run(async () => {
      const repo = this.uow.with(this.tools);
      const tool = await repo.findOne({ where: { id: toolId }, lock: { mode: 'pessimistic_write' } });
      if (!tool) throw notFound('Tool', toolId);
      checkDecision(tool, decision);
      const before = tool.approvalStatus;
      const { message, details } = apply(tool, new Date());
      const saved = await repo.save(tool);
      await this.activity.audit(actor, {
        message,
        details: {
          tool_id: saved.id,
          decision,
          approval_status: { from: before, to: saved.approvalStatus },
          version: saved.currentVersion,
          ...details,
        },
        serverId: saved.serverId,
      });
      await this.changes.publish({ serverId: saved.serverId, kind: 'tools', toolId: saved.id });
      return mapTool(saved);
    });
  }
}

function approveNow(tool: Tool, by: string, now: Date): void {
  tool.approvalStatus = 'approved';
  tool.approvedAt = now;
  tool.approvedBy = by;
  tool.rejectionReason = null;
}

/** The decision is about what the reviewer read: an edit since then (a new version) must be reviewed first. */
function sameVersion(tool: Tool, version: number | undefined, what: string): void {
  if (version !== undefined && version !== tool.currentVersion) {
    throw conflict(
      `Cannot ${what} tool ${tool.name} at version ${version}: it was changed since and is now at version ${tool.currentVersion}; review that version`,
    );
  }
}
