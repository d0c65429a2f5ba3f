import { Ajv, type AnySchemaObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020';
import { RE2JS } from 're2js';
import { canonicalJson } from '../common/canonical-json';
import { ComputeBusy, ComputeTimeout, computeTask, runCompute } from '../common/compute/compute-pool';
import { invalid, unavailable } from '../common/errors';
import type { JsonSchema } from './entities/tool.entity';

/**
 * A call's arguments checked against the tool's input schema, in the app's process before
 * the sandbox runs anything (docs/sandbox.md#arguments). The schema is the tool author's,
 * the arguments the caller's: nothing here may take more than linear time on them.
 *
 * - `pattern` and `patternProperties` run on RE2 (re2js: linear time, no backtracking, so no
 *   ReDoS). RE2 has no backreferences or lookaround and repeats at most 1000 times: a
 *   schema needing more is refused when the tool is saved (`argumentsSchemaProblem`).
 * - `uniqueItems` compares canonical JSON texts in a set, not every pair of items.
 * - `format` is an annotation, as JSON Schema 2020-12 has it by default.
 * - The dialect is 2020-12 (MCP's default) unless `$schema` names draft-04, -06 or -07, or
 *   there is no `$schema` and only draft-07 can read the schema.
 */

/** `(args) => null` when the arguments fit the schema, else what is wrong (for the caller to correct). */
export type ArgumentsCheck = (args: Record<string, unknown>) => string | null;

const MAX_REPORTED_ERRORS = 10;
const CACHE_SIZE = 500;

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-0[4-7]\/schema#?$/;

/** A pattern as Ajv tests it (`RegExp.test`: found anywhere in the string), on RE2. */
function linearRegExp(pattern: string): { test: (s: string) => boolean; toString: () => string } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    throw new Error(`pattern ${JSON.stringify(pattern)} is not one RE2 can check in linear time (${why})`, {
      cause: err,
    });
  }
  // Ajv keeps one compiled pattern per toString(): it must name the pattern.
  return { test: (s) => re.matcher(s).find(), toString: () => `/${pattern}/ (RE2)` };
}

const OPTIONS: Options = {
  // The schema's shape was checked when the tool was saved (input-schema.ts); Ajv's meta-schemas
  // would cost ~10 ms per compile.
  meta: false,
  validateSchema: false,
  strict: false,
  allErrors: true,
  validateFormats: false,
  allowUnionTypes: true,
  code: { regExp: linearRegExp as unknown as NonNullable<Options['code']>['regExp'] },
};

function uniqueItems(this: unknown, enabled: boolean, data: unknown): boolean {
  if (!enabled || !Array.isArray(data)) return true;
  const seen = new Set<string>();
  for (const item of data) {
    const text = canonicalJson(item);
    if (seen.has(text)) return false;
    seen.add(text);
  }
  return true;
}

function ajvFor(dialect: 'draft-07' | '2020-12'): Ajv {
  const ajv = dialect === 'draft-07' ? new Ajv(OPTIONS) : new Ajv2020(OPTIONS);
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword({
    keyword: 'uniqueItems',
    schemaType: 'boolean',
    validate: uniqueItems,
    error: { message: 'must not have duplicate items' },
  });
  return ajv;
}

/**
 * A fresh Ajv per schema: no `$id` of one tool can clash with another's, and nothing
 * outlives the validator. Without `$schema`, a schema only draft-07 can read (tuple
 * `items: [...]`, as many generators still write) is read as draft-07.
 */
function compile(schema: JsonSchema): ValidateFunction {
  const { $schema, ...rest } = schema;
  if (typeof $schema === 'string' && DRAFT_07.test($schema)) return ajvFor('draft-07').compile(rest as AnySchemaObject);
  try {
    return ajvFor('2020-12').compile(rest as AnySchemaObject);
  } catch (err) {
    if ($schema !== undefined) throw err;
    try {
      return ajvFor('draft-07').compile(rest as AnySchemaObject);
    } catch {
      throw err;
    }
  }
}

/** Compiled checks by canonical schema text: a server reload recompiles nothing it already has. */
const cache = new Map<string, ValidateFunction | Error>();

function compiled(schema: JsonSchema): ValidateFunction | Error {
  const key = canonicalJson(schema);
  let entry = cache.get(key);
  if (entry === undefined) {
    try {
      entry = compile(schema);
    } catch (err) {
      entry = err instanceof Error ? err : new Error(String(err));
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, entry);
  }
  return entry;
}

/** Null when the schema can check arguments as above, else why not (naming input_schema). */
export function argumentsSchemaProblem(schema: JsonSchema): string | null {
  const entry = compiled(schema);
  return entry instanceof Error ? `input_schema cannot check arguments: ${entry.message}` : null;
}

const SCHEMA_CHECK = computeTask(__filename, { argumentsSchemaProblem });
const SCHEMA_CHECK_DEADLINE_MS = 5000;

/**
 * Refuses (400, naming input_schema) a schema a tool is saved with that cannot check
 * arguments. Compiling costs time on the author's schema, so it runs in a compute worker
 * with a deadline, never on the event loop (the save's request is from an LLM as often as not).
 */
export async function checkArgumentsSchema(schema: JsonSchema): Promise<void> {
  let problem: string | null;
  try {
    problem = await runCompute(SCHEMA_CHECK, [schema], { deadlineMs: SCHEMA_CHECK_DEADLINE_MS });
  } catch (err) {
    if (err instanceof ComputeBusy) throw unavailable(`Cannot check input_schema now: ${err.message}`);
    if (!(err instanceof ComputeTimeout)) throw err;
    problem = `input_schema is too costly to check arguments with (more than ${SCHEMA_CHECK_DEADLINE_MS / 1000} s)`;
  }
  if (problem) throw invalid(problem, { fields: ['input_schema'] });
}

/**
 * The check of a tool's arguments. A tool without a schema takes any object. A schema saved
 * before it could be checked (see `argumentsSchemaProblem`) checks nothing rather than
 * making its tool uncallable; `uncheckable` hears why.
 */
export function argumentsCheck(schema: JsonSchema | null, uncheckable?: (why: string) => void): ArgumentsCheck {
  if (schema === null) return () => null;
  const entry = compiled(schema);
  if (entry instanceof Error) {
    uncheckable?.(entry.message);
    return () => null;
  }
  return (args) => {
    try {
      if (entry(args)) return null;
    } catch (err) {
      // A recursive schema walking arguments nested deeper than the stack allows.
      if (err instanceof RangeError) return 'arguments are nested too deeply to be checked';
      throw err;
    }
    const errors = entry.errors ?? [];
    const shown = errors
      .slice(0, MAX_REPORTED_ERRORS)
      .map((e) => `${e.instancePath ? `arguments${e.instancePath}` : 'arguments'} ${e.message ?? 'is invalid'}`);
    const more = errors.length > MAX_REPORTED_ERRORS ? ` (and ${errors.length - MAX_REPORTED_ERRORS} more)` : '';
    return `${shown.join('; ')}${more}`;
  };
}
