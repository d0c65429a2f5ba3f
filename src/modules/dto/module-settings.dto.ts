import { ApiProperty } from '@nestjs/swagger';
import type { InstalledModule, PackageLookup } from '../packages/package-types';
import type { Advisory } from '../packages/registry-client';

/** `GET|PATCH /api/settings/modules`: the allowed list and where modules come from. */
export class ModulesConfigDto {
  @ApiProperty({ type: [String], description: 'Modules tool code may import (global), from approved records' })
  allowed_modules: string[];
  @ApiProperty({ description: 'MCPBOX_NPM_REGISTRY' }) registry_url: string;
  @ApiProperty({ description: 'MCPBOX_MODULE_MAX_BUNDLE_BYTES' }) max_bundle_bytes: number;
}

export class AdvisoryDto {
  @ApiProperty() id: string;
  @ApiProperty() package: string;
  @ApiProperty() version: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: ['info', 'low', 'moderate', 'high', 'critical'] }) severity: string;
  @ApiProperty({ type: String, nullable: true }) url: string | null;
  @ApiProperty() vulnerable_versions: string;
}

export const mapAdvisory = (a: Advisory): AdvisoryDto => ({
  id: a.id,
  package: a.package,
  version: a.version,
  title: a.title,
  severity: a.severity,
  url: a.url,
  vulnerable_versions: a.vulnerableVersions,
});

/** One installed module (`POST .../install`). */
export class InstalledModuleDto {
  @ApiProperty() name: string;
  @ApiProperty() version: string;
  @ApiProperty({ description: "sha512 SRI of the tarball, verified against the registry's dist.integrity" })
  integrity: string;
  @ApiProperty() bundle_sha256: string;
  @ApiProperty() bundle_bytes: number;
  @ApiProperty({ description: 'Packages bundled with it' }) dependencies: number;
  @ApiProperty({
    type: [String],
    description: 'Install scripts the tree declares: never run ("package@version: script")',
  })
  ignored_install_scripts: string[];
  @ApiProperty({ type: [AdvisoryDto] }) advisories: AdvisoryDto[];
  @ApiProperty({ description: 'False when the registry has no advisory service' }) advisories_checked: boolean;
  @ApiProperty({ description: 'Installed despite a critical advisory (admin override)' }) critical_override: boolean;
  @ApiProperty({ format: 'date-time' }) installed_at: string;
}

export function mapInstalledModule(m: InstalledModule): InstalledModuleDto {
  const scripts = [m, ...m.dependencies].flatMap((p) =>
    p.ignoredInstallScripts.map((s) => `${p.name}@${p.version}: ${s}`),
  );
  return {
    name: m.name,
    version: m.version,
    integrity: m.integrity,
    bundle_sha256: m.bundleSha256,
    bundle_bytes: m.bytes,
    dependencies: m.dependencies.length,
    ignored_install_scripts: scripts,
    advisories: m.advisories.map(mapAdvisory),
    advisories_checked: m.advisoriesChecked,
    critical_override: m.criticalAllowed,
    installed_at: m.installedAt,
  };
}

/** One module of `GET /api/settings/modules/enhanced`. */
export class EnhancedModuleDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'In global_config.allowed_modules' }) allowed: boolean;
  @ApiProperty({ description: 'Its bundle is in the module store, intact' }) installed: boolean;
  @ApiProperty({ type: String, nullable: true }) version: string | null;
  @ApiProperty({ type: Number, nullable: true }) bundle_bytes: number | null;
  @ApiProperty({ type: String, nullable: true }) bundle_sha256: string | null;
  @ApiProperty({ type: String, nullable: true }) integrity: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['llm', 'admin', 'import', null] }) source: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Who approved the record that allows it' })
  approved_by: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) approved_at: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Who installed the bundle' }) installed_by: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) installed_at: string | null;
  @ApiProperty() critical_override: boolean;
  @ApiProperty({ type: [AdvisoryDto] }) advisories: AdvisoryDto[];
}

export class ModulesEnhancedDto extends ModulesConfigDto {
  @ApiProperty({
    type: [EnhancedModuleDto],
    description: 'Every allowed module, and installed bundles that are no longer allowed (sync drops them), by name',
  })
  modules: EnhancedModuleDto[];
}

export class InstallabilityDto {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: Number, nullable: true }) bundle_bytes: number | null;
  @ApiProperty({ type: Number, nullable: true }) packages: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Refusal code, e.g. node_builtin' }) reason: string | null;
  @ApiProperty({ type: String, nullable: true }) message: string | null;
}

/** `GET /api/settings/modules/npm/{name}` (and the seed's `.../pypi/{name}`). */
export class ModuleLookupDto {
  @ApiProperty() name: string;
  @ApiProperty() latest_version: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, nullable: true }) license: string | null;
  @ApiProperty({ type: String, nullable: true }) homepage: string | null;
  @ApiProperty({ type: String, nullable: true }) repository: string | null;
  @ApiProperty({ type: String, nullable: true }) deprecated: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'null when the registry does not say' })
  weekly_downloads: number | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'From a trial bundle; null when it stopped earlier' })
  needs_node_builtins: boolean | null;
  @ApiProperty({ type: [String], description: 'The built-ins and who imports them ("fs via needs-fs/index.js")' })
  node_builtins: string[];
  @ApiProperty({ type: [AdvisoryDto], description: 'Known advisories of the latest version' })
  advisories: AdvisoryDto[];
  @ApiProperty() advisories_checked: boolean;
  @ApiProperty({ type: InstallabilityDto, nullable: true }) installable: InstallabilityDto | null;
  @ApiProperty() allowed: boolean;
  @ApiProperty({ type: String, nullable: true }) installed_version: string | null;
}

export function mapLookup(l: PackageLookup, allowed: boolean, installedVersion: string | null): ModuleLookupDto {
  return {
    name: l.name,
    latest_version: l.latestVersion,
    description: l.description,
    license: l.license,
    homepage: l.homepage,
    repository: l.repository,
    deprecated: l.deprecated,
    weekly_downloads: l.weeklyDownloads,
    needs_node_builtins: l.needsNodeBuiltins,
    node_builtins: l.nodeBuiltins.map((b) => `${b.builtin} via ${b.importer}`),
    advisories: l.advisories.map(mapAdvisory),
    advisories_checked: l.advisoriesChecked,
    installable: l.installable
      ? l.installable.ok
        ? {
            ok: true,
            bundle_bytes: l.installable.bundleBytes,
            packages: l.installable.packages,
            reason: null,
            message: null,
          }
        : {
            ok: false,
            bundle_bytes: null,
            packages: null,
            reason: l.installable.reason,
            message: l.installable.message,
          }
      : null,
    allowed,
    installed_version: installedVersion,
  };
}

export class SyncFailureDto {
  @ApiProperty() name: string;
  @ApiProperty() reason: string;
  @ApiProperty() message: string;
}

/** `POST /api/settings/modules/sync`. */
export class ModulesSyncDto {
  @ApiProperty({ type: [String], description: 'Allowed but missing, now installed' }) installed: string[];
  @ApiProperty({ type: [String], description: 'Bundles no longer allowed, dropped' }) removed: string[];
  @ApiProperty({ type: [String], description: 'Allowed and installed already' }) unchanged: string[];
  @ApiProperty({ type: [SyncFailureDto], description: 'Allowed but refused by the installer (stays missing)' })
  failed: SyncFailureDto[];
}
