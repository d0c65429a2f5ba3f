import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Not, Repository } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import { returnToReviewAfterRollback } from '../approvals/tool-approval-state';
import type { Actor } from '../common/actor';
import { conflict, DomainError, invalid, notFound } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { checkUuid } from '../common/ids';
import { analyzeCode } from './code-analysis';
import { diffCode, type CodeDiff } from './code-diff';
import { ToolVersion } from './entities/tool-version.entity';
import { Tool } from './entities/tool.entity';
import { sameJson } from './tool-rules';
import { VERSIONED_FIELDS, versionValue, writeVersion, type VersionedField } from './tool-version-snapshot';
import { ToolsService } from './tools.service';

export interface VersionComparison {
  from: ToolVersion;
  to: ToolVersion;
  changed_fields: VersionedField[];
  /** Unified diff of the code, from → to. */
  diff: string;
  /** `whole_file` when the diff was too costly to compute line by line (diff_note says why). */
  diff_mode: CodeDiff['mode'];
  diff_note: string | null;
}

/** version_number is a PostgreSQL integer: a larger number is a 400, not a driver error. */
export const MAX_VERSION_NUMBER = 2_147_483_647;

function checkVersionNumber(v: unknown, field = 'version'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_VERSION_NUMBER) {
    throw invalid(`${field} must be a positive integer (at most ${MAX_VERSION_NUMBER})`, { fields: [field] });
  }
  return v;
}

/** The history of a tool: list, read, compare, and roll back (a new version, never a rewrite). */
@Injectable()
export class ToolVersionsService {
  constructor(
    @InjectRepository(ToolVersion) private readonly versions: Repository<ToolVersion>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly tools: ToolsService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  /** Newest first. */
  async list(toolId: string, query: PaginationQueryDto = {}): Promise<Page<ToolVersion>> {
    await this.tools.findOrFail(toolId);
    const req = pageRequest(query);
    const [items, total] = await this.versions.findAndCount({
      where: { toolId },
      order: { versionNumber: 'DESC' },
      skip: req.skip,
      take: req.take,
    });
    return toPage(items, total, req);
  }

  async get(toolId: string, version: number): Promise<ToolVersion> {
    const tool = await this.tools.findOrFail(toolId);
    return this.versionOrFail(tool, checkVersionNumber(version));
  }

  async compare(toolId: string, from: number, to: number): Promise<VersionComparison> {
    const tool = await this.tools.findOrFail(toolId);
    const a = await this.versionOrFail(tool, checkVersionNumber(from, 'from'));
    const b = await this.versionOrFail(tool, checkVersionNumber(to, 'to'));
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
  async rollback(toolId: string, version: number, actor: Actor): Promise<Tool> {
    checkUuid(toolId, 'tool_id');
    checkVersionNumber(version);
    const tool = await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(Tool);
      const tool = await repo.findOne({ where: { id: toolId }, lock: { mode: 'pessimistic_write' } });
      if (!tool) throw notFound('Tool', toolId);
      if (version === tool.currentVersion)
        throw invalid(`Tool ${tool.name} is already at version ${version}; choose an earlier version to roll back to`, {
          fields: ['version'],
        });
      const target = await this.versionOrFail(tool, version, tx.getRepository(ToolVersion));
      // A version snapshots the code but not the language: code written for the other
      // language (before a language change) would be stored as code that cannot load.
      if (tool.toolType === 'code' && target.code !== null) {
        const analysis = await analyzeCode(target.code, tool.language, await this.tools.allowedModules(tx));
        if (!analysis.valid) {
          throw conflict(
            `Cannot roll back to version ${version}: its code is not valid ${tool.language} (${analysis.errors.map((e) => e.message).join('; ')}); if the tool's language changed since, change it back first`,
          );
        }
      }
      if (
        target.name !== tool.name &&
        (await repo.findOneBy({ serverId: tool.serverId, name: target.name, id: Not(tool.id) }))
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
        inputSchema: target.inputSchema,
        currentVersion: tool.currentVersion + 1,
      });
      returnToReviewAfterRollback(tool, new Date());
      const saved = await repo.save(tool);
      await writeVersion(tx, saved, 'rollback', `Rolled back to version ${version}`);
      await this.activity.record(
        {
          logType: 'audit',
          message: `Tool ${saved.name} rolled back to version ${version} by ${actor.name} (now version ${saved.currentVersion}; ${before} → pending_review)`,
          details: {
            actor: actor.name,
            actor_kind: actor.kind,
            tool_id: saved.id,
            rolled_back_to: version,
            version: saved.currentVersion,
            approval_status: { from: before, to: saved.approvalStatus },
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

  private async versionOrFail(
    tool: Tool,
    version: number,
    repo: Repository<ToolVersion> = this.versions,
  ): Promise<ToolVersion> {
    const row = await repo.findOneBy({ toolId: tool.id, versionNumber: version });
    if (!row) {
      const why = version > tool.currentVersion ? ` (the current version is ${tool.currentVersion})` : '';
      throw new DomainError('not_found', `Tool ${tool.name} has no version ${version}${why}`);
    }
    return row;
  }
}
