import { invalid } from '../common/errors';
import { nulProblem } from '../common/json-input';
import { MAX_TIMEOUT_MS, NAME_MAX, NAME_PATTERN } from '../common/limits';

export const MIN_SERVER_TIMEOUT_MS = 1000;

/** What `create` takes: the Admin API body and the MCP tool's arguments alike (snake_case). */
export interface CreateServerInput {
  name: string;
  description?: string | null;
  default_timeout_ms?: number;
}

export type UpdateServerInput = Partial<CreateServerInput>;

/** The name rule shared by servers and tools (SPEC §3); null when the name is fine. */
export function nameProblem(name: unknown, field = 'name'): string | null {
  if (typeof name !== 'string' || name.length === 0) return `${field} is required and must be a string`;
  if (name.length > NAME_MAX) return `${field} must be at most ${NAME_MAX} characters`;
  if (!NAME_PATTERN.test(name))
    return `${field} must match ${NAME_PATTERN.source} (lower case letters, digits, _; starting with a letter)`;
  return null;
}

/** Every problem of a create (partial = false) or patch (partial = true), each naming its field; nothing is written on any. */
export function checkServerInput(input: UpdateServerInput, partial: boolean): void {
  const problems: Record<string, string> = {};
  if (!partial || input.name !== undefined) {
    const p = nameProblem(input.name);
    if (p) problems.name = p;
  }
  if (input.description !== undefined && input.description !== null && typeof input.description !== 'string')
    problems.description = 'description must be a string';
  else if (nulProblem(input.description, 'description'))
    problems.description = nulProblem(input.description, 'description') as string;
  const t = input.default_timeout_ms;
  if (
    t !== undefined &&
    (typeof t !== 'number' || !Number.isInteger(t) || t < MIN_SERVER_TIMEOUT_MS || t > MAX_TIMEOUT_MS)
  ) {
    problems.default_timeout_ms = `default_timeout_ms must be an integer from ${MIN_SERVER_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`;
  }
  if (partial && Object.values(input).every((v) => v === undefined))
    problems.body = 'at least one of name, description, default_timeout_ms is required';
  const fields = Object.keys(problems);
  if (fields.length) throw invalid(Object.values(problems).join('; '), { fields });
}
