import type { ArgumentMetadata, PipeTransform, Type } from '@nestjs/common';
import { getMetadataStorage, IS_INT, IS_NUMBER } from 'class-validator';
import { validateInput } from './contract/validate-input';
import { InputError } from './errors';
import { jsonInputIssue } from './json-input';

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object, Buffer, Date];
const isInputClass = (t: unknown): t is Type<object> => typeof t === 'function' && !PRIMITIVES.includes(t);

/**
 * A query string has no types: a numeric member of the query's DTO becomes a number when it
 * is plain decimal digits, and stays a string otherwise (`0x10`, `1e3`, `1.0`, or a repeated
 * parameter, which arrives as an array), so it fails the DTO's integer rule instead of being
 * read as some other number. JSON input (bodies, MCP arguments) is typed and never coerced.
 */
function numbersFromQuery(dto: Type<object>, query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  const numeric = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(dto, '', true, false)
      .filter((m) => m.name === IS_INT || m.name === IS_NUMBER)
      .map((m) => m.propertyName),
  );
  const out: Record<string, unknown> = { ...(query as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out))
    if (numeric.has(key) && typeof value === 'string' && /^\d{1,16}$/.test(value)) out[key] = Number(value);
  return out;
}

/**
 * The global pipe: a body or query with a DTO goes through `validateInput`, the same
 * function the MCP management tools and internal callers use (one code path, one set of
 * messages). Other values (path parameters, a raw document) are checked for what would end
 * as a 500 deeper down (NUL, nesting, reserved keys); a numeric path value is converted
 * only from plain decimal digits (`1e3` or `0x10` stay strings and fail, never read as another number).
 */
export class InputValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    if ((metadata.type === 'body' || metadata.type === 'query') && !metadata.data && isInputClass(metadata.metatype)) {
      const input = metadata.type === 'query' ? numbersFromQuery(metadata.metatype, value) : value;
      return validateInput(metadata.metatype, input);
    }
    const issue = jsonInputIssue(value, metadata.type === 'body' ? '' : (metadata.data ?? ''));
    if (issue) throw new InputError([issue.message], issue.field ? [issue.field] : []);
    if ((metadata.type === 'param' || metadata.type === 'query') && metadata.data && value !== undefined) {
      if (metadata.metatype === Number) return typeof value === 'string' && /^-?\d+$/.test(value) ? +value : value;
      if (metadata.metatype === String) return String(value);
    }
    return value;
  }
}

export function createValidationPipe(): PipeTransform {
  return new InputValidationPipe();
}
