import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
import { InstallModuleDto, UpdateAllowedModulesDto } from './dto/module.dto';
import {
  InstalledModuleDto,
  ModuleLookupDto,
  ModulesConfigDto,
  ModulesEnhancedDto,
  ModulesSyncDto,
} from './dto/module-settings.dto';
import { ModuleNameParamPipe } from './module-name-param';
import { ModuleStoreService } from './module-store.service';
import { ModulesService } from './modules.service';

const NAME = {
  name: 'name',
  description: 'npm package name; a scoped name URL-encoded (%40scope%2Fname)',
  example: 'yaml',
} as const;
const BAD_NAME =
  'Not a valid npm package name (paths such as ../x or @scope/../x, URLs, git/file specs, tarballs, Node built-ins, upper case)';
const REFUSED =
  'The installer refused the package; message and details.reason say why (node_builtin, native_code, integrity_mismatch, critical_advisory, bundle_too_large, ...)';
const REGISTRY_DOWN = 'The registry (MCPBOX_NPM_REGISTRY) could not be reached or answered unusably';

@ApiTags('settings')
@Authenticated()
@Controller('api/settings/modules')
export class ModulesController {
  constructor(
    private readonly modules: ModulesService,
    private readonly store: ModuleStoreService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The allowed npm modules',
    description:
      'Modules tool code may import (global: one approval serves every tool), derived from the approved module records, with the registry they install from and the bundle size limit.',
  })
  @ApiOkResponse({ type: ModulesConfigDto, description: 'The allowed modules and where they install from' })
  get(@CurrentActor() actor: Actor): Promise<ModulesConfigDto> {
    return this.modules.settings(actor);
  }

  @Patch()
  @ApiOperation({
    summary: 'Allow or revoke modules',
    description:
      'add_modules: each is installed (fetched from the registry, integrity-checked, bundled; install scripts never run), then gets an approved admin record; a refused install refuses the whole edit (409) and nothing changes. remove_modules: revoked for every tool at once (records stay as rejected history; running servers lose it), bundles dropped. Admins only.',
  })
  @ApiOkResponse({ type: ModulesConfigDto, description: 'The allowed list after the change' })
  @ApiErrors({ 400: `Empty body, unknown field, a module both added and removed; ${BAD_NAME}` }, 415, {
    404: 'A package to add does not exist on the registry',
    409: REFUSED,
    503: REGISTRY_DOWN,
  })
  update(@Body() dto: UpdateAllowedModulesDto, @CurrentActor() actor: Actor): Promise<ModulesConfigDto> {
    return this.modules.updateAllowList(actor, dto);
  }

  @Get('enhanced')
  @ApiOperation({
    summary: 'Allowed modules with their install state',
    description:
      'Per module: allowed, installed (an intact bundle in the store), version, bundle size and sha256, tarball integrity, the source and reviewer of the record that allows it, who installed it, the critical-advisory override and known advisories. Installed bundles no longer allowed are listed too (sync drops them).',
  })
  @ApiOkResponse({ type: ModulesEnhancedDto, description: 'Every allowed or installed module with its state' })
  enhanced(@CurrentActor() actor: Actor): Promise<ModulesEnhancedDto> {
    return this.store.enhanced(actor);
  }

  @Get('npm/:name')
  @ApiOperation({
    summary: 'Look a package up on the npm registry',
    description:
      'Name, latest version, description, license, homepage, weekly downloads (when the registry says), known advisories of the latest version, and from a trial bundle (nothing stored) whether it needs Node built-ins and whether it can be installed.',
  })
  @ApiParam(NAME)
  @ApiOkResponse({ type: ModuleLookupDto, description: 'What the registry says about the package' })
  @ApiErrors({
    400: BAD_NAME,
    404: 'The registry does not know the package, or it has no latest version',
    503: REGISTRY_DOWN,
  })
  lookupNpm(@Param('name', ModuleNameParamPipe) name: string, @CurrentActor() actor: Actor): Promise<ModuleLookupDto> {
    return this.store.lookup(actor, name);
  }

  @Get('pypi/:name')
  @ApiOperation({
    summary: 'Look a package up (the seed path; same as npm/{name})',
    description:
      "Kept at the seed's path: tool code is JavaScript, so this answers from the npm registry modules install from, exactly as GET /api/settings/modules/npm/{name}.",
  })
  @ApiParam(NAME)
  @ApiOkResponse({ type: ModuleLookupDto, description: 'What the registry says about the package' })
  @ApiErrors({
    400: BAD_NAME,
    404: 'The registry does not know the package, or it has no latest version',
    503: REGISTRY_DOWN,
  })
  lookupSeed(@Param('name', ModuleNameParamPipe) name: string, @CurrentActor() actor: Actor): Promise<ModuleLookupDto> {
    return this.store.lookup(actor, name);
  }

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Bring the module store in line with the allowed list',
    description:
      'Installs every allowed module whose bundle is missing (refusals are listed, not thrown) and drops bundles no longer allowed.',
  })
  @ApiOkResponse({ type: ModulesSyncDto, description: 'What was installed, refused and dropped' })
  @ApiErrors(400, 415, { 503: REGISTRY_DOWN })
  sync(@CurrentActor() actor: Actor): Promise<ModulesSyncDto> {
    return this.store.sync(actor);
  }

  @Post(':name/install')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Install (or reinstall) an allowed module',
    description:
      "Fetches the package (version: a semver range or dist-tag, default latest) and its dependencies from the registry, checks each tarball against the registry's dist.integrity, never runs install scripts, bundles the tree into one ES module for the isolate (esbuild) and stores it with its version and hash; running servers get the new bundle. A package needing Node built-ins or native code, over the bundle size limit, or with a critical advisory (unless allow_critical, recorded in the audit) is refused.",
  })
  @ApiParam(NAME)
  @ApiOkResponse({ type: InstalledModuleDto, description: 'The installed module' })
  @ApiErrors({ 400: `${BAD_NAME}; a version that is not a semver range or dist-tag; unknown field` }, 415, {
    404: 'No such package, or no version matches the range',
    409: `The module is not allowed; or: ${REFUSED}`,
    503: REGISTRY_DOWN,
  })
  install(
    @Param('name', ModuleNameParamPipe) name: string,
    @Body() dto: InstallModuleDto,
    @CurrentActor() actor: Actor,
  ): Promise<InstalledModuleDto> {
    return this.store.install(actor, { module_name: name, ...dto });
  }
}
