import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../common/errors';
import type { CodeAnalysis } from './code-analysis';
import { checkAnalysis, sameJson } from './tool-rules';

// The input rules of tools (formerly checkToolInput) are the decorators of CreateToolDto and
// UpdateToolDto: dto/tool.dto.spec.ts.

describe('checkAnalysis', () => {
  const analysis = (errors: CodeAnalysis['errors']): CodeAnalysis => ({
    valid: errors.length === 0,
    errors,
    warnings: [],
    imports: [],
    disallowed_imports: [],
    input_schema: null,
    mcp_features: [],
  });

  it('lets valid code through', () => {
    checkAnalysis(analysis([]));
  });

  it('refuses invalid code with every finding and its place', () => {
    const errors = [
      { message: 'Syntax error: Unexpected token', line: 3, column: 7 },
      { message: 'main is not exported', line: null, column: null },
    ];
    assert.throws(
      () => checkAnalysis(analysis(errors)),
      (e: unknown) => {
        assert.ok(e instanceof DomainError);
        assert.equal(e.kind, 'invalid');
        assert.equal(
          e.message,
          'code is not valid: Syntax error: Unexpected token (line 3, column 7); main is not exported',
        );
        assert.deepEqual(e.details, { fields: ['code'], errors });
        return true;
      },
    );
  });
});

describe('sameJson', () => {
  it('compares schemas as JSON, whatever the key order (jsonb does not keep it)', () => {
    assert.equal(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), true);
    assert.equal(sameJson({ a: 1 }, { a: 2 }), false);
    assert.equal(sameJson({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(sameJson(null, null), true);
  });
});
