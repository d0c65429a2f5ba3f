import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { InputError } from '../errors';
import { jsonInputIssue } from '../json-input';
import { CLASS_RULE_PROPERTY } from './input-rules';

/** Whitelist and refuse unknown fields (nothing is dropped silently); messages never quote a value. */
const OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

/** More than this and the rest are summed up: a body of 10 000 unknown keys gets a short answer. */
const MAX_PROBLEMS = 100;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The one validation of an operation's input, from its one definition (the DTO class):
 * the global REST pipe runs it on every body and query, the MCP management tools on their
 * arguments, internal callers (import) on what they build from a document.
 *
 * First what would otherwise end as a 500 deeper down (a NUL character, absurd nesting, a
 * reserved key), then the DTO's rules with unknown fields refused. Returns the DTO
 * instance, or throws an `InputError` (400-kind) listing every problem, each naming its field.
 * Absent input (undefined/null) is an empty object: an action without a body.
 */
export function validateInput<T extends object>(dto: Type<T>, value: unknown): T {
  const issue = jsonInputIssue(value, '');
  if (issue) throw new InputError([issue.message], issue.field ? [issue.field] : []);
  const input = value ?? {};
  if (!isPlainObject(input)) throw new InputError(['the input must be a JSON object'], []);
  const instance = plainToInstance(dto, input, { enableImplicitConversion: false });
  const errors = validateSync(instance, OPTIONS);
  if (errors.length) {
    const problems = flatten(errors);
    const fields = [...new Set(errors.flatMap(fieldsOf))];
    throw new InputError(
      problems.length > MAX_PROBLEMS
        ? [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more problems`]
        : problems,
      fields,
    );
  }
  return instance;
}

/** Every message, each starting with its field's path (`a.b`), class-level rules as they are. */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    if (e.property === CLASS_RULE_PROPERTY) return Object.values(e.constraints ?? {});
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? m.replace(e.property, path) : `${path}: ${m}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** The top-level fields an error is about (a class-level rule names the fields it is about). */
function fieldsOf(e: ValidationError): string[] {
  if (e.property !== CLASS_RULE_PROPERTY) return [e.property];
  return Object.keys(e.constraints ?? {}).length ? ['body'] : [];
}
