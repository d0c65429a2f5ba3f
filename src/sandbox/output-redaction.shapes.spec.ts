import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, MAX_REDACTED_DEPTH, REDACTED, redactCutTail, secretNeedles } from './output-redaction';

// The redactor as every output meets it: each spelling that returning or logging a string gives
// a secret (raw, URL- and form-encoded, JSON-escaped once and twice, ASCII-only JSON, inside a
// JSON document, URL-encoded JSON), in every shape an output takes (a string, a value, a key, an
// array item, an MCP outcome, an error, stdout lines, a log row), at every depth. The secret is a
// service-account JSON (quotes, newlines, non-ASCII, characters that form encoding escapes);
// FRAGMENT survives every spelling unchanged: wherever it shows, the secret leaked.
const FRAGMENT = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
const SA = JSON.stringify(
  {
    type: 'service_account',
    private_key: `-----BEGIN PRIVATE KEY-----\n${FRAGMENT}\nq+w/é~!*()'\n-----END PRIVATE KEY-----\n`,
    client_email: 'svc@proj-1.iam.gserviceaccount.com',
  },
  null,
  2,
);
const R = REDACTED;
const esc = (s: string) => JSON.stringify(s).slice(1, -1);

/** Each spelling of the secret, and what its redaction must give (the secret's part replaced, the rest as it was). */
const ENCODINGS: Record<string, [encode: (s: string) => string, redacted: string]> = {
  raw: [(s) => s, R],
  'URL-encoded': [encodeURIComponent, R],
  'form-encoded (+ for spaces)': [(s) => encodeURIComponent(s).replace(/%20/g, '+'), R],
  'form-encoded (URLSearchParams)': [(s) => new URLSearchParams({ k: s }).toString(), `k=${R}`],
  'JSON once': [(s) => JSON.stringify(s), `"${R}"`],
  'JSON twice': [(s) => JSON.stringify(JSON.stringify(s)), `"\\"${R}\\""`],
  'JSON, ASCII only': [(s) => `"${esc(s).replace('é', '\\u00e9')}"`, `"${R}"`],
  'in a JSON document, once': [(s) => JSON.stringify({ sa: s }), `{"sa":"${R}"}`],
  'in a JSON document, twice': [(s) => JSON.stringify(JSON.stringify({ sa: s })), `"{\\"sa\\":\\"${R}\\"}"`],
  'in a JSON document, URL-encoded': [
    (s) => encodeURIComponent(JSON.stringify({ sa: s })),
    `${encodeURIComponent('{"sa":"')}${R}${encodeURIComponent('"}')}`,
  ],
};

const nestIn = (levels: number, leaf: unknown, wrap: (v: unknown) => unknown) => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = wrap(v);
  return v;
};
const inArrays = (levels: number, leaf: unknown) => nestIn(levels, leaf, (v) => [v]);
const inObjects = (levels: number, leaf: unknown) => nestIn(levels, leaf, (v) => ({ n: v }));

/** Output shapes: what the redactor gets for the spelling `e`, and what it must give for the redacted spelling `r`. */
const SHAPES: Record<string, (e: string) => unknown> = {
  'a string': (e) => e,
  'a string with text around': (e) => `before ${e} after`,
  'an object value': (e) => ({ v: e, n: 1, ok: true, none: null }),
  'an object key': (e) => ({ [e]: 'value', other: 'x' }),
  'a key and its value': (e) => ({ [`k-${e}`]: [e, { [e]: e }] }),
  'an array item': (e) => ['a', e, 3, false, null, [e]],
  'an MCP outcome (content, structuredContent, value, error, stdout)': (e) => ({
    success: false,
    isError: true,
    content: [
      { type: 'text', text: e },
      { type: 'resource', resource: { uri: 'data:x', text: e } },
    ],
    structuredContent: { v: e, list: [e] },
    value: [e],
    error: `Error: ${e}`,
    stdout: `line 1\n${e}\n{"v":${JSON.stringify(e)}}\n`,
    durationMs: 3,
  }),
  'a thrown error as the sandbox reports it': (e) => ({ name: 'Error', message: e, stack: `Error: ${e}\n    at main` }),
  'stdout lines': (e) => `log: ${e}\nwarn: [${JSON.stringify(e)}]\n`,
  'a log row (arguments, result, error, stdout)': (e) => ({
    inputArgs: { token: e, nested: inObjects(20, e) },
    result: JSON.stringify({ v: e }),
    error: null,
    stdout: e,
  }),
  [`a value ${MAX_REDACTED_DEPTH - 1} levels deep (walked)`]: (e) => inArrays(MAX_REDACTED_DEPTH - 1, e),
  [`a value ${MAX_REDACTED_DEPTH} levels deep (flattened)`]: (e) => inArrays(MAX_REDACTED_DEPTH, e),
  [`a value ${MAX_REDACTED_DEPTH + 1} levels deep (flattened)`]: (e) => inObjects(MAX_REDACTED_DEPTH + 1, e),
  'a value 300 levels deep': (e) => inObjects(300, { [e]: e }),
  'a key 300 levels deep': (e) => inArrays(300, { [e]: 1 }),
};

describe('the redactor leaves no spelling of a secret in any output shape, at any depth', () => {
  const redact = createRedactor({ SERVICE_ACCOUNT: SA, OTHER: 'sk-other-secret-1' });

  for (const [shape, make] of Object.entries(SHAPES)) {
    it(`in ${shape}`, () => {
      for (const [encoding, [encode, redacted]] of Object.entries(ENCODINGS)) {
        const e = encode(SA);
        assert.ok(e.includes(FRAGMENT), `${encoding}: the test's spelling holds the fragment`);
        const input = make(e);
        const before = JSON.stringify(input);
        const out = redact(input);
        const shown = JSON.stringify(out);
        assert.ok(!shown.includes(FRAGMENT), `${encoding}: the secret shows: ${shown.slice(0, 300)}`);
        assert.equal(before, JSON.stringify(input), `${encoding}: the input was changed`);
        // Below the walked depth the value is its JSON text: the secret is then JSON-escaped
        // once more. Above it the output is the same shape with the redacted spelling.
        if (!shape.includes('flattened') && !shape.includes('300'))
          assert.deepEqual(out, make(redacted), `${encoding}: the output differs beyond the secret`);
        else assert.ok(shown.includes(R), `${encoding}: ${shown.slice(-300)}`);
      }
    });
  }

  it('flattens what lies below the walked depth to its JSON text, redacted (never the value as is)', () => {
    for (const [encoding, [encode, redacted]] of Object.entries(ENCODINGS)) {
      const out = redact(inArrays(MAX_REDACTED_DEPTH + 2, { [encode(SA)]: encode(SA) }));
      let leaf: unknown = out;
      for (let i = 0; i < MAX_REDACTED_DEPTH; i++) leaf = (leaf as unknown[])[0];
      assert.equal(typeof leaf, 'string', encoding);
      assert.deepEqual(JSON.parse(leaf as string), inArrays(2, { [redacted]: redacted }), encoding);
    }
  });

  it('refuses to show a value too deep to be turned into text', () => {
    const abyss = inObjects(200_000, SA);
    let out = redact({ wrap: abyss }) as unknown;
    assert.ok(!JSON.stringify(out).includes(FRAGMENT));
    out = (out as { wrap: unknown }).wrap;
    for (let i = 0; i < MAX_REDACTED_DEPTH - 1; i++) out = (out as { n: unknown }).n;
    assert.equal(out, '[not shown: nested too deep to be checked for secrets]');
  });

  it('a cut at any point of any spelling leaves no part of the secret once the tail is redacted', () => {
    const needles = secretNeedles({ SERVICE_ACCOUNT: SA });
    for (const [encoding, [encode]] of Object.entries(ENCODINGS)) {
      const e = encode(SA);
      const start = e.indexOf(FRAGMENT);
      // Every cut that keeps part of the fragment: the text before the cut is what a size limit leaves.
      for (let cut = start + 1; cut <= start + FRAGMENT.length; cut += 7) {
        const shown = redact(redactCutTail(`pad ${e.slice(0, cut)}`, needles));
        assert.ok(shown.endsWith(R), `${encoding} cut at ${cut}: ${shown}`);
        assert.ok(!shown.includes(FRAGMENT.slice(0, Math.min(8, cut - start))), `${encoding} cut at ${cut}: ${shown}`);
      }
    }
  });
});
