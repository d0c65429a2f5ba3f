import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, MIN_REDACTED_LENGTH, REDACTED, secretNeedles, truncateUtf8 } from './output-redaction';

describe('output redaction', () => {
  it('replaces every secret value in nested strings and keys, leaving the input untouched', () => {
    const redact = createRedactor({ API_KEY: 'sk-live-12345', OTHER: 'hunter22' });
    const input = {
      text: 'key=sk-live-12345 and hunter22',
      list: ['sk-live-12345', 7, true, null],
      nested: { 'sk-live-12345': 'x' },
    };
    const out = redact(input);
    assert.deepEqual(out, {
      text: `key=${REDACTED} and ${REDACTED}`,
      list: [REDACTED, 7, true, null],
      nested: { [REDACTED]: 'x' },
    });
    assert.equal(input.text, 'key=sk-live-12345 and hunter22', 'the original is not mutated');
  });

  it('replaces the longest value first, so a secret containing another goes whole', () => {
    const redact = createRedactor({ SHORT: 'abcd', LONG: 'abcdefgh' });
    assert.equal(redact('abcdefgh|abcd'), `${REDACTED}|${REDACTED}`);
  });

  it('covers the URL-encoded and JSON-escaped spellings of a value', () => {
    const redact = createRedactor({ K: 'a b/c"d\\e' });
    assert.equal(redact(`https://x.test/?k=${encodeURIComponent('a b/c"d\\e')}`), `https://x.test/?k=${REDACTED}`);
    assert.equal(redact(JSON.stringify({ k: 'a b/c"d\\e' })), `{"k":"${REDACTED}"}`);
  });

  it(`leaves values shorter than ${MIN_REDACTED_LENGTH} characters alone (they would wreck ordinary output)`, () => {
    assert.deepEqual(secretNeedles({ A: '1', B: 'abc', C: '' }), []);
    const redact = createRedactor({ A: 'abc' });
    assert.equal(redact('abc abc'), 'abc abc');
  });

  it('is the identity without secrets', () => {
    const value = { a: 1 };
    assert.equal(createRedactor({})(value), value);
  });

  it('truncates to a byte budget without splitting a character, with a notice', () => {
    assert.equal(truncateUtf8('short', 100), 'short');
    const text = 'é'.repeat(10_000) + '😀'.repeat(1000);
    const cut = truncateUtf8(text, 1024);
    assert.ok(Buffer.byteLength(cut, 'utf8') <= 1024);
    assert.match(cut, /truncated: 24000 bytes in total/);
    assert.ok(!cut.includes('\uFFFD'));
    const emoji = truncateUtf8('😀'.repeat(1000), 101);
    assert.ok(!emoji.includes('\uFFFD'));
  });
});
