import { Injectable } from '@nestjs/common';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict } from '../common/errors';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import type { InstallModuleDto, ModuleNameDto } from './dto/module.dto';
import {
  mapAdvisory,
  mapInstalledModule,
  mapLookup,
  type EnhancedModuleDto,
  type InstalledModuleDto,
  type ModuleLookupDto,
  type ModulesEnhancedDto,
  type ModulesSyncDto,
} from './dto/module-settings.dto';
import { ModuleInstallsService } from './module-installs.service';
import { ModulesService } from './modules.service';
import { validatePackageName } from './packages/package-name';
import { PackageRefused } from './packages/package-refused';
import type { InstalledModule } from './packages/package-types';

/**
 * The admin's view and care of the module store (`/api/settings/modules/...`): what is
 * installed and why, registry look-ups, (re)installs and sync. What is allowed stays
 * ModulesService's (records and the derived cache); this service reports and repairs the
 * bundles beside it.
 */
@Injectable()
export class ModuleStoreService {
  constructor(
    private readonly modules: ModulesService,
    private readonly installs: ModuleInstallsService,
    private readonly uow: UnitOfWork,
    private readonly activity: ActivityService,
  ) {}

  /** `GET /api/settings/modules/enhanced`: every allowed module and every installed bundle, with their provenance. */
  async enhanced(_actor: Actor): Promise<ModulesEnhancedDto> {
    const allowed = await this.modules.allowedModules();
    const [onDisk, rows, approved] = await Promise.all([
      this.installs.installed(),
      this.installs.recordsByName(),
      this.modules.approvedRecords(),
    ]);
    const disk = new Map(onDisk.map((m) => [m.name, m]));
    const grant = new Map(approved.map((r) => [r.moduleName, r]));
    const names = [...new Set([...allowed, ...disk.keys()])].sort();
    const modules = names.map((name): EnhancedModuleDto => {
      const m = disk.get(name);
      const row = rows.get(name);
      const record = grant.get(name);
      return {
        name,
        allowed: allowed.includes(name),
        installed: m !== undefined,
        version: m?.version ?? null,
        bundle_bytes: m?.bytes ?? null,
        bundle_sha256: m?.bundleSha256 ?? null,
        integrity: m?.integrity ?? null,
        source: record?.source ?? null,
        approved_by: record?.reviewedBy ?? null,
        approved_at: record?.reviewedAt?.toISOString() ?? null,
        installed_by: row?.installedBy ?? null,
        installed_at: m?.installedAt ?? null,
        critical_override: m?.criticalAllowed ?? false,
        advisories: (m?.advisories ?? []).map(mapAdvisory),
      };
    });
    return { ...this.modules.configView(allowed), modules };
  }

  /** `GET /api/settings/modules/npm/{name}`: what the registry says, and a trial bundle (nothing stored). */
  async lookup(_actor: Actor, name: string): Promise<ModuleLookupDto> {
    const valid = validatePackageName(name);
    const found = await this.installs.lookup(valid);
    const present = await this.installs.installer.get(valid);
    return mapLookup(found, (await this.modules.allowedModules()).includes(valid), present?.version ?? null);
  }

  /** `POST /api/settings/modules/{name}/install`: (re)installs an allowed module, at a version if given. */
  async install(actor: Actor, dto: ModuleNameDto & InstallModuleDto): Promise<InstalledModuleDto> {
    requireAdmin(actor, 'install a module');
    const name = dto.module_name;
    if (!(await this.modules.allowedModules()).includes(name))
      throw conflict(
        `${name} is not an allowed module: allow it first (PATCH /api/settings/modules {"add_modules": ["${name}"]}, which installs it) or approve a request for it`,
      );
    const { module } = await this.installs.ensureInstalled(name, {
      version: dto.version,
      allowCritical: dto.allow_critical,
      force: true,
    });
    await this.uow.run(async () => {
      await this.installs.record(actor, module);
      await this.activity.audit(actor, {
        message: `Module ${name}@${module.version} installed by ${actor.name}`,
        details: {
          module: name,
          version: module.version,
          integrity: module.integrity,
          bundle_sha256: module.bundleSha256,
          critical_override: module.criticalAllowed,
        },
      });
      await this.modules.recomputeAllowedModules([name]);
    });
    return mapInstalledModule(module);
  }

  /** `POST /api/settings/modules/sync`: installs allowed-but-missing modules and drops bundles no longer allowed. */
  async sync(actor: Actor): Promise<ModulesSyncDto> {
    requireAdmin(actor, 'sync the installed modules');
    const allowed = await this.modules.allowedModules();
    const present = new Set((await this.installs.installed()).map((m) => m.name));
    const result: ModulesSyncDto = { installed: [], removed: [], unchanged: [], failed: [] };
    const fresh: InstalledModule[] = [];
    for (const name of allowed) {
      if (present.has(name)) {
        result.unchanged.push(name);
        continue;
      }
      try {
        fresh.push((await this.installs.ensureInstalled(name)).module);
        result.installed.push(name);
      } catch (err) {
        if (!(err instanceof PackageRefused)) throw err;
        result.failed.push({ name, reason: err.reason, message: err.message });
      }
    }
    const stale = [...present].filter((n) => !allowed.includes(n));
    result.removed = await this.installs.dropBundles(stale);
    await this.uow.run(async () => {
      for (const module of fresh) await this.installs.record(actor, module);
      await this.installs.forget(stale);
      await this.activity.audit(actor, {
        message: `Module store synced by ${actor.name}: ${result.installed.length} installed, ${result.removed.length} removed, ${result.failed.length} failed`,
        details: { ...result },
      });
      await this.modules.recomputeAllowedModules(result.installed);
    });
    return result;
  }
}
