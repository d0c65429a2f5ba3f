import type { Actor } from '../common/actor';
import { conflict, invalid } from '../common/errors';
import type { ApprovalStatus, Tool } from './entities/tool.entity';

/**
 * The tool approval state machine (docs/approvals.md#tool-states), as pure functions on the entity so the
 * tools service (create, edit, rollback) and the approvals service (decisions) share one
 * set of rules without a module cycle:
 *
 *   draft ──submit──▶ pending_review ──approve──▶ approved ──revoke──▶ pending_review
 *     ▲                   │    ▲                     │
 *     │                 reject └──(code/schema/name edit, rollback)
 *     │                   ▼
 *     │               rejected ──(edit, submit)──▶ pending_review
 *
 * Under `auto_approve` a new tool starts approved and a submit approves at once.
 */
export type ToolApprovalMode = 'require_approval' | 'auto_approve';

/** `approved_by` of what the auto_approve policy approved, so the record says so. */
export const AUTO_APPROVER = 'auto_approve';

/** Sets the approval fields of a new tool: the explicit status (import), else by the policy. */
export function setInitialApproval(
  tool: Tool,
  mode: ToolApprovalMode,
  explicit: ApprovalStatus | undefined,
  actor: Actor,
  now: Date,
): void {
  const status = explicit ?? (mode === 'auto_approve' ? 'approved' : 'draft');
  tool.approvalStatus = status;
  tool.approvalRequestedAt = status === 'draft' ? null : now;
  tool.approvedAt = status === 'approved' ? now : null;
  tool.approvedBy = status === 'approved' ? (explicit ? actor.name : AUTO_APPROVER) : null;
}

/**
 * A change of code, input schema or name: what was reviewed is not what would run now.
 * An approved tool goes back to review (and unloads); a rejected one is re-queued.
 * Returns whether the state changed.
 */
export function returnToReviewAfterEdit(tool: Tool, now: Date): boolean {
  if (tool.approvalStatus !== 'approved' && tool.approvalStatus !== 'rejected') return false;
  toPendingReview(tool, now);
  return true;
}

/** A rollback always resets approval to pending_review, whatever the state was. */
export function returnToReviewAfterRollback(tool: Tool, now: Date): void {
  toPendingReview(tool, now);
}

export function toPendingReview(tool: Tool, now: Date): void {
  tool.approvalStatus = 'pending_review';
  tool.approvalRequestedAt = now;
  tool.approvedAt = null;
  tool.approvedBy = null;
}

/** What `POST /api/approvals/tools/{id}/action` takes, and which optional fields each action uses. */
export const TOOL_ACTIONS = ['approve', 'reject', 'submit_for_review'] as const;
export type ToolAction = (typeof TOOL_ACTIONS)[number];
const ACTION_FIELDS = ['reason', 'notes', 'version'] as const;
const FIELDS_OF: Record<ToolAction, readonly (typeof ACTION_FIELDS)[number][]> = {
  approve: ['notes', 'version'],
  reject: ['reason', 'version'],
  submit_for_review: ['notes'],
};

/** A field the action does not use is refused, never dropped (a reason sent with approve was meant for something). */
export function checkActionFields(
  input: { action: ToolAction } & Partial<Record<(typeof ACTION_FIELDS)[number], unknown>>,
): void {
  const unused = ACTION_FIELDS.filter((f) => input[f] !== undefined && !FIELDS_OF[input.action].includes(f));
  if (unused.length)
    throw invalid(
      `${unused.join(', ')} does not apply to ${input.action} (it takes ${FIELDS_OF[input.action].join(', ')})`,
      {
        fields: unused,
      },
    );
}

/** The transitions an explicit decision may take; anything else is a 409 that says why. */
const DECISIONS = {
  submit_for_review: ['draft', 'rejected'],
  approve: ['pending_review'],
  reject: ['pending_review'],
  revoke: ['approved'],
} as const satisfies Record<string, readonly ApprovalStatus[]>;

export type ToolDecision = keyof typeof DECISIONS;

const WHY: Record<ToolDecision, Partial<Record<ApprovalStatus, string>>> = {
  submit_for_review: { pending_review: 'it is already pending review', approved: 'it is already approved' },
  approve: {
    draft: 'it has not been submitted for review',
    approved: 'it is already approved',
    rejected: 'it was rejected; it must be edited or resubmitted first',
  },
  reject: {
    draft: 'it has not been submitted for review',
    approved: 'it is approved; revoke it instead',
    rejected: 'it is already rejected',
  },
  revoke: { draft: 'it is not approved', pending_review: 'it is not approved', rejected: 'it is not approved' },
};

export function checkDecision(tool: Tool, decision: ToolDecision): void {
  const from = DECISIONS[decision] as readonly ApprovalStatus[];
  if (from.includes(tool.approvalStatus)) return;
  const reason = WHY[decision][tool.approvalStatus] ?? `it is ${tool.approvalStatus}`;
  throw conflict(
    `Cannot ${decision.replace(/_/g, ' ')} tool ${tool.name}: ${reason} (allowed from: ${from.join(', ')})`,
  );
}
