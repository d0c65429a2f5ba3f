import type { PipeTransform } from '@nestjs/common';
import { validateInput } from '../common/contract/validate-input';
import { ModuleNameDto } from './dto/module.dto';

/**
 * A `{name}` path parameter of the module routes: an npm name by the installer's one rule
 * (scoped names arrive URL-encoded, `%40scope%2Fname`, and are decoded by the router);
 * anything else — `../x`, URLs, git or file specs, tarballs, built-ins — is a 400.
 */
export class ModuleNameParamPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return validateInput(ModuleNameDto, { module_name: value }).module_name;
  }
}
