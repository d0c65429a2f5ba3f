import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import { returnToReviewAfterRollback } from './tool-approval-state';
import type { Actor } from '../common/actor';
import { conflict, DomainError, invalid } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { analyzeCode } from './code-analysis';
import {
  mapComparison,
  mapToolVersion,
  mapToolVersionSummary,
  type CompareVersionsQueryDto,
  type ToolVersionDto,
  type ToolVersionSummaryDto,
  type VersionComparisonDto,
} from './dto/tool-version.dto';
import { mapTool, type ToolDto } from './dto/tool.dto';
import { diffCode } from './code-diff';
import { ToolVersion } from './entities/tool-version.entity';
import { Tool } from './entities/tool.entity';
import { sameJson } from './tool-rules';
import { VERSIONED_FIELDS, versionValue, writeVersion, type VersionComparison } from './tool-version-snapshot';
import { ToolsService } from './tools.service';

/** The history of a tool: list, read, compare, and roll back (a new version, never a rewrite). */
@Injectable()
export class ToolVersionsService {
  constructor(
    @InjectRepository(ToolVersion) private readonly versions: Repository<ToolVersion>,
    @InjectRepository(Tool) private readonly toolRows: Repository<Tool>,
    private readonly uow: UnitOfWork,
    private readonly tools: ToolsService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
    private readonly access: AccessPolicy,
  ) {}

  /** Newest first, without code. */
  async list(_actor: Actor, toolId: string, query: PaginationQueryDto): Promise<Page<ToolVersionSummaryDto>> {
    await this.tools.findOrFail(toolId);
    const req = pageRequest(query);
    const [items, total] = await this.uow.with(this.versions).findAndCount({
      where: { toolId },
      order: { versionNumber: 'DESC' },
      skip: req.skip,
      take: req.take,
    });
    return toPage(items.map(mapToolVersionSummary), total, req);
  }

  async get(_actor: Actor, toolId: string, version: number): Promise<ToolVersionDto> {
    const tool = await this.tools.findOrFail(toolId);
    return mapToolVersion(await this.versionOrFail(tool, version));
  }

  async compare(_actor: Actor, toolId: string, query: CompareVersionsQueryDto): Promise<VersionComparisonDto> {
    return mapComparison(await this.comparison(toolId, query.from, query.to));
  }

  private async comparison(toolId: string, from: number, to: number): Promise<VersionComparison> {
    const tool = await this.tools.findOrFail(toolId);
    const a = await this.versionOrFail(tool, from);
    const b = await this.versionOrFail(tool, to);
    const changed = VERSIONED_FIELDS.filter((f) => !sameJson(versionValue(a, f), versionValue(b, f)));
    const diff = await diffCode(a.code ?? '', b.code ?? '', {
      oldName: `${a.name}@v${a.versionNumber}`,
      newName: `${b.name}@v${b.versionNumber}`,
      oldHeader: `version ${a.versionNumber}`,
      newHeader: `version ${b.versionNumber}`,
    });
    return { from: a, to: b, changed_fields: changed, diff: diff.diff, diff_mode: diff.mode, diff_note: diff.note };
  }

  /**
   * Writes version current+1 as a copy of `version` (change_source 'rollback') and resets
   * approval to pending_review: what runs must be reviewed again. Rolling back to the
   * current version is refused, and a version that does not exist (or is in the future) is a 404.
   */
  async rollback(actor: Actor, toolId: string, version: number): Promise<ToolDto> {
    this.access.requireMayChange(actor);
    return this.uow.run(async () => {
      const tool = await this.tools.findOrFail(toolId, { lock: true });
      if (version === tool.currentVersion)
        throw invalid(`Tool ${tool.name} is already at version ${version}; choose an earlier version to roll back to`, {
          fields: ['version'],
        });
      const target = await this.versionOrFail(tool, version);
      // A version snapshots the code but not the language: code written for the other
      // language (before a language change) would be stored as code that cannot load.
      let mcpFeatures = tool.mcpFeatures;
      if (tool.toolType === 'code' && target.code !== null) {
        const analysis = await analyzeCode(target.code, tool.language, await this.tools.allowedModules());
        if (!analysis.valid) {
          throw conflict(
            `Cannot roll back to version ${version}: its code is not valid ${tool.language} (${analysis.errors.map((e) => e.message).join('; ')}); if the tool's language changed since, change it back first`,
          );
        }
        mcpFeatures = analysis.mcp_features;
      }
      if (
        target.name !== tool.name &&
        (await this.uow.with(this.toolRows).findOneBy({ serverId: tool.serverId, name: target.name, id: Not(tool.id) }))
      ) {
        throw conflict(
          `Cannot roll back to version ${version}: its name "${target.name}" is now used by another tool of this server`,
        );
      }
      const before = tool.approvalStatus;
      Object.assign(tool, {
        name: target.name,
        description: target.description,
        enabled: target.enabled,
        timeoutMs: target.timeoutMs,
        code: target.code,
        mcpFeatures,
        inputSchema: target.inputSchema,
        currentVersion: tool.currentVersion + 1,
      });
      returnToReviewAfterRollback(tool, new Date());
      const saved = await this.uow.with(this.toolRows).save(tool);
      await writeVersion(this.uow.manager, saved, 'rollback', `Rolled back to version ${version}`);
      await this.activity.audit(actor, {
        message: `Tool ${saved.name} rolled back to version ${version} by ${actor.name} (now version ${saved.currentVersion}; ${before} → pending_review)`,
        details: {
          tool_id: saved.id,
          rolled_back_to: version,
          version: saved.currentVersion,
          approval_status: { from: before, to: saved.approvalStatus },
        },
        serverId: saved.serverId,
      });
      await this.changes.publish({ serverId: saved.serverId, kind: 'tools', toolId: saved.id });
      return mapTool(saved);
    });
  }

  private async versionOrFail(tool: Tool, version: number): Promise<ToolVersion> {
    const row = await this.uow.with(this.versions).findOneBy({ toolId: tool.id, versionNumber: version });
    if (!row) {
      const why = version > tool.currentVersion ? ` (the current version is ${tool.currentVersion})` : '';
      throw new DomainError('not_found', `Tool ${tool.name} has no version ${version}${why}`);
    }
    return row;
  }
}
