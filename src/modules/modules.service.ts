import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { countByStatus } from '../common/count-by-status';
import { invalid } from '../common/errors';
import { approveCovered } from '../common/request-queries';
import { REQUEST_STATUSES, type RequestStatus } from '../common/request-status';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { AppConfig } from '../config/app-config';
import { ServerChangesService } from '../server-changes/server-changes.service';
import type { ModuleNameDto, UpdateAllowedModulesDto } from './dto/module.dto';
import type { ModulesConfigDto } from './dto/module-settings.dto';
import { GlobalConfig } from './entities/global-config.entity';
import { ModuleRequest } from './entities/module-request.entity';
import { ModuleInstallsService } from './module-installs.service';
import type { InstalledModule } from './packages/package-types';

/**
 * Allowed npm modules (docs/approvals.md#module-allowances), modelled on network access: the `module_requests`
 * rows are the truth, `global_config.allowed_modules` a cache that only
 * `recomputeAllowedModules` writes, from every approved record; each recompute announces a
 * `ModulesChange` after the commit. An admin's own addition is a record too (`source:
 * admin`, approved). Allowing a module installs it first: a refused install allows nothing.
 * The LLM's requests and their queue are ModuleRequestsService.
 */
const RECOMPUTE_LOCK = 'mcpbox:global_config.allowed_modules';

/** The audit details of a decision on a module request (approve, reject, or covered by another allowance). */
export const decisionDetails = (
  row: ModuleRequest,
  decision: 'approve' | 'reject',
  reviewer: Actor,
  extra: Record<string, unknown>,
): Record<string, unknown> => ({
  request_id: row.id,
  tool_id: row.toolId,
  module: row.moduleName,
  decision,
  reviewer: reviewer.name,
  ...extra,
});

@Injectable()
export class ModulesService implements OnModuleInit {
  private readonly log = new Logger(ModulesService.name);

  constructor(
    @InjectRepository(ModuleRequest) private readonly requests: Repository<ModuleRequest>,
    @InjectRepository(GlobalConfig) private readonly config: Repository<GlobalConfig>,
    private readonly uow: UnitOfWork,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
    private readonly installs: ModuleInstallsService,
    private readonly appConfig: AppConfig,
  ) {}

  /**
   * Deleting a server deletes its tools' module requests (docs/architecture.md#deletion), approved ones included:
   * the cache follows the records, and bundles no longer allowed are dropped.
   */
  onModuleInit(): void {
    this.changes.subscribe(async (change) => {
      if (change.kind !== 'deleted') return;
      try {
        const before = await this.allowedModules();
        const gone = await this.uow.run(async () => {
          const after = await this.recomputeAllowedModules();
          const removed = before.filter((n) => !after.includes(n));
          await this.installs.forget(removed);
          return removed;
        });
        await this.installs.dropBundles(gone);
      } catch (err) {
        this.log.error(
          { err, serverId: change.serverId },
          'Recomputing the allowed modules after a server deletion failed',
        );
      }
    });
  }

  /** The derived cache of approved modules; an empty list until one is approved. */
  async allowedModules(): Promise<string[]> {
    const [row] = await this.uow.with(this.config).find({ take: 1, order: { createdAt: 'ASC' } });
    return row?.allowedModules ?? [];
  }

  /** `GET /api/settings/modules`. */
  async settings(_actor: Actor): Promise<ModulesConfigDto> {
    return this.configView(await this.allowedModules());
  }

  /**
   * `PATCH /api/settings/modules`: added modules are installed, then get an approved admin
   * record; removed ones are revoked for every tool (their records stay, as rejected
   * history) and their bundles dropped after the commit.
   */
  async updateAllowList(actor: Actor, dto: UpdateAllowedModulesDto): Promise<ModulesConfigDto> {
    requireAdmin(actor, 'change the allowed modules');
    const add = [...new Set(dto.add_modules ?? [])];
    const removed = [...new Set(dto.remove_modules ?? [])];
    const both = add.filter((m) => removed.includes(m));
    if (both.length)
      throw invalid(`${both.join(', ')} cannot be both added and removed`, {
        fields: ['add_modules', 'remove_modules'],
      });
    const allowedBefore = await this.allowedModules();
    const installed: InstalledModule[] = [];
    for (const name of add.filter((m) => !allowedBefore.includes(m)))
      installed.push((await this.installs.ensureInstalled(name, { allowCritical: dto.allow_critical })).module);
    const allowed = await this.uow.run(async () => {
      const repo = this.repo;
      const now = new Date();
      for (const name of add) {
        if (await repo.exists({ where: { moduleName: name, status: 'approved' } })) continue;
        await repo.save(
          repo.create({
            moduleName: name,
            toolId: null,
            serverId: null,
            source: 'admin',
            status: 'approved',
            requestedBy: actor.name,
            reviewedBy: actor.name,
            reviewedAt: now,
            justification: null,
          }),
        );
      }
      for (const module of installed) await this.installs.record(actor, module);
      await this.settleCovered(actor, add, `${actor.name} added it to the allowed modules`);
      if (removed.length) {
        await repo.update(
          { moduleName: In(removed), status: 'approved' },
          {
            status: 'rejected',
            reviewedBy: actor.name,
            reviewedAt: now,
            rejectionReason: 'removed from the allowed modules',
          },
        );
        await this.installs.forget(removed);
        await this.uow.afterCommit(async () => void (await this.installs.dropBundles(removed)));
      }
      await this.activity.audit(actor, {
        message: `Allowed modules changed by ${actor.name}`,
        details: {
          added: add,
          removed,
          reviewer: actor.name,
          installed: installed.map((m) => ({ name: m.name, version: m.version, integrity: m.integrity })),
          critical_override: installed.some((m) => m.criticalAllowed),
        },
      });
      return this.recomputeAllowedModules();
    });
    return this.configView(allowed);
  }

  /**
   * Approves the pending requests for modules just allowed, by the same reviewer: modules
   * are global, so once one is allowed every tool may import it, and a request still
   * pending for it would ask a question already answered (rejecting it would not disallow
   * the module). `how` tells the requester and the audit log how it came to be allowed.
   * Call it inside the unit of work that allowed the modules.
   */
  async settleCovered(reviewer: Actor, names: string[], how: string): Promise<void> {
    if (!names.length) return;
    for (const row of await approveCovered(this.repo, { moduleName: In(names) }, reviewer.name))
      await this.activity.audit(reviewer, {
        message: `Module request ${row.moduleName} approved by ${reviewer.name}: ${how}`,
        details: decisionDetails(row, 'approve', reviewer, { covered: how }),
        serverId: row.serverId,
      });
  }

  /**
   * A module record of a document that could not be trusted (unsigned import): a pending
   * request for the admin, unless the module is already allowed or already requested.
   */
  async requestFromImport(
    actor: Actor,
    dto: ModuleNameDto,
    origin: { requestedBy: string; justification: string },
  ): Promise<'requested' | 'allowed' | 'pending'> {
    requireAdmin(actor, 'import servers');
    return this.uow.run(async () => {
      const repo = this.repo;
      const moduleName = dto.module_name;
      if (await repo.exists({ where: { moduleName, status: 'approved' } })) return 'allowed';
      if (await repo.exists({ where: { moduleName, status: 'pending' } })) return 'pending';
      await repo.save(
        repo.create({
          moduleName,
          toolId: null,
          serverId: null,
          source: 'import',
          status: 'pending',
          requestedBy: origin.requestedBy,
          justification: origin.justification,
        }),
      );
      return 'requested';
    });
  }

  /** Names of the admin-sourced, approved module records (what an export carries). */
  async adminModuleNames(): Promise<string[]> {
    const rows = await this.repo.find({
      where: { source: 'admin', status: 'approved' },
      select: { moduleName: true },
      order: { moduleName: 'ASC' },
    });
    return [...new Set(rows.map((r) => r.moduleName))];
  }

  /** Requests by status, for the approvals stats. */
  countByStatus(): Promise<Record<RequestStatus, number>> {
    return countByStatus(this.repo, 'status', REQUEST_STATUSES);
  }

  /**
   * Rewrites `global_config.allowed_modules` (the singleton row) from every approved record
   * — the one writer of that cache — and, when the list or a bundle changed (`updated`:
   * modules whose bundle was replaced), publishes a ModulesChange after the commit.
   * Call it inside the unit of work that changed the records.
   */
  async recomputeAllowedModules(updated: string[] = []): Promise<string[]> {
    // One recompute at a time: a concurrent one waits for this commit, then reads the records
    // with it (no lost update of the cache; no second singleton row on the first write).
    if (this.uow.active) await this.uow.manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [RECOMPUTE_LOCK]);
    const rows = await this.repo.find({ where: { status: 'approved' }, select: { moduleName: true } });
    const names = [...new Set(rows.map((r) => r.moduleName))].sort();
    const config = this.uow.with(this.config);
    const [row] = await config.find({ take: 1, order: { createdAt: 'ASC' } });
    const before = row?.allowedModules ?? [];
    await config.save(row ? Object.assign(row, { allowedModules: names }) : config.create({ allowedModules: names }));
    const change = {
      allowed: names,
      added: names.filter((n) => !before.includes(n)),
      removed: before.filter((n) => !names.includes(n)),
      updated: updated.filter((n) => names.includes(n) && before.includes(n)),
    };
    if (change.added.length || change.removed.length || change.updated.length)
      await this.changes.publishModules(change);
    return names;
  }

  /** The approved records, oldest decision first (which record allows a module, and who approved it). */
  approvedRecords(): Promise<ModuleRequest[]> {
    return this.repo.find({ where: { status: 'approved' }, order: { reviewedAt: 'ASC' } });
  }

  /** The allowed list with where modules come from (the answer of GET and PATCH). */
  configView(allowed: string[]): ModulesConfigDto {
    return {
      allowed_modules: allowed,
      registry_url: this.appConfig.npmRegistry,
      max_bundle_bytes: this.appConfig.moduleMaxBundleBytes,
    };
  }

  private get repo(): Repository<ModuleRequest> {
    return this.uow.with(this.requests);
  }
}
