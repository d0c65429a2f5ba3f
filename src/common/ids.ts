import { invalid } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Services are also called by the MCP management tools, which pass ids as they came: a
 * malformed id must be a clear 400 naming the field, not a database error. Returns it in
 * lower case, as PostgreSQL writes it (an id is echoed back and keys in-memory state).
 */
export function checkUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid(`${field} must be a UUID`, { fields: [field] });
  return value.toLowerCase();
}

/** PostgreSQL unique_violation: a concurrent writer took the name between check and insert. */
export function isUniqueViolation(err: unknown): boolean {
  return (
    (err as { code?: string; driverError?: { code?: string } })?.code === '23505' ||
    (err as { driverError?: { code?: string } })?.driverError?.code === '23505'
  );
}
