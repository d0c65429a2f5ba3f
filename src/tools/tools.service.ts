import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import { auditChanges } from '../activity/audit-changes';
import { returnToReviewAfterEdit, setInitialApproval } from './tool-approval-state';
import type { Actor } from '../common/actor';
import { conflict, invalid, notFound } from '../common/errors';
import { isUniqueViolation } from '../common/ids';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { ServersService } from '../servers/servers.service';
import { ModulesService } from '../modules/modules.service';
import { SettingsService } from '../settings/settings.service';
import { checkArgumentsSchema } from './arguments-check';
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

/** What an internal caller (import) may set beside the input. */
export interface CreateToolOptions {
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
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly modules: ModulesService,
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
    const [items, total] = await this.repo.findAndCount({
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
    const analysis = await analyzeCode(input.code, language, await this.allowedModules());
    checkAnalysis(analysis);
    if (input.input_schema) await checkArgumentsSchema(input.input_schema);
    const source = sourceFor(actor, opts.changeSource);
    return this.uow.run(async () => {
      // Locking the server serialises creates on it, so the name check below is authoritative.
      const server = await this.servers.findOrFail(serverId, { lock: true });
      const repo = this.repo;
      if (await repo.findOneBy({ serverId, name: input.name })) throw conflictName(input.name);
      const tool = repo.create({
        serverId,
        name: input.name,
        description: input.description,
        code: input.code,
        language,
        inputSchema: input.input_schema ?? analysis.input_schema,
        mcpFeatures: analysis.mcp_features,
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
      await writeVersion(this.uow.manager, saved, source, input.change_summary ?? 'Created');
      await this.audit(
        actor,
        saved,
        `Tool ${server.name}.${saved.name} created by ${actor.name} (${saved.approvalStatus})`,
        {
          change_source: source,
          approval_status: saved.approvalStatus,
        },
      );
      await this.changes.publish({ serverId, kind: 'tools', toolId: saved.id });
      return mapTool(saved);
    });
  }

  /**
   * Applies any subset of the fields. A change of code, input_schema or name writes the
   * next version and sends an approved (or rejected) tool back to pending_review.
   */
  async update(actor: Actor, id: string, input: UpdateToolDto): Promise<ToolDto> {
    this.access.requireMayChange(actor);
    const allowed = await this.allowedModules();
    if (input.input_schema) await checkArgumentsSchema(input.input_schema);
    return this.uow.run(async () => {
      const repo = this.repo;
      const tool = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!tool) throw notFound('Tool', id);
      if (
        tool.toolType !== 'code' &&
        (input.code !== undefined || input.language !== undefined || input.input_schema === null)
      ) {
        throw invalid(`Tool ${tool.name} is an external (mcp_passthrough) tool and has no code`, { fields: ['code'] });
      }
      const values = (x: Tool) => ({
        name: x.name,
        description: x.description,
        enabled: x.enabled,
        timeout_ms: x.timeoutMs,
        language: x.language,
      });
      const before = { ...values(tool), version: tool.currentVersion };
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
      if (!changed.length) return mapTool(tool);

      const now = new Date();
      const reviewable = changed.some((f) => f === 'name' || f === 'code' || f === 'language' || f === 'input_schema');
      const statusBefore = tool.approvalStatus;
      if (reviewable) {
        tool.currentVersion += 1;
        returnToReviewAfterEdit(tool, now);
      }
      const saved = await repo.save(tool).catch((err: unknown) => {
        throw isUniqueViolation(err) ? conflictName(tool.name) : err;
      });
      const source = sourceFor(actor);
      if (reviewable)
        await writeVersion(this.uow.manager, saved, source, input.change_summary ?? `Changed ${changed.join(', ')}`);
      const moved = statusBefore !== saved.approvalStatus ? `; ${statusBefore} → ${saved.approvalStatus}` : '';
      await this.audit(actor, saved, `Tool ${saved.name} updated by ${actor.name}: ${changed.join(', ')}${moved}`, {
        changed,
        // Code and input schema live in the versions: their change is the version's.
        changes: auditChanges(
          before,
          { ...values(saved), version: saved.currentVersion },
          reviewable ? [...changed, 'version'] : changed,
        ),
        change_source: source,
        version: saved.currentVersion,
        approval_status: { from: statusBefore, to: saved.approvalStatus },
      });
      await this.changes.publish({ serverId: saved.serverId, kind: 'tools', toolId: saved.id });
      return mapTool(saved);
    });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    this.access.requireMayChange(actor);
    await this.uow.run(async () => {
      const tool = await this.findOrFail(id, { lock: true });
      await this.repo.delete({ id: tool.id });
      await this.audit(actor, tool, `Tool ${tool.name} deleted by ${actor.name}`, { tool_name: tool.name });
      await this.changes.publish({ serverId: tool.serverId, kind: 'tools', toolId: tool.id });
    });
  }

  // ── for other features ────────────────────────────────────────────────────────────

  /** The tool, or a 404-kind error; inside a unit of work `lock` holds its row until the transaction ends. */
  async findOrFail(id: string, opts: { lock?: boolean } = {}): Promise<Tool> {
    const tool = await this.repo.findOne({
      where: { id },
      ...(opts.lock && this.uow.active ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!tool) throw notFound('Tool', id);
    return tool;
  }

  /** The approved modules code may import (the modules feature owns the list). */
  allowedModules(): Promise<string[]> {
    return this.modules.allowedModules();
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
    if (analysis) tool.mcpFeatures = analysis.mcp_features;
    if (languageChanged) {
      tool.language = language;
      changed.push('language');
    }
    if (!sameJson(schema, tool.inputSchema)) {
      tool.inputSchema = schema;
      changed.push('input_schema');
    }
  }

  private get repo(): Repository<Tool> {
    return this.uow.with(this.tools);
  }

  private async audit(actor: Actor, tool: Tool, message: string, details: Record<string, unknown>): Promise<void> {
    await this.activity.audit(actor, { message, details: { tool_id: tool.id, ...details }, serverId: tool.serverId });
  }
}
