import { conflict, invalid, type DomainError } from './errors';
import type { RequestAction, RequestActionDto } from './request-queue.dto';
import type { RequestStatus } from './request-status';

/**
 * The rules every request queue shares (modules, network): a rejection needs a reason, a
 * field the action does not take is refused (never dropped), and only a pending request
 * can be decided.
 */
export function checkRequestAction(dto: RequestActionDto, approveOnly: string[] = []): void {
  if (dto.action === 'reject') {
    if (!dto.reason?.trim())
      throw invalid('reason is required to reject a request (the requester reads it)', { fields: ['reason'] });
    const extra = approveOnly.filter((f) => (dto as unknown as Record<string, unknown>)[f] !== undefined);
    if (extra.length) throw invalid(`${extra.join(', ')} applies to approve only`, { fields: extra });
  } else if (dto.reason !== undefined && dto.reason !== null) {
    throw invalid('reason is for reject only', { fields: ['reason'] });
  }
}

/** The columns a decision writes (the module and network request entities share them). */
export interface DecisionFields {
  status: RequestStatus;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  rejectionReason: string | null;
}

/** 409 for a request that was decided already, saying how and by whom. */
export function decidedAlready(queue: 'module' | 'network', r: Omit<DecisionFields, 'rejectionReason'>): DomainError {
  return conflict(
    `This ${queue} request was already ${r.status}${r.reviewedBy ? ` by ${r.reviewedBy}` : ''}${
      r.reviewedAt ? ` at ${r.reviewedAt.toISOString()}` : ''
    }; only a pending request can be decided`,
  );
}

/** Writes the decision onto a pending request (the caller saves it): approved, or rejected for `reason`. */
export function recordDecision(row: DecisionFields, action: RequestAction, reviewer: string, reason = ''): void {
  const approve = action === 'approve';
  row.status = approve ? 'approved' : 'rejected';
  row.reviewedBy = reviewer;
  row.reviewedAt = new Date();
  row.rejectionReason = approve ? null : reason;
}
