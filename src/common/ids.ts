/** PostgreSQL unique_violation: a concurrent writer took the name between check and insert. */
export function isUniqueViolation(err: unknown): boolean {
  return (
    (err as { code?: string; driverError?: { code?: string } })?.code === '23505' ||
    (err as { driverError?: { code?: string } })?.driverError?.code === '23505'
  );
}
