import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { Actor } from '../common/actor';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { InstalledModuleRecord } from './entities/installed-module.entity';
import { PackageInstaller } from './packages/package-installer';
import type { PackageLookup } from './packages/package-types';
import type { InstalledModule } from './packages/package-types';

export interface EnsureOptions {
  /** A semver range or dist-tag; given, the module is installed again even when present. */
  version?: string;
  /** The admin's critical-advisory override. */
  allowCritical?: boolean;
  /** Install again although an intact bundle is present. */
  force?: boolean;
}

/**
 * The module store as the services use it: the PackageInstaller's bundles on disk (what the
 * sandbox loads, `<DATA_DIR>/modules`) and their records in `installed_modules`. Installing
 * happens outside any transaction (it fetches from the registry); the database record is
 * written in the caller's unit of work, together with the approval it belongs to.
 */
@Injectable()
export class ModuleInstallsService {
  constructor(
    @InjectRepository(InstalledModuleRecord) private readonly records: Repository<InstalledModuleRecord>,
    private readonly uow: UnitOfWork,
    readonly installer: PackageInstaller,
  ) {}

  /** The module's intact bundle, installed now unless one is already there; throws PackageRefused with the reason. */
  async ensureInstalled(name: string, opts: EnsureOptions = {}): Promise<{ module: InstalledModule; fresh: boolean }> {
    if (!opts.force && opts.version === undefined) {
      const present = await this.installer.readBundle(name);
      if (present) return { module: present.module, fresh: false };
    }
    const module = await this.installer.install(name, opts.version, { allowCritical: opts.allowCritical === true });
    return { module, fresh: true };
  }

  /** Writes (or replaces) the database record of an installed module, in the current unit of work. */
  async record(actor: Actor, module: InstalledModule): Promise<void> {
    const repo = this.repo;
    const row = (await repo.findOneBy({ moduleName: module.name })) ?? repo.create({ moduleName: module.name });
    Object.assign(row, {
      version: module.version,
      integrity: module.integrity,
      bundleSha256: module.bundleSha256,
      bundleBytes: module.bytes,
      installedBy: actor.name,
      criticalOverride: module.criticalAllowed,
    });
    await repo.save(row);
  }

  /** As `record`, unless the module has a record already (a bundle installed before, e.g. by another approval). */
  async recordIfMissing(actor: Actor, module: InstalledModule): Promise<void> {
    if (!(await this.repo.exists({ where: { moduleName: module.name } }))) await this.record(actor, module);
  }

  /** Deletes the records of these modules (in the current unit of work). */
  async forget(names: string[]): Promise<void> {
    if (names.length) await this.repo.delete({ moduleName: In(names) });
  }

  /** Removes bundles from the store (disk: call it after the commit that revoked them). */
  async dropBundles(names: string[]): Promise<string[]> {
    const dropped: string[] = [];
    for (const name of names) if (await this.installer.remove(name)) dropped.push(name);
    return dropped;
  }

  /** Every intact installed module on disk, by name. */
  installed(): Promise<InstalledModule[]> {
    return this.installer.list();
  }

  async recordsByName(): Promise<Map<string, InstalledModuleRecord>> {
    return new Map((await this.repo.find()).map((r) => [r.moduleName, r]));
  }

  lookup(name: string): Promise<PackageLookup> {
    return this.installer.lookup(name);
  }

  private get repo(): Repository<InstalledModuleRecord> {
    return this.uow.with(this.records);
  }
}
