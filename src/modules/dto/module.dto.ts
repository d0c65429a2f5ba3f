import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray } from 'class-validator';
import { AtLeastOneOf, defineInputRule, OptionalNotNull } from '../../common/contract/input-rules';

/** npm's limit on a package name. */
export const MODULE_NAME_MAX = 214;
/** An npm package name, scoped or not (lower case; the registry refuses anything else for new packages). */
export const MODULE_NAME_PATTERN = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

const isModuleName = defineInputRule<[]>({
  name: 'isModuleName',
  validate: (v) => typeof v === 'string' && v.length <= MODULE_NAME_MAX && MODULE_NAME_PATTERN.test(v),
  message: (p) =>
    `${p} must be npm package names (lower case, at most ${MODULE_NAME_MAX} characters, optionally @scope/name)`,
  schema: () => ({ type: 'string', maxLength: MODULE_NAME_MAX, pattern: MODULE_NAME_PATTERN.source }),
});

/**
 * `modules.updateAllowList`: the body of `PATCH /api/settings/modules` (docs/approvals.md#module-allowances; the route
 * and the install of approved modules arrive with the modules issue). Admins only.
 */
@AtLeastOneOf(['add_modules', 'remove_modules'], 'at least one of add_modules, remove_modules is required')
export class UpdateAllowedModulesDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description: 'Modules to allow (admin-sourced, approved records)',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @isModuleName([], { each: true })
  add_modules?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description: 'Modules to revoke for every tool (records stay as history)',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @isModuleName([], { each: true })
  remove_modules?: string[];
}

/** A module name alone, as an import document lists its module records. */
export class ModuleNameDto {
  @isModuleName([]) module_name: string;
}
