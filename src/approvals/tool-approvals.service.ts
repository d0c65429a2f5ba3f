import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, Repository, type ObjectLiteral } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, forbidden, invalid, notFound } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { checkUuid } from '../common/ids';
import { SettingsService } from '../settings/settings.service';
import { APPROVAL_STATUSES, Tool, type ApprovalStatus } from '../tools/entities/tool.entity';
import { ModuleRequest } from './entities/module-request.entity';
import { NetworkAccessRequest } from './entities/network-access-request.entity';
import { REQUEST_STATUSES, type RequestStatus } from './entities/request-status';
import { AUTO_APPROVER, checkDecision, toPendingReview, type ToolDecision } from './tool-approval-state';

export const TOOL_ACTIONS = ['approve', 'reject', 'submit_for_review'] as const;
export type ToolAction = (typeof TOOL_ACTIONS)[number];

export interface ToolActionInput {
  action: ToolAction;
  reason?: string;
  notes?: string;
  /** approve/reject: the current_version the reviewer read; a later edit makes the decision a 409. */
  version?: number;
}

export interface ToolQueueQuery extends PaginationQueryDto {
  /** Default pending_review; 'all' for every state. */
  status?: ApprovalStatus | 'all';
  /** Case-insensitive, over tool name, tool description and server name. */
  search?: string;
}

export interface ApprovalStats {
  tools: Record<ApprovalStatus, number>;
  modules: Record<RequestStatus, number>;
  network: Record<RequestStatus, number>;
}

const MAX_TEXT = 2000;
const ACTION_FIELDS = ['reason', 'notes', 'version'] as const;
const FIELDS_OF: Record<ToolAction, readonly (typeof ACTION_FIELDS)[number][]> = {
  approve: ['notes', 'version'],
  reject: ['reason', 'version'],
  submit_for_review: ['notes'],
};
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The tool approval queue (SPEC §8). `requestPublish` is what an LLM may call; approve,
 * reject and revoke are the admin's alone: an LLM can never approve anything. Every
 * decision is audited and published so the sandbox and the gateway follow at once.
 */
@Injectable()
export class ToolApprovalsService {
  constructor(
    @InjectRepository(Tool) private readonly tools: Repository<Tool>,
    @InjectRepository(ModuleRequest) private readonly modules: Repository<ModuleRequest>,
    @InjectRepository(NetworkAccessRequest) private readonly network: Repository<NetworkAccessRequest>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly settings: SettingsService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  /** Submit for review (draft or rejected → pending_review); under auto_approve it is approved at once. */
  async requestPublish(toolId: string, notes: string | undefined, actor: Actor): Promise<Tool> {
    const text = optionalText(notes, 'notes');
    return this.decide(toolId, 'submit_for_review', actor, (tool, now) => {
      toPendingReview(tool, now);
      tool.publishNotes = text ?? null;
      if (this.settings.get('tool_approval_mode') === 'auto_approve') {
        approveNow(tool, AUTO_APPROVER, now);
        return {
          message: `Tool ${tool.name} submitted by ${actor.name} and approved at once (tool_approval_mode=auto_approve)`,
          details: { notes: text ?? null, auto_approved: true },
        };
      }
      return { message: `Tool ${tool.name} submitted for review by ${actor.name}`, details: { notes: text ?? null } };
    });
  }

  async approve(toolId: string, actor: Actor, notes?: string, version?: number): Promise<Tool> {
    adminOnly(actor, 'approve');
    const text = optionalText(notes, 'notes');
    checkReviewedVersion(version);
    return this.decide(toolId, 'approve', actor, (tool, now) => {
      sameVersion(tool, version, 'approve');
      approveNow(tool, actor.name, now);
      return {
        message: `Tool ${tool.name} approved by ${actor.name}`,
        details: { reviewer: actor.name, notes: text ?? null },
      };
    });
  }

  async reject(toolId: string, reason: string | undefined, actor: Actor, version?: number): Promise<Tool> {
    adminOnly(actor, 'reject');
    const why = optionalText(reason, 'reason');
    if (!why)
      throw invalid('reason is required to reject a tool (tell the author what to change)', { fields: ['reason'] });
    checkReviewedVersion(version);
    return this.decide(toolId, 'reject', actor, (tool) => {
      sameVersion(tool, version, 'reject');
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
  async revoke(toolId: string, actor: Actor, reason?: string): Promise<Tool> {
    adminOnly(actor, 'revoke');
    const why = optionalText(reason, 'reason');
    return this.decide(toolId, 'revoke', actor, (tool, now) => {
      toPendingReview(tool, now);
      return {
        message: `Approval of tool ${tool.name} revoked by ${actor.name}${why ? `: ${why}` : ''}`,
        details: { reviewer: actor.name, reason: why ?? null },
      };
    });
  }

  /** The `POST /api/approvals/tools/{id}/action` dispatcher; a field the action does not use is a 400, not dropped. */
  async act(toolId: string, input: ToolActionInput, actor: Actor): Promise<Tool> {
    const unused = TOOL_ACTIONS.includes(input.action)
      ? ACTION_FIELDS.filter((f) => input[f] !== undefined && !FIELDS_OF[input.action].includes(f))
      : [];
    if (unused.length)
      throw invalid(
        `${unused.join(', ')} does not apply to ${input.action} (it takes ${FIELDS_OF[input.action].join(', ')})`,
        { fields: unused },
      );
    switch (input.action) {
      case 'approve':
        return this.approve(toolId, actor, input.notes, input.version);
      case 'reject':
        return this.reject(toolId, input.reason, actor, input.version);
      case 'submit_for_review':
        return this.requestPublish(toolId, input.notes, actor);
      default:
        throw invalid(`action must be one of ${TOOL_ACTIONS.join(', ')}`, { fields: ['action'] });
    }
  }

  /** The queue, with each tool's server loaded (for its name); oldest request first. */
  async listQueue(query: ToolQueueQuery = {}): Promise<Page<Tool>> {
    const status = query.status ?? 'pending_review';
    if (status !== 'all' && !APPROVAL_STATUSES.includes(status))
      throw invalid(`status must be one of ${[...APPROVAL_STATUSES, 'all'].join(', ')}`, { fields: ['status'] });
    const req = pageRequest(query);
    const qb = this.tools.createQueryBuilder('tool').innerJoinAndSelect('tool.server', 'server');
    if (status !== 'all') qb.andWhere('tool.approvalStatus = :status', { status });
    if (
      query.search !== undefined &&
      (typeof query.search !== 'string' || query.search.length > 200 || query.search.includes('\u0000'))
    ) {
      throw invalid('search must be a string of at most 200 characters, without NUL', { fields: ['search'] });
    }
    const search = query.search?.trim();
    if (search) {
      const like = `%${escapeLike(search)}%`;
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('tool.name ILIKE :like', { like })
            .orWhere('tool.description ILIKE :like', { like })
            .orWhere('server.name ILIKE :like', { like }),
        ),
      );
    }
    const [items, total] = await qb
      .orderBy('tool.approvalRequestedAt', 'ASC', 'NULLS LAST')
      .addOrderBy('tool.createdAt', 'ASC')
      .addOrderBy('tool.id', 'ASC')
      .skip(req.skip)
      .take(req.take)
      .getManyAndCount();
    return toPage(items, total, req);
  }

  async stats(): Promise<ApprovalStats> {
    return {
      tools: await countByStatus(this.tools, 'approvalStatus', APPROVAL_STATUSES),
      modules: await countByStatus(this.modules, 'status', REQUEST_STATUSES),
      network: await countByStatus(this.network, 'status', REQUEST_STATUSES),
    };
  }

  /** Locks the tool, checks the transition, applies it, audits it; publishes after the commit. */
  private async decide(
    toolId: string,
    decision: ToolDecision,
    actor: Actor,
    apply: (tool: Tool, now: Date) => { message: string; details: Record<string, unknown> },
  ): Promise<Tool> {
    checkUuid(toolId, 'tool_id');
    const tool = await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(Tool);
      const tool = await repo.findOne({ where: { id: toolId }, lock: { mode: 'pessimistic_write' } });
      if (!tool) throw notFound('Tool', toolId);
      checkDecision(tool, decision);
      const before = tool.approvalStatus;
      const { message, details } = apply(tool, new Date());
      const saved = await repo.save(tool);
      await this.activity.record(
        {
          logType: 'audit',
          message,
          details: {
            actor: actor.name,
            actor_kind: actor.kind,
            tool_id: saved.id,
            decision,
            approval_status: { from: before, to: saved.approvalStatus },
            version: saved.currentVersion,
            ...details,
          },
          serverId: saved.serverId,
        },
        tx,
      );
      return saved;
    });
    await this.changes.publish({ serverId: tool.serverId, kind: 'tools', toolId: tool.id });
    return tool;
  }
}

/** Every state with its count (0 when none), one grouped query. */
async function countByStatus<E extends ObjectLiteral, S extends string>(
  repo: Repository<E>,
  property: keyof E & string,
  states: readonly S[],
): Promise<Record<S, number>> {
  const rows = await repo
    .createQueryBuilder('r')
    .select(`r.${property}`, 'status')
    .addSelect('COUNT(*)::int', 'n')
    .groupBy(`r.${property}`)
    .getRawMany<{ status: string; n: number }>();
  const out = Object.fromEntries(states.map((s) => [s, 0])) as Record<S, number>;
  for (const r of rows) if ((states as readonly string[]).includes(r.status)) out[r.status as S] = Number(r.n);
  return out;
}

function approveNow(tool: Tool, by: string, now: Date): void {
  tool.approvalStatus = 'approved';
  tool.approvedAt = now;
  tool.approvedBy = by;
  tool.rejectionReason = null;
}

function checkReviewedVersion(version: unknown): void {
  if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 1)) {
    throw invalid('version must be a positive integer (the current_version that was reviewed)', {
      fields: ['version'],
    });
  }
}

/** The decision is about what the reviewer read: an edit since then (a new version) must be reviewed first. */
function sameVersion(tool: Tool, version: number | undefined, what: string): void {
  if (version !== undefined && version !== tool.currentVersion) {
    throw conflict(
      `Cannot ${what} tool ${tool.name} at version ${version}: it was changed since and is now at version ${tool.currentVersion}; review that version`,
    );
  }
}

function adminOnly(actor: Actor, what: string): void {
  if (actor.kind !== 'admin')
    throw forbidden(
      `An LLM can never ${what} a tool; an admin decides in the approvals queue (Admin API /api/approvals/tools)`,
    );
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > MAX_TEXT || value.includes('\u0000')) {
    throw invalid(`${field} must be a string of at most ${MAX_TEXT} characters, without NUL`, { fields: [field] });
  }
  return value.trim() || undefined;
}
