import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminActor } from '../common/actor';
import { DomainError } from '../common/errors';
import type { ApprovalStatus, Tool } from '../tools/entities/tool.entity';
import {
  AUTO_APPROVER,
  checkDecision,
  returnToReviewAfterEdit,
  returnToReviewAfterRollback,
  setInitialApproval,
  toPendingReview,
  type ToolDecision,
} from './tool-approval-state';

// The approval state machine of SPEC §8, on plain objects: no database.
const earlier = new Date('2026-01-01T00:00:00Z');
const now = new Date('2026-02-02T12:00:00Z');
const admin = adminActor('alice');
const STATUSES: ApprovalStatus[] = ['draft', 'pending_review', 'approved', 'rejected'];

const fields = (t: Tool) => ({
  approvalStatus: t.approvalStatus,
  approvalRequestedAt: t.approvalRequestedAt,
  approvedAt: t.approvedAt,
  approvedBy: t.approvedBy,
});

/** A tool in `status` with the fields that state carries, all dated `earlier`. */
function toolIn(status: ApprovalStatus): Tool {
  return {
    name: 'get_weather',
    approvalStatus: status,
    approvalRequestedAt: status === 'draft' ? null : earlier,
    approvedAt: status === 'approved' ? earlier : null,
    approvedBy: status === 'approved' ? 'bob' : null,
  } as Tool;
}

function initial(mode: 'require_approval' | 'auto_approve', explicit?: ApprovalStatus) {
  const t = {} as Tool;
  setInitialApproval(t, mode, explicit, admin, now);
  return fields(t);
}

describe('setInitialApproval', () => {
  it('require_approval: a new tool is a draft, with nothing requested or approved', () => {
    assert.deepEqual(initial('require_approval'), {
      approvalStatus: 'draft',
      approvalRequestedAt: null,
      approvedAt: null,
      approvedBy: null,
    });
  });

  it('auto_approve: a new tool is approved now, by the policy (so the record says so)', () => {
    assert.equal(AUTO_APPROVER, 'auto_approve');
    assert.deepEqual(initial('auto_approve'), {
      approvalStatus: 'approved',
      approvalRequestedAt: now,
      approvedAt: now,
      approvedBy: 'auto_approve',
    });
  });

  it('an explicit status (import) wins over the policy; an explicit approval is the actor’s', () => {
    assert.deepEqual(initial('auto_approve', 'pending_review'), {
      approvalStatus: 'pending_review',
      approvalRequestedAt: now,
      approvedAt: null,
      approvedBy: null,
    });
    assert.deepEqual(initial('auto_approve', 'draft'), {
      approvalStatus: 'draft',
      approvalRequestedAt: null,
      approvedAt: null,
      approvedBy: null,
    });
    assert.deepEqual(initial('require_approval', 'approved'), {
      approvalStatus: 'approved',
      approvalRequestedAt: now,
      approvedAt: now,
      approvedBy: 'alice',
    });
    assert.deepEqual(initial('require_approval', 'rejected'), {
      approvalStatus: 'rejected',
      approvalRequestedAt: now,
      approvedAt: null,
      approvedBy: null,
    });
  });
});

describe('back to review', () => {
  const reviewed = { approvalStatus: 'pending_review', approvalRequestedAt: now, approvedAt: null, approvedBy: null };

  it('an edit of code, schema or name sends an approved or rejected tool back to review', () => {
    for (const status of ['approved', 'rejected'] as const) {
      const t = toolIn(status);
      assert.equal(returnToReviewAfterEdit(t, now), true, status);
      assert.deepEqual(fields(t), reviewed, status);
    }
  });

  it('an edit leaves a draft or a tool already pending untouched', () => {
    for (const status of ['draft', 'pending_review'] as const) {
      const t = toolIn(status);
      const before = fields(t);
      assert.equal(returnToReviewAfterEdit(t, now), false, status);
      assert.deepEqual(fields(t), before, status);
    }
  });

  it('a rollback resets every state to pending_review, requested now', () => {
    for (const status of STATUSES) {
      const t = toolIn(status);
      returnToReviewAfterRollback(t, now);
      assert.deepEqual(fields(t), reviewed, status);
    }
  });

  it('toPendingReview clears the approval', () => {
    const t = toolIn('approved');
    toPendingReview(t, now);
    assert.deepEqual(fields(t), reviewed);
  });
});

describe('checkDecision', () => {
  const ALLOWED: Record<ToolDecision, ApprovalStatus[]> = {
    submit_for_review: ['draft', 'rejected'],
    approve: ['pending_review'],
    reject: ['pending_review'],
    revoke: ['approved'],
  };
  const REFUSED: Record<string, string> = {
    'submit_for_review/pending_review':
      'Cannot submit for review tool get_weather: it is already pending review (allowed from: draft, rejected)',
    'submit_for_review/approved':
      'Cannot submit for review tool get_weather: it is already approved (allowed from: draft, rejected)',
    'approve/draft':
      'Cannot approve tool get_weather: it has not been submitted for review (allowed from: pending_review)',
    'approve/approved': 'Cannot approve tool get_weather: it is already approved (allowed from: pending_review)',
    'approve/rejected':
      'Cannot approve tool get_weather: it was rejected; it must be edited or resubmitted first (allowed from: pending_review)',
    'reject/draft':
      'Cannot reject tool get_weather: it has not been submitted for review (allowed from: pending_review)',
    'reject/approved':
      'Cannot reject tool get_weather: it is approved; revoke it instead (allowed from: pending_review)',
    'reject/rejected': 'Cannot reject tool get_weather: it is already rejected (allowed from: pending_review)',
    'revoke/draft': 'Cannot revoke tool get_weather: it is not approved (allowed from: approved)',
    'revoke/pending_review': 'Cannot revoke tool get_weather: it is not approved (allowed from: approved)',
    'revoke/rejected': 'Cannot revoke tool get_weather: it is not approved (allowed from: approved)',
  };

  it('allows exactly the transitions of the diagram, and refuses every other with a 409 that says why', () => {
    for (const decision of Object.keys(ALLOWED) as ToolDecision[]) {
      for (const status of STATUSES) {
        const t = toolIn(status);
        const before = fields(t);
        if (ALLOWED[decision].includes(status)) {
          assert.doesNotThrow(() => checkDecision(t, decision), `${decision} from ${status}`);
        } else {
          assert.throws(
            () => checkDecision(t, decision),
            (e: unknown) =>
              e instanceof DomainError && e.kind === 'conflict' && e.message === REFUSED[`${decision}/${status}`],
            `${decision} from ${status}`,
          );
        }
        assert.deepEqual(fields(t), before, 'a check changes nothing');
      }
    }
  });

  it('a status it does not know is refused by name', () => {
    const t = { ...toolIn('draft'), approvalStatus: 'archived' } as unknown as Tool;
    assert.throws(() => checkDecision(t, 'approve'), {
      message: 'Cannot approve tool get_weather: it is archived (allowed from: pending_review)',
    });
  });
});
