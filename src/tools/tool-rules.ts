import { canonicalJson } from '../common/canonical-json';
import { invalid } from '../common/errors';
import type { CodeAnalysis } from './code-analysis';

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
