import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRedactor,
  MAX_REDACTED_DEPTH,
  MIN_REDACTED_LENGTH,
  REDACTED,
  secretNeedles,
  secretSpellings,
  truncateUtf8,
} from './output-redaction';

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

  it('covers a secret with quotes, newlines and non-ASCII characters in every spelling a string can take', () => {
    const secret = '{\n  "key": "a b+c/é~!\'()*"\n}';
    const redact = createRedactor({ SA: secret });
    const esc = (x: string) => JSON.stringify(x).slice(1, -1);
    const spellings = [
      secret,
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%20/g, '+'),
      new URLSearchParams({ k: secret }).toString().slice(2),
      esc(secret),
      esc(esc(secret)),
      esc(esc(esc(secret))),
      esc(secret).replace('é', '\\u00e9'),
      encodeURIComponent(esc(secret)),
    ];
    assert.deepEqual(new Set(secretSpellings(secret)), new Set(spellings));
    for (const s of spellings) assert.equal(redact(`<${s}>`), `<${REDACTED}>`, s);
    assert.equal(redact(JSON.stringify(JSON.stringify({ sa: secret }))), `"{\\"sa\\":\\"${REDACTED}\\"}"`);
  });

  it(`walks ${MAX_REDACTED_DEPTH} levels and flattens what lies deeper to its redacted JSON text`, () => {
    const redact = createRedactor({ K: 'sk-deep-value' });
    let deep: unknown = 'sk-deep-value';
    for (let i = 0; i < MAX_REDACTED_DEPTH + 50; i++) deep = [deep];
    let out = redact(deep) as unknown;
    for (let i = 0; i < MAX_REDACTED_DEPTH; i++) out = (out as unknown[])[0];
    assert.equal(out, `${'['.repeat(50)}"${REDACTED}"${']'.repeat(50)}`);
    let abyss: unknown = 'sk-deep-value';
    for (let i = 0; i < 100_000; i++) abyss = { n: abyss };
    assert.doesNotMatch(JSON.stringify(redact({ a: 1 })), /sk-deep/);
    let walked = redact(abyss) as unknown;
    for (let i = 0; i < MAX_REDACTED_DEPTH; i++) walked = (walked as { n: unknown }).n;
    assert.equal(walked, '[not shown: nested too deep to be checked for secrets]');
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
