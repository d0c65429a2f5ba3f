import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }),
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('is the same for equal documents whatever their key order, and drops undefined members', () => {
    assert.equal(
      canonicalJson({ x: 1, y: [true, null], u: undefined }),
      canonicalJson(JSON.parse('{"y":[true,null],"x":1}')),
    );
  });
  it('escapes strings as JSON does', () => {
    assert.equal(canonicalJson({ 'k"': 'line\nbreak é \u2028' }), JSON.stringify({ 'k"': 'line\nbreak é \u2028' }));
  });
});
