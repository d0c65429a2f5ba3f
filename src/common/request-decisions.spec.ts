import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from './errors';
import { checkRequestAction, decidedAlready } from './request-decisions';
import type { ModuleRequestActionDto } from './request-queue.dto';

const refused = (dto: Partial<ModuleRequestActionDto>, message: RegExp, fields: string[]) =>
  assert.throws(
    () => checkRequestAction(dto as ModuleRequestActionDto, ['allow_critical']),
    (e: unknown) =>
      e instanceof DomainError &&
      e.kind === 'invalid' &&
      message.test(e.message) &&
      JSON.stringify(e.details) === JSON.stringify({ fields }),
  );

describe('request decisions', () => {
  it('a rejection needs a reason that is not blank, and takes no approve-only field', () => {
    refused({ action: 'reject' }, /reason is required/, ['reason']);
    refused({ action: 'reject', reason: ' \n ' }, /reason is required/, ['reason']);
    refused({ action: 'reject', reason: null }, /reason is required/, ['reason']);
    refused({ action: 'reject', reason: 'no', allow_critical: false }, /allow_critical applies to approve only/, [
      'allow_critical',
    ]);
    checkRequestAction({ action: 'reject', reason: 'no' });
  });

  it('an approval takes no reason (null is no reason)', () => {
    refused({ action: 'approve', reason: 'fine' }, /reason is for reject only/, ['reason']);
    refused({ action: 'approve', reason: '' }, /reason is for reject only/, ['reason']);
    checkRequestAction({ action: 'approve', reason: null });
    checkRequestAction({ action: 'approve', allow_critical: true } as ModuleRequestActionDto, ['allow_critical']);
  });

  it('a decided request is a conflict that says how, by whom and when', () => {
    const e = decidedAlready('network', {
      status: 'rejected',
      reviewedBy: 'ada',
      reviewedAt: new Date('2026-01-02T03:04:05Z'),
    });
    assert.equal(e.kind, 'conflict');
    assert.equal(
      e.message,
      'This network request was already rejected by ada at 2026-01-02T03:04:05.000Z; only a pending request can be decided',
    );
    assert.equal(
      decidedAlready('module', { status: 'approved', reviewedBy: null, reviewedAt: null }).message,
      'This module request was already approved; only a pending request can be decided',
    );
  });
});
