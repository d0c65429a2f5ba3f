import type { ObjectLiteral, Repository } from 'typeorm';

/** Every state with its count (0 when none), in one grouped query. */
export async function countByStatus<E extends ObjectLiteral, S extends string>(
  repo: Repository<E>,
  property: keyof E & string,
  states: readonly S[],
): Promise<Record<S, number>> {
  const rows = await repo
    .createQueryBuilder('r')
    .select(`r.${property}`, 'status')
    .addSelect('COUNT(*)::int', 'n')
    .groupBy(`r.${property}`)
    .getRawMany<{ status: string; n: number }>();
  const out = Object.fromEntries(states.map((s) => [s, 0])) as Record<S, number>;
  for (const r of rows) if ((states as readonly string[]).includes(r.status)) out[r.status as S] = Number(r.n);
  return out;
}
