import { Brackets, In, type DeepPartial, type FindOptionsOrder, type FindOptionsWhere, type Repository } from 'typeorm';
import type { Actor } from './actor';
import { conflict, notFound } from './errors';
import { isUniqueViolation } from './ids';
import { containsPattern } from './like';
import { pageRequest, type PageRequest } from './pagination';
import { decidedAlready, recordDecision, type DecisionFields } from './request-decisions';
import type { RequestQueueQueryDto } from './request-queue.dto';
import type { RequestSource, RequestStatus } from './request-status';

/** What the module and network request tables share (their entities' common columns). */
export interface RequestRecordRow extends DecisionFields {
  id: string;
  createdAt: Date;
  toolId: string | null;
  serverId: string | null;
  justification: string | null;
  requestedBy: string | null;
  source: RequestSource;
}

/** Tool and server names by id, for the views of a list of requests. */
export interface RequestNames {
  tools: Map<string, string>;
  servers: Map<string, string>;
}

/** Where the names come from (ServersService). */
interface NameLookup {
  toolNamesOf(ids: string[]): Promise<Map<string, string>>;
  namesOf(ids: string[]): Promise<Map<string, string>>;
}

/** The names of these requests' tools and servers, in one read of each. */
export async function requestNames(lookup: NameLookup, rows: RequestRecordRow[]): Promise<RequestNames> {
  const [tools, servers] = await Promise.all([
    lookup.toolNamesOf(rows.flatMap((r) => (r.toolId ? [r.toolId] : []))),
    lookup.namesOf(rows.flatMap((r) => (r.serverId ? [r.serverId] : []))),
  ]);
  return { tools, servers };
}

/**
 * A request queue (docs/approvals.md#queues-and-stats): the status filter (default pending,
 * or `all`), `search` over the request's subject column, its justification, its requester and
 * the names of servers (`serverIdsNamedLike`), oldest request first, one page.
 */
export async function requestQueuePage<T extends RequestRecordRow>(
  repo: Repository<T>,
  query: RequestQueueQueryDto,
  subjectColumn: keyof T & string,
  serverIdsNamedLike: (search: string) => Promise<string[]>,
): Promise<{ rows: T[]; total: number; req: PageRequest }> {
  const status = query.status ?? 'pending';
  const req = pageRequest(query);
  const qb = repo.createQueryBuilder('r');
  if (status !== 'all') qb.andWhere('r.status = :status', { status });
  const search = query.search?.trim();
  if (search) {
    const like = containsPattern(search);
    const serverIds = await serverIdsNamedLike(search);
    qb.andWhere(
      new Brackets((w) => {
        w.where(`r.${subjectColumn} ILIKE :like`, { like })
          .orWhere('r.justification ILIKE :like', { like })
          .orWhere('r.requestedBy ILIKE :like', { like });
        if (serverIds.length) w.orWhere('r.serverId IN (:...serverIds)', { serverIds });
      }),
    );
  }
  const [rows, total] = await qb
    .orderBy('r.createdAt', 'ASC')
    .addOrderBy('r.id', 'ASC')
    .skip(req.skip)
    .take(req.take)
    .getManyAndCount();
  return { rows, total, req };
}

/** A tool's requests, or a server's (or every) request in these states, newest first (the LLM's views). */
export function findRequests<T extends RequestRecordRow>(
  repo: Repository<T>,
  where: { toolId?: string; serverId?: string; statuses?: RequestStatus[] },
  limit: number,
): Promise<T[]> {
  return repo.find({
    where: {
      ...(where.toolId ? { toolId: where.toolId } : {}),
      ...(where.serverId ? { serverId: where.serverId } : {}),
      ...(where.statuses ? { status: In(where.statuses) } : {}),
    } as FindOptionsWhere<T>,
    order: { createdAt: 'DESC' } as never,
    take: limit,
  });
}

/**
 * Saves a new pending request by `actor` (an LLM's, or an admin's own). At most one is pending
 * per (tool, subject): the database's partial unique index decides, and a duplicate answers
 * 409 saying where the first one is.
 */
export async function insertPendingRequest<T extends RequestRecordRow>(
  repo: Repository<T>,
  actor: Actor,
  row: DeepPartial<T>,
  duplicate: { what: string; toolName: string },
): Promise<T> {
  const pending = {
    ...row,
    requestedBy: actor.name,
    status: 'pending',
    source: actor.kind === 'llm' ? 'llm' : 'admin',
  } as DeepPartial<T>;
  try {
    return await repo.save(repo.create(pending));
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict(
        `A request for ${duplicate.what} by tool ${duplicate.toolName} is already pending; follow it with mcpbox_list_pending_requests`,
      );
    throw err;
  }
}

/**
 * The request if it is still pending, else 404 (no such request) or 409 (decided already).
 * With `lock` (inside a unit of work) the row stays locked until the decision commits.
 */
export async function pendingRequestOrFail<T extends RequestRecordRow>(
  repo: Repository<T>,
  id: string,
  queue: 'module' | 'network',
  lock: boolean,
): Promise<T> {
  const row = await repo.findOne({
    where: { id } as FindOptionsWhere<T>,
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (!row) throw notFound(queue === 'module' ? 'Module request' : 'Network request', id);
  if (row.status !== 'pending') throw decidedAlready(queue, row);
  return row;
}

/**
 * Approves, by `reviewer`, the pending requests `where` selects (locked, oldest first): those
 * an allowance just granted covers. Answers them for the caller's audit. Call it inside the
 * unit of work that granted the allowance.
 */
export async function approveCovered<T extends RequestRecordRow>(
  repo: Repository<T>,
  where: FindOptionsWhere<T>,
  reviewer: string,
): Promise<T[]> {
  const rows = await repo.find({
    where: { ...where, status: 'pending' } as FindOptionsWhere<T>,
    order: { createdAt: 'ASC' } as FindOptionsOrder<T>,
    lock: { mode: 'pessimistic_write' },
  });
  for (const row of rows) recordDecision(row, 'approve', reviewer);
  await repo.save(rows);
  return rows;
}
