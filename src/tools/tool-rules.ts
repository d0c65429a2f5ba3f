import { canonicalJson } from '../common/canonical-json';
import { invalid } from '../common/errors';
import { jsonInputProblem, nulProblem } from '../common/json-input';
import { MAX_CODE_BYTES, MAX_TIMEOUT_MS } from '../common/limits';
import { nameProblem } from '../servers/server-rules';
import type { CodeAnalysis } from './code-analysis';
import { codeBytes } from './code-analysis';
import { TOOL_LANGUAGES, type JsonSchema, type ToolLanguage } from './entities/tool.entity';
import { inputSchemaProblem } from './input-schema';

/** What `create` takes: the Admin API body and the MCP tool's arguments alike (snake_case). */
export interface CreateToolInput {
  name: string;
  description: string;
  code: string;
  language?: ToolLanguage;
  /** Omitted or null: derived from main's destructured parameter. */
  input_schema?: JsonSchema | null;
  /** null = the server's default_timeout_ms. */
  timeout_ms?: number | null;
  enabled?: boolean;
  change_summary?: string;
}

export type UpdateToolInput = Partial<CreateToolInput>;

const MAX_SUMMARY = 1000;

/**
 * Every field problem of a create (partial = false) or patch, each naming its field.
 * Services re-check what the DTO checked because the MCP tools call them with raw JSON.
 */
export function checkToolInput(input: UpdateToolInput, partial: boolean): void {
  const problems: Record<string, string> = {};
  if (!partial || input.name !== undefined) {
    const p = nameProblem(input.name);
    if (p) problems.name = p;
  }
  if ((!partial || input.description !== undefined) && typeof input.description !== 'string')
    problems.description = 'description must be a string';
  else if (nulProblem(input.description, 'description'))
    problems.description = nulProblem(input.description, 'description') as string;
  if (!partial || input.code !== undefined) {
    if (typeof input.code !== 'string') problems.code = 'code must be a string';
    else if (codeBytes(input.code) > MAX_CODE_BYTES)
      problems.code = `code is ${codeBytes(input.code)} bytes of UTF-8; the limit is ${MAX_CODE_BYTES} bytes (100 KB)`;
    else if (nulProblem(input.code, 'code')) problems.code = nulProblem(input.code, 'code') as string;
  }
  if (input.language !== undefined && !TOOL_LANGUAGES.includes(input.language))
    problems.language = `language must be one of ${TOOL_LANGUAGES.join(', ')}`;
  if (input.input_schema !== undefined && input.input_schema !== null) {
    // Stored as jsonb and compared as canonical JSON: no NUL, no absurd nesting in any member.
    const p = jsonInputProblem(input.input_schema, 'input_schema') ?? inputSchemaProblem(input.input_schema);
    if (p) problems.input_schema = p;
  }
  const t = input.timeout_ms;
  if (t !== undefined && t !== null && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_MS)) {
    problems.timeout_ms = `timeout_ms must be an integer from 1 to ${MAX_TIMEOUT_MS}, or null for the server default`;
  }
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') problems.enabled = 'enabled must be a boolean';
  if (
    input.change_summary !== undefined &&
    (typeof input.change_summary !== 'string' ||
      input.change_summary.length > MAX_SUMMARY ||
      input.change_summary.includes('\u0000'))
  ) {
    problems.change_summary = `change_summary must be a string of at most ${MAX_SUMMARY} characters, without NUL`;
  }
  if (partial && Object.values(input).every((v) => v === undefined))
    problems.body = 'at least one field to change is required';
  const fields = Object.keys(problems);
  if (fields.length) throw invalid(Object.values(problems).join('; '), { fields });
}

/** Code that cannot run (syntax error, no main, a Node built-in, require) is refused with every finding. */
export function checkAnalysis(analysis: CodeAnalysis): void {
  if (analysis.valid) return;
  throw invalid(
    `code is not valid: ${analysis.errors.map((e) => (e.line ? `${e.message} (line ${e.line}, column ${e.column})` : e.message)).join('; ')}`,
    {
      fields: ['code'],
      errors: analysis.errors,
    },
  );
}

/** jsonb does not keep key order: compare schemas by their canonical JSON. */
export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
