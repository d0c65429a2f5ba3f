import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Not, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import { returnToReviewAfterEdit, setInitialApproval } from '../approvals/tool-approval-state';
import type { Actor } from '../common/actor';
import { conflict, invalid, notFound } from '../common/errors';
import { isUniqueViolation } from '../common/ids';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { ServersService } from '../servers/servers.service';
import { GlobalConfig } from '../settings/entities/global-config.entity';
import { SettingsService } from '../settings/settings.service';
import { analyzeCode, type CodeAnalysis } from './code-analysis';
import {
  mapTool,
  mapToolSummary,
  type CreateToolDto,
  type ToolDto,
  type ToolSummaryDto,
  type UpdateToolDto,
} from './dto/tool.dto';
import { mapCodeAnalysis, type CodeAnalysisDto, type ValidateCodeDto } from './dto/validate-code.dto';
import type { ChangeSource } from './entities/tool-version.entity';
import { Tool, type ApprovalStatus } from './entities/tool.entity';
import { checkAnalysis, sameJson } from './tool-rules';
import { writeVersion } from './tool-version-snapshot';

export interface CreateToolOptions {
  /** Run inside the caller's transaction (import); the caller then publishes after its commit. */
  manager?: EntityManager;
  /** Defaults to 'llm' for an LLM actor, else 'manual'. */
  changeSource?: ChangeSource;
  /** Overrides the policy's initial state (import). */
  approvalStatus?: ApprovalStatus;
}

const sourceFor = (actor: Actor, given?: ChangeSource): ChangeSource =>
  given ?? (actor.kind === 'llm' ? 'llm' : 'manual');
const conflictName = (name: string) => conflict(`This server already has a tool named "${name}"`);

/**
 * Tools and their rules: names, code checks, derived input schemas, a version row for
 * every change of code, schema or name, and the approval consequences of such a change.
 */
@Injectable()
export class ToolsService {
  constructor(
    @InjectRepository(Tool) private readonly tools: Repository<Tool>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly servers: ServersService,
    private readonly settings: SettingsService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
    private readonly access: AccessPolicy,
  ) {}

  // ── operations ────────────────────────────────────────────────────────────────────

  /** A server's tools by name, without their code. */
  async list(_actor: Actor, serverId: string, query: PaginationQueryDto): Promise<Page<ToolSummaryDto>> {
    await this.servers.findOrFail(serverId);
    const req = pageRequest(query);
    const [items, total] = await this.tools.findAndCount({
      where: { serverId },
      order: { name: 'ASC' },
      skip: req.skip,
      take: req.take,
    });
    return toPage(items.map(mapToolSummary), total, req);
  }

  /** The tool with its code. */
  async get(_actor: Actor, id: string): Promise<ToolDto> {
    return mapTool(await this.findOrFail(id));
  }

  /** The check `POST /api/tools/validate-code` and `mcpbox_validate_code` run; nothing is executed. */
  async validateCode(_actor: Actor, dto: ValidateCodeDto): Promise<CodeAnalysisDto> {
    return mapCodeAnalysis(await analyzeCode(dto.code, dto.language ?? 'javascript', await this.allowedModules()));
  }

  /** A new code tool (draft, or approved under auto_approve) with its version 1. */
  async create(actor: Actor, serverId: string, input: CreateToolDto, opts: CreateToolOptions = {}): Promise<ToolDto> {
    this.access.requireMayChange(actor);
    const language = input.language ?? 'javascript';
    const analysis = await analyzeCode(input.code, language, await this.allowedModules(opts.manager));
    checkAnalysis(analysis);
    const source = sourceFor(actor, opts.changeSource);
    const run = async (tx: EntityManager): Promise<Tool> => {
      // Locking the server serialises creates on it, so the name check below is authoritative.
      const server = await this.servers.findOrFail(serverId, tx, { lock: true });
      const repo = tx.getRepository(Tool);
      if (await repo.findOneBy({ serverId, name: input.name })) throw conflictName(input.name);
      const tool = repo.create({
        serverId,
        name: input.name,
        description: input.description,
        code: input.code,
        language,
        inputSchema: input.input_schema ?? analysis.input_schema,
        timeoutMs: input.timeout_ms ?? null,
        enabled: input.enabled ?? true,
        toolType: 'code',
        currentVersion: 1,
        createdBy: actor.name,
      });
      setInitialApproval(tool, this.settings.get('tool_approval_mode'), opts.approvalStatus, actor, new Date());
      const saved = await repo.save(tool).catch((err: unknown) => {
        throw isUniqueViolation(err) ? conflictName(input.name) : err;
      });
      await writeVersion(tx, saved, source, input.change_summary ?? 'Created');
      await this.audit(
        tx,
        actor,
        saved,
        `Tool ${server.name}.${saved.name} created by ${actor.name} (${saved.approvalStatus})`,
        {
          change_source: source,
          approval_status: saved.approvalStatus,
        },
      );
      return saved;
    };
    if (opts.manager) return mapTool(await run(opts.manager));
    const tool = await this.db.transaction(run);
    await this.changes.publish({ serverId, kind: 'tools', toolId: tool.id });
    return mapTool(tool);
  }

  /**
   * Applies any subset of the fields. A change of code, input_schema or name writes the
   * next version and sends an approved (or rejected) tool back to pending_review.
   */
  async update(actor: Actor, id: string, input: UpdateToolDto): Promise<ToolDto> {
    this.access.requireMayChange(actor);
    const allowed = await this.allowedModules();
    const { tool, changed } = await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(Tool);
      const tool = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!tool) throw notFound('Tool', id);
      if (
        tool.toolType !== 'code' &&
        (input.code !== undefined || input.language !== undefined || input.input_schema === null)
      ) {
        throw invalid(`Tool ${tool.name} is an external (mcp_passthrough) tool and has no code`, { fields: ['code'] });
      }
      const changed: string[] = [];
      if (input.name !== undefined && input.name !== tool.name) {
        if (await repo.findOneBy({ serverId: tool.serverId, name: input.name, id: Not(tool.id) }))
          throw conflictName(input.name);
        tool.name = input.name;
        changed.push('name');
      }
      await this.applyCodeAndSchema(tool, input, allowed, changed);
      if (input.description !== undefined && input.description !== tool.description) {
        tool.description = input.description;
        changed.push('description');
      }
      if (input.enabled !== undefined && input.enabled !== tool.enabled) {
        tool.enabled = input.enabled;
        changed.push('enabled');
      }
      if (input.timeout_ms !== undefined && input.timeout_ms !== tool.timeoutMs) {
        tool.timeoutMs = input.timeout_ms;
        changed.push('timeout_ms');
      }
      if (!changed.length) return { tool, changed };

      const now = new Date();
      const reviewable = changed.some((f) => f === 'name' || f === 'code' || f === 'language' || f === 'input_schema');
      const before = tool.approvalStatus;
      if (reviewable) {
        tool.currentVersion += 1;
        returnToReviewAfterEdit(tool, now);
      }
      const saved = await repo.save(tool).catch((err: unknown) => {
        throw isUniqueViolation(err) ? conflictName(tool.name) : err;
      });
      const source = sourceFor(actor);
      if (reviewable) await writeVersion(tx, saved, source, input.change_summary ?? `Changed ${changed.join(', ')}`);
      const moved = before !== saved.approvalStatus ? `; ${before} → ${saved.approvalStatus}` : '';
      await this.audit(tx, actor, saved, `Tool ${saved.name} updated by ${actor.name}: ${changed.join(', ')}${moved}`, {
        changed,
        change_source: source,
        version: saved.currentVersion,
        approval_status: { from: before, to: saved.approvalStatus },
      });
      return { tool: saved, changed };
    });
    if (changed.length) await this.changes.publish({ serverId: tool.serverId, kind: 'tools', toolId: tool.id });
    return mapTool(tool);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    this.access.requireMayChange(actor);
    const tool = await this.findOrFail(id);
    await this.db.transaction(async (tx) => {
      await tx.getRepository(Tool).delete({ id: tool.id });
      await this.audit(tx, actor, tool, `Tool ${tool.name} deleted by ${actor.name}`, { tool_name: tool.name });
    });
    await this.changes.publish({ serverId: tool.serverId, kind: 'tools', toolId: tool.id });
  }

  // ── for other features ────────────────────────────────────────────────────────────

  async findOrFail(id: string, manager?: EntityManager): Promise<Tool> {
    const tool = await (manager ? manager.getRepository(Tool) : this.tools).findOneBy({ id });
    if (!tool) throw notFound('Tool', id);
    return tool;
  }

  /** The derived cache of approved modules (SPEC §8); an empty list until one is approved. */
  async allowedModules(manager?: EntityManager): Promise<string[]> {
    const [row] = await (manager ? manager.getRepository(GlobalConfig) : this.db.getRepository(GlobalConfig)).find({
      take: 1,
    });
    return row?.allowedModules ?? [];
  }

  // ── internals ─────────────────────────────────────────────────────────────────────

  /**
   * Code, language and schema move together: new code is checked (refused with its
   * errors), and a schema that was derived from the old code is re-derived from the new.
   */
  private async applyCodeAndSchema(
    tool: Tool,
    input: UpdateToolDto,
    allowed: string[],
    changed: string[],
  ): Promise<void> {
    const code = input.code ?? tool.code ?? '';
    const language = input.language ?? tool.language;
    const codeChanged = input.code !== undefined && input.code !== tool.code;
    const languageChanged = language !== tool.language;
    let analysis: CodeAnalysis | undefined;
    if (codeChanged || languageChanged || input.input_schema === null) {
      analysis = await analyzeCode(code, language, allowed);
      checkAnalysis(analysis);
    }
    let schema = tool.inputSchema;
    if (input.input_schema !== undefined) schema = input.input_schema ?? analysis?.input_schema ?? null;
    else if ((codeChanged || languageChanged) && tool.code !== null) {
      const old = await analyzeCode(tool.code, tool.language, allowed);
      if (old.input_schema && sameJson(old.input_schema, tool.inputSchema)) schema = analysis?.input_schema ?? schema;
    }
    if (codeChanged) {
      tool.code = code;
      changed.push('code');
    }
    if (languageChanged) {
      tool.language = language;
      changed.push('language');
    }
    if (!sameJson(schema, tool.inputSchema)) {
      tool.inputSchema = schema;
      changed.push('input_schema');
    }
  }

  private async audit(
    tx: EntityManager,
    actor: Actor,
    tool: Tool,
    message: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.activity.record(
      {
        logType: 'audit',
        message,
        details: { actor: actor.name, actor_kind: actor.kind, tool_id: tool.id, ...details },
        serverId: tool.serverId,
      },
      tx,
    );
  }
}
