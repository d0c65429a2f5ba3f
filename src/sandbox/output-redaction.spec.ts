import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRedactor,
  MAX_REDACTED_DEPTH,
  MIN_REDACTED_LENGTH,
  REDACTED,
  redactCutTail,
  redactText,
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
      esc(esc(secret).replace('é', '\\u00e9')),
      esc(esc(esc(secret).replace('é', '\\u00e9'))),
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

  it('writes the literal marker [REDACTED] where a secret was', () => {
    assert.equal(REDACTED, '[REDACTED]');
    assert.equal(createRedactor({ K: 'sk-live-12345' })('a sk-live-12345 b'), 'a [REDACTED] b');
  });

  it('replaces a string that is exactly the shortest secret, and keeps shorter strings as they are', () => {
    const redact = createRedactor({ K: 'abcd', L: 'longer-secret' });
    assert.deepEqual(redact(['abcd', 'abc', 'bcd', 'xabcdx', '']), [REDACTED, 'abc', 'bcd', `x${REDACTED}x`, '']);
  });

  it('ignores secret values that are not strings (no needle made of their digits)', () => {
    const secrets = { NUM: 1234567 as unknown as string, OBJ: { a: 'bcdefgh' } as unknown as string, S: 'sk-1234' };
    assert.deepEqual(secretNeedles(secrets), ['sk-1234']);
    assert.equal(createRedactor(secrets)('1234567 bcdefgh sk-1234'), `1234567 bcdefgh ${REDACTED}`);
  });

  it('takes a secret with a lone surrogate (no URL spelling exists) in its other spellings', () => {
    const secret = 'ab\uD800cd-secret';
    const esc = JSON.stringify(secret).slice(1, -1); // ab\ud800cd-secret
    assert.deepEqual(
      new Set(secretSpellings(secret)),
      new Set([
        secret,
        esc,
        JSON.stringify(esc).slice(1, -1),
        JSON.stringify(JSON.stringify(esc).slice(1, -1)).slice(1, -1),
        encodeURIComponent(esc),
      ]),
    );
    const redact = createRedactor({ K: secret });
    assert.deepEqual(redact([secret, esc, encodeURIComponent(esc)]), [REDACTED, REDACTED, REDACTED]);
  });

  it('keeps a __proto__ key (as JSON.parse makes it) as an own key, its value redacted', () => {
    const redact = createRedactor({ K: 'sk-live-12345' });
    const input = JSON.parse('{"__proto__":{"k":"sk-live-12345"},"a":"sk-live-12345"}') as object;
    const out = redact(input);
    assert.equal(JSON.stringify(out), `{"__proto__":{"k":"${REDACTED}"},"a":"${REDACTED}"}`);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });

  it('writes [not shown] for a value below the walked depth that has no JSON text', () => {
    const redact = createRedactor({ K: 'sk-live-12345' });
    let deep: unknown = { toJSON: () => undefined };
    for (let i = 0; i < MAX_REDACTED_DEPTH; i++) deep = [deep];
    let out = redact(deep) as unknown;
    for (let i = 0; i < MAX_REDACTED_DEPTH; i++) out = (out as unknown[])[0];
    assert.equal(out, '[not shown]');
  });

  it('hides two secrets that overlap together, whichever is longer (no rest of one is left)', () => {
    // LONG ends with the start of SHORT: replacing LONG first would cut SHORT and leave `-tail-9876`.
    const redact = createRedactor({ LONG: 'lead-0123-overlap', SHORT: 'overlap-tail-9876' });
    assert.equal(redact('x lead-0123-overlap-tail-9876 y'), `x ${REDACTED} y`);
    assert.equal(redact('x overlap-tail-9876 lead-0123-overlap y'), `x ${REDACTED} ${REDACTED} y`);
    const other = createRedactor({ A: 'lead-01', B: 'd-0123-overlap-tail' });
    assert.equal(other('lead-0123-overlap-tail!'), `${REDACTED}!`);
    // Adjacent secrets are one hidden run.
    assert.equal(other('lead-01lead-01|lead-01'), `${REDACTED}|${REDACTED}`);
  });

  it('redactText replaces every occurrence of every needle, and nothing else', () => {
    assert.equal(redactText('a-xyzw-b-xyzw-abcd', ['xyzw', 'abcd']), `a-${REDACTED}-b-${REDACTED}-${REDACTED}`);
    assert.equal(redactText('nothing here', ['xyzw']), 'nothing here');
    assert.equal(redactText('xyzw', ['xyzw']), REDACTED);
    assert.equal(redactText('xyzwxyzwxyz', ['xyzw']), `${REDACTED}xyz`);
    assert.equal(redactText('a xyzw b', ['abcd', 'xyzw']), `a ${REDACTED} b`);
  });

  it('redactText stays linear for a long text full of secrets', () => {
    const t = performance.now();
    const text = 'sk-live-12345 '.repeat(100_000);
    assert.equal(redactText(text, secretNeedles({ K: 'sk-live-12345' })), `${REDACTED} `.repeat(100_000));
    const periodic = 'k'.repeat(1024 * 1024);
    assert.equal(redactText(periodic, ['k'.repeat(64 * 1024)]), REDACTED);
    assert.ok(performance.now() - t < 2000, `${performance.now() - t} ms`);
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

describe('truncateUtf8', () => {
  const notice = (bytes: number) => `\n…[truncated: ${bytes} bytes in total]`;
  /** The reference: whole characters while the kept bytes and the notice fit. */
  const expected = (text: string, max: number) => {
    const total = Buffer.byteLength(text);
    if (total <= max) return text;
    const budget = max - Buffer.byteLength(notice(total));
    let kept = '';
    for (const ch of text) {
      if (Buffer.byteLength(kept + ch) > budget) break;
      kept += ch;
    }
    return kept + notice(total);
  };

  it('keeps a text of exactly the budget, and cuts one byte more', () => {
    assert.equal(truncateUtf8('é'.repeat(50), 100), 'é'.repeat(50));
    const text = 'a'.repeat(101);
    assert.equal(truncateUtf8(text, 100), 'a'.repeat(100 - Buffer.byteLength(notice(101))) + notice(101));
  });

  it('never ends inside a character of 1, 2, 3 or 4 bytes, wherever the budget falls', () => {
    // é (C3 A9), € (E2 82 AC), क (E0 A4 95: the lowest 3-byte lead), 😀 (F0 9F 98 80: the lowest 4-byte lead), 𐍈 (F0 90 8D 88), U+100000 (F4 80 80 80).
    for (const ch of ['a', 'é', '€', 'क', '😀', '𐍈', '\u{100000}']) {
      for (const prefix of ['', 'x', 'xy', 'xyz', '\uFEFF']) {
        const text = prefix + ch.repeat(40);
        const total = Buffer.byteLength(text);
        for (let max = Buffer.byteLength(notice(total)); max <= total; max++)
          assert.equal(truncateUtf8(text, max), expected(text, max), `${JSON.stringify(prefix + ch)} in ${max} bytes`);
      }
    }
  });

  it('keeps a single whole character before the notice', () => {
    const text = 'a' + 'é'.repeat(100);
    const max = Buffer.byteLength(notice(201)) + 1;
    assert.equal(truncateUtf8(text, max), 'a' + notice(201));
    assert.equal(truncateUtf8('é'.repeat(100), max), notice(200));
    assert.equal(
      truncateUtf8('\uFEFF' + 'x'.repeat(100), max + 2),
      '\uFEFF' + notice(103),
      'a byte order mark is kept',
    );
  });

  it('gives only the notice when the budget is smaller than the notice', () => {
    const text = 'x'.repeat(500);
    for (const max of [0, 1, 10, Buffer.byteLength(notice(500)) - 1])
      assert.equal(truncateUtf8(text, max), notice(500));
  });
});

describe('redactCutTail (a secret cut by a size limit)', () => {
  const SECRET = 'sk-live-0123456789abcdef0123456789';
  const needles = secretNeedles({ A: SECRET, B: 'short-one' });

  it('replaces the longest tail that starts a secret, and nothing else', () => {
    assert.equal(redactCutTail(`abc ${SECRET.slice(0, 10)}`, needles), `abc ${REDACTED}`);
    assert.equal(redactCutTail('abc shor', needles), `abc ${REDACTED}`);
    assert.equal(redactCutTail('abc sho', needles), 'abc sho', 'under MIN_REDACTED_LENGTH characters');
    assert.equal(redactCutTail(`${SECRET.slice(0, 10)} then more`, needles), `${SECRET.slice(0, 10)} then more`);
    assert.equal(redactCutTail('', needles), '');
    assert.equal(redactCutTail('no secret here', needles), 'no secret here');
  });

  it('replaces a text that is only a cut secret, and a whole secret at the end', () => {
    for (let n = MIN_REDACTED_LENGTH; n <= SECRET.length; n++)
      assert.equal(redactCutTail(SECRET.slice(0, n), needles), REDACTED, `${n} characters`);
    assert.equal(redactCutTail(`x ${SECRET}`, needles), `x ${REDACTED}`);
    for (let n = 1; n < MIN_REDACTED_LENGTH; n++)
      assert.equal(redactCutTail(SECRET.slice(0, n), needles), SECRET.slice(0, n));
  });

  it('replaces every cut of every spelling of a secret with quotes, newlines and non-ASCII characters', () => {
    const secret = '{\n  "key": "a b+c/é~!\'()*"\n}';
    const all = secretNeedles({ SA: secret });
    for (const spelling of secretSpellings(secret)) {
      for (let n = MIN_REDACTED_LENGTH; n <= spelling.length; n++) {
        const cut = spelling.slice(0, n);
        assert.equal(redactCutTail(`pad ${cut}`, all), `pad ${REDACTED}`, JSON.stringify(cut));
      }
    }
  });

  it('skips a candidate that only shares the first characters and finds the real cut after it', () => {
    const ns = secretNeedles({ K: 'abcdefgh1234' });
    assert.equal(redactCutTail('abcd-abcde', ns), `abcd-${REDACTED}`);
    assert.equal(redactCutTail('xx abcd-abcd', ns), `xx abcd-${REDACTED}`);
    assert.equal(redactCutTail('xx abcd-abcdX', ns), 'xx abcd-abcdX');
  });

  it('keeps the longest cut when a shorter secret starts inside it', () => {
    // The tail `ABCDEFGHIJ` starts the long secret; its last five characters start the short one.
    const ns = secretNeedles({ LONG: 'ABCDEFGHIJKLMNOPQRST', SHORT: 'FGHIJ-xyz' });
    assert.equal(redactCutTail('zz ABCDEFGHIJ', ns), `zz ${REDACTED}`);
    // And the other way round: the needle that starts inside the cut is looked at first.
    const other = secretNeedles({ LONG: 'FGHIJ-0123456789-abcdefgh', SHORT: 'ABCDEFGHIJKL' });
    assert.equal(redactCutTail('zz ABCDEFGHIJ', other), `zz ${REDACTED}`);
  });

  it('stays fast for a 64 KiB secret and a long text', () => {
    const t = performance.now();
    assert.equal(
      redactCutTail('x' + 'k'.repeat(1024 * 1024), secretNeedles({ BIG: 'k'.repeat(64 * 1024) })),
      'x' + 'k'.repeat(1024 * 1024 - 64 * 1024) + REDACTED,
    );
    // Every position of the window is a candidate that fails at once: still one pass (only the last 4 characters start the secret).
    const text = 'k'.repeat(1024 * 1024);
    assert.ok(redactCutTail(text, secretNeedles({ BIG: 'kkkkZ'.repeat(13000) })) === text.slice(0, -4) + REDACTED);
    assert.ok(performance.now() - t < 2000, `${performance.now() - t} ms`);
  });
});
