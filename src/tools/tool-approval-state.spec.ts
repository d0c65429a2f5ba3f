import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminActor } from '../common/actor';
import { DomainError } from '../common/errors';
import type { ApprovalStatus, Tool } from './entities/tool.entity';
import {
  AUTO_APPROVER,
  checkActionFields,
  checkDecision,
  returnToReviewAfterEdit,
  returnToReviewAfterRollback,
  setInitialApproval,
  TOOL_ACTIONS,
  toPendingReview,
  type ToolAction,
  type ToolDecision,
} from './tool-approval-state';

// The approval state machine (docs/approvals.md#tool-states), on plain objects: no database.
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

describe('checkActionFields', () => {
  const USES: Record<ToolAction, string[]> = {
    approve: ['notes', 'version'],
    reject: ['reason', 'version'],
    submit_for_review: ['notes'],
  };
  const refusedWith = (input: Parameters<typeof checkActionFields>[0], message: string, fields: string[]) =>
    assert.throws(
      () => checkActionFields(input),
      (e: unknown) => {
        assert.ok(e instanceof DomainError);
        assert.equal(e.kind, 'invalid');
        assert.equal(e.message, message);
        assert.deepEqual(e.details, { fields });
        return true;
      },
    );

  it('the actions of POST /api/approvals/tools/{id}/action (revoke has its own route)', () => {
    assert.deepEqual(TOOL_ACTIONS, ['approve', 'reject', 'submit_for_review']);
  });

  it('takes the fields an action uses, alone or together, and an action without any', () => {
    for (const action of TOOL_ACTIONS) {
      assert.doesNotThrow(() => checkActionFields({ action }), action);
      for (const field of USES[action]) assert.doesNotThrow(() => checkActionFields({ action, [field]: 1 }), field);
      const all = Object.fromEntries(USES[action].map((f) => [f, 'x']));
      assert.doesNotThrow(() => checkActionFields({ action, ...all }), action);
    }
  });

  it('refuses, instead of dropping, a field the action does not use, saying what it takes', () => {
    refusedWith({ action: 'approve', reason: 'r' }, 'reason does not apply to approve (it takes notes, version)', [
      'reason',
    ]);
    refusedWith({ action: 'reject', notes: 'n' }, 'notes does not apply to reject (it takes reason, version)', [
      'notes',
    ]);
    refusedWith(
      { action: 'submit_for_review', version: 2 },
      'version does not apply to submit_for_review (it takes notes)',
      ['version'],
    );
  });

  it('names every such field at once; a null counts as given, only an absent field is not', () => {
    refusedWith(
      { action: 'submit_for_review', reason: null, notes: 'n', version: 1 },
      'reason, version does not apply to submit_for_review (it takes notes)',
      ['reason', 'version'],
    );
    assert.doesNotThrow(() => checkActionFields({ action: 'approve', reason: undefined }));
  });
});
