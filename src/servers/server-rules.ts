import { NAME_MAX, NAME_PATTERN } from '../common/limits';

/** The name rule shared by servers and tools (SPEC §3); null when the name is fine. */
export function nameProblem(name: unknown, field = 'name'): string | null {
  if (typeof name !== 'string' || name.length === 0) return `${field} is required and must be a string`;
  if (name.length > NAME_MAX) return `${field} must be at most ${NAME_MAX} characters`;
  if (!NAME_PATTERN.test(name))
    return `${field} must match ${NAME_PATTERN.source} (lower case letters, digits, _; starting with a letter)`;
  return null;
}
