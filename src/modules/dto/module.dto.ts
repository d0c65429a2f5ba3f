import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean } from 'class-validator';
import { AtLeastOneOf, defineInputRule, IsText, OptionalNotNull } from '../../common/contract/input-rules';
import { DomainError } from '../../common/errors';
import { MAX_REQUEST_TEXT } from '../../common/request-queue.dto';
import { MAX_RANGE_LENGTH, validatePackageName } from '../packages/package-name';

/** npm's limit on a package name. */
export const MODULE_NAME_MAX = 214;
/** An npm package name, scoped or not (lower case; the registry refuses anything else for new packages). */
export const MODULE_NAME_PATTERN = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** Why a name is refused (the installer's one name rule: paths, URLs, specs, built-ins...), or null. */
export const moduleNameProblem = (value: unknown): string | null => {
  try {
    validatePackageName(value);
    return null;
  } catch (err) {
    if (err instanceof DomainError) return err.message;
    throw err;
  }
};

const isModuleName = defineInputRule<[]>({
  name: 'isModuleName',
  validate: (v) =>
    typeof v === 'string' && v.length <= MODULE_NAME_MAX && MODULE_NAME_PATTERN.test(v) && !moduleNameProblem(v),
  message: (p, _c, args) =>
    (typeof args.value === 'string' && moduleNameProblem(args.value)) ||
    `${p} must be npm package names (lower case, at most ${MODULE_NAME_MAX} characters, optionally @scope/name)`,
  schema: () => ({ type: 'string', maxLength: MODULE_NAME_MAX, pattern: MODULE_NAME_PATTERN.source }),
});

/** The critical-advisory override, documented once. */
const ALLOW_CRITICAL_DOC = {
  description:
    'Install although a package of the tree has a critical advisory (the override is recorded in the audit entry)',
};

/**
 * `modules.updateAllowList`: the body of `PATCH /api/settings/modules`
 * (docs/approvals.md#module-allowances). Admins only. Added modules are installed first: a
 * refused install refuses the whole edit (409).
 */
@AtLeastOneOf(['add_modules', 'remove_modules'], 'at least one of add_modules, remove_modules is required')
export class UpdateAllowedModulesDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description: 'Modules to allow (admin-sourced, approved records); each is installed',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @isModuleName([], { each: true })
  add_modules?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description: 'Modules to revoke for every tool (records stay as history; bundles are dropped)',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @isModuleName([], { each: true })
  remove_modules?: string[];

  @ApiPropertyOptional(ALLOW_CRITICAL_DOC)
  @OptionalNotNull()
  @IsBoolean()
  allow_critical?: boolean;
}

/** A module name alone: an import document's module records; the `{name}` of the module routes. */
export class ModuleNameDto {
  @ApiProperty({ description: 'npm package name; scoped names URL-encoded in paths (%40scope%2Fname)' })
  @isModuleName([])
  module_name: string;
}

/** `modules.install`: `POST /api/settings/modules/{name}/install`. */
export class InstallModuleDto {
  @ApiPropertyOptional({
    maxLength: MAX_RANGE_LENGTH,
    description: 'A semver range or dist-tag (default latest)',
    example: '^2.3.0',
  })
  @OptionalNotNull()
  @IsText({ maxLength: MAX_RANGE_LENGTH })
  version?: string;

  @ApiPropertyOptional(ALLOW_CRITICAL_DOC)
  @OptionalNotNull()
  @IsBoolean()
  allow_critical?: boolean;
}

/** `moduleRequests.request`: `mcpbox_request_module` (with tool_id). */
export class RequestModuleDto {
  @ApiProperty({ description: 'The npm package the tool imports, e.g. yaml or @scope/name' })
  @isModuleName([])
  module_name: string;

  @ApiProperty({ maxLength: MAX_REQUEST_TEXT, description: 'Why the tool needs it (the admin reads this)' })
  @IsText({ maxLength: MAX_REQUEST_TEXT })
  justification: string;
}
