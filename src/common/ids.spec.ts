import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from './errors';
import { checkUuid, isUniqueViolation } from './ids';

describe('checkUuid', () => {
  it('returns a UUID in lower case, as PostgreSQL writes it', () => {
    assert.equal(checkUuid('11111111-1111-4111-8111-111111111111', 'id'), '11111111-1111-4111-8111-111111111111');
    assert.equal(checkUuid('ABCDEF01-2345-6789-ABCD-EF0123456789', 'id'), 'abcdef01-2345-6789-abcd-ef0123456789');
  });

  it('refuses anything else with a 400 naming the field', () => {
    for (const v of [
      '',
      'not-a-uuid',
      '11111111-1111-4111-8111-11111111111', // one digit short
      '11111111-1111-4111-8111-1111111111111',
      '11111111111141118111111111111111',
      ' 11111111-1111-4111-8111-111111111111',
      '11111111-1111-4111-8111-111111111111\n',
      'g1111111-1111-4111-8111-111111111111',
      "1' OR '1'='1",
      { toString: () => '11111111-1111-4111-8111-111111111111' }, // prints as one, is not one
      42,
      null,
      undefined,
    ])
      assert.throws(
        () => checkUuid(v, 'server_id'),
        (e: unknown) =>
          e instanceof DomainError &&
          e.kind === 'invalid' &&
          e.message === 'server_id must be a UUID' &&
          JSON.stringify(e.details) === '{"fields":["server_id"]}',
        String(v),
      );
  });
});

describe('isUniqueViolation', () => {
  it('recognises PostgreSQL 23505 on the error or on its driver error', () => {
    assert.equal(isUniqueViolation({ code: '23505' }), true);
    assert.equal(isUniqueViolation({ driverError: { code: '23505' } }), true);
    for (const e of [{ code: '23503' }, { driverError: { code: '23503' } }, new Error('x'), null, undefined])
      assert.equal(isUniqueViolation(e), false);
  });
});
