import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { countByStatus } from '../common/count-by-status';
import { REQUEST_STATUSES, type RequestStatus } from '../common/request-status';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import type { ModuleNameDto, UpdateAllowedModulesDto } from './dto/module.dto';
import { GlobalConfig } from './entities/global-config.entity';
import { ModuleRequest } from './entities/module-request.entity';

/**
 * Allowed npm modules (docs/approvals.md#module-allowances), modelled on network access: the `module_requests`
 * rows are the truth, `global_config.allowed_modules` a cache that only
 * `recomputeAllowedModules` writes, from every approved record. An admin's own addition is
 * a record too (`source: admin`, approved). The request queue, the install and bundling of
 * approved modules, and the `/api/settings/modules` routes arrive with the modules issue.
 */
@Injectable()
export class ModulesService {
  constructor(
    @InjectRepository(ModuleRequest) private readonly requests: Repository<ModuleRequest>,
    @InjectRepository(GlobalConfig) private readonly config: Repository<GlobalConfig>,
    private readonly uow: UnitOfWork,
    private readonly activity: ActivityService,
  ) {}

  /** The derived cache of approved modules; an empty list until one is approved. */
  async allowedModules(): Promise<string[]> {
    const [row] = await this.uow.with(this.config).find({ take: 1 });
    return row?.allowedModules ?? [];
  }

  /** The admin's allow-list edit: added modules get an approved admin record; removed ones are revoked for every tool. */
  async updateAllowList(actor: Actor, dto: UpdateAllowedModulesDto): Promise<string[]> {
    requireAdmin(actor, 'change the allowed modules');
    return this.uow.run(async () => {
      const repo = this.repo;
      const now = new Date();
      for (const name of dto.add_modules ?? []) {
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
      const removed = dto.remove_modules ?? [];
      if (removed.length)
        await repo.update(
          { moduleName: In(removed), status: 'approved' },
          {
            status: 'rejected',
            reviewedBy: actor.name,
            reviewedAt: now,
            rejectionReason: 'removed from the allowed modules',
          },
        );
      await this.activity.audit(actor, {
        message: `Allowed modules changed by ${actor.name}`,
        details: { added: dto.add_modules ?? [], removed },
      });
      return this.recomputeAllowedModules();
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

  /** Rewrites `global_config.allowed_modules` (the singleton row) from every approved record; the one writer of that cache. */
  private async recomputeAllowedModules(): Promise<string[]> {
    const rows = await this.repo.find({ where: { status: 'approved' }, select: { moduleName: true } });
    const names = [...new Set(rows.map((r) => r.moduleName))].sort();
    const config = this.uow.with(this.config);
    const [row] = await config.find({ take: 1 });
    await config.save(row ? Object.assign(row, { allowedModules: names }) : config.create({ allowedModules: names }));
    return names;
  }

  private get repo(): Repository<ModuleRequest> {
    return this.uow.with(this.requests);
  }
}
