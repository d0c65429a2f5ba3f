import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUniqueViolation } from './ids';

// The UUID rule of ids (formerly checkUuid here) is the IsEntityId input rule: contract/input-rules.spec.ts.

describe('isUniqueViolation', () => {
  it('recognises PostgreSQL 23505 on the error or on its driver error', () => {
    assert.equal(isUniqueViolation({ code: '23505' }), true);
    assert.equal(isUniqueViolation({ driverError: { code: '23505' } }), true);
    for (const e of [{ code: '23503' }, { driverError: { code: '23503' } }, new Error('x'), null, undefined])
      assert.equal(isUniqueViolation(e), false);
  });
});
