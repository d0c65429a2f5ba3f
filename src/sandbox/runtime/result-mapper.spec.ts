import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodeLoader } from './code-loader';
import { jsonDeeperThan } from '../../common/json-input';
import { mapEnvelope, MAX_RESULT_DEPTH } from './result-mapper';

describe('mapEnvelope', () => {
  it('cuts a text result to the byte limit without splitting a character, with a notice', () => {
    const o = mapEnvelope(
      { ok: true, kind: 'text', data: 'é'.repeat(100), size: 100, truncated: false, stdout: '' },
      51,
      1024,
      1,
    );
    assert.equal(o.truncated, true);
    const t = o.content[0].type === 'text' ? o.content[0].text : '';
    assert.ok(t.startsWith('é'.repeat(25) + '\n[result truncated'), t);
    assert.equal(o.value, undefined);
  });

  it('refuses content blocks of unknown shape', () => {
    const o = mapEnvelope(
      {
        ok: true,
        kind: 'content',
        data: JSON.stringify([{ type: 'image', data: 'x' }]),
        truncated: false,
        isError: false,
        stdout: '',
      },
      1000,
      1024,
      1,
    );
    assert.deepEqual([o.success, o.error], [false, 'the tool returned an invalid MCP content block']);
  });

  it('marks passed-through content that was cut', () => {
    const o = mapEnvelope(
      {
        ok: true,
        kind: 'content',
        data: JSON.stringify([{ type: 'text', text: 'abc' }]),
        truncated: true,
        isError: false,
        stdout: '',
      },
      10,
      1024,
      1,
    );
    assert.equal(o.truncated, true);
    assert.equal(o.content.length, 2);
    assert.match(o.content[1].type === 'text' ? o.content[1].text : '', /^\[result truncated/);
  });

  it('a failure carries the message as its only content', () => {
    const o = mapEnvelope({ ok: false, error: 'boom', stdout: 'log\n' }, 1000, 1024, 3);
    assert.deepEqual(o, {
      success: false,
      isError: true,
      content: [{ type: 'text', text: 'boom' }],
      error: 'boom',
      stdout: 'log\n',
      durationMs: 3,
    });
  });
});

describe('result depth', () => {
  const nested = (n: number, leaf = '1') => '{"n":'.repeat(n) + leaf + '}'.repeat(n);
  it('measures the nesting of a JSON text without parsing it, brackets in strings aside', () => {
    assert.equal(jsonDeeperThan(nested(MAX_RESULT_DEPTH), MAX_RESULT_DEPTH), false);
    assert.equal(jsonDeeperThan(nested(MAX_RESULT_DEPTH + 1), MAX_RESULT_DEPTH), true);
    assert.equal(jsonDeeperThan(`[${'"[[[[\\"[[",'.repeat(100)}1]`, 3), false);
    assert.equal(jsonDeeperThan('[[[[1]]],[[[[2]]]]]', 4), true);
  });

  it('shows a JSON result nested too deep as text only, and refuses content or structuredContent nested too deep', () => {
    const deep = nested(MAX_RESULT_DEPTH + 1);
    const json = mapEnvelope(
      { ok: true, kind: 'json', data: deep, size: deep.length, truncated: false, stdout: '' },
      1e6,
      1e6,
      1,
    );
    assert.deepEqual(
      [json.success, json.content, json.value, json.structuredContent],
      [true, [{ type: 'text', text: deep }], undefined, undefined],
    );
    const fits = nested(MAX_RESULT_DEPTH);
    assert.deepEqual(
      mapEnvelope({ ok: true, kind: 'json', data: fits, size: fits.length, truncated: false, stdout: '' }, 1e6, 1e6, 1)
        .value,
      JSON.parse(fits),
    );
    for (const env of [
      { data: `[{"type":"resource","resource":${nested(MAX_RESULT_DEPTH)}}]` },
      { data: '[{"type":"text","text":"ok"}]', structured: nested(MAX_RESULT_DEPTH + 1) },
    ]) {
      const o = mapEnvelope(
        { ok: true, kind: 'content', truncated: false, isError: false, stdout: '', ...env },
        1e6,
        1e6,
        1,
      );
      assert.equal(o.error, `the tool returned content nested deeper than ${MAX_RESULT_DEPTH} levels`);
    }
  });
});

describe('CodeLoader', () => {
  it('does not trust a code hash that names different code', async () => {
    const loader = new CodeLoader();
    const a = await loader.prepare('export const main = async () => 1;', 'javascript', 'same-hash');
    const b = await loader.prepare('export const main = async () => 2;', 'javascript', 'same-hash');
    assert.ok(a.ok && b.ok);
    if (a.ok && b.ok) {
      assert.notEqual(a.codeKey, b.codeKey);
      assert.match(b.source, /=> 2/);
    }
  });

  it('explains top-level await', async () => {
    const r = await new CodeLoader().prepare(
      'const x = await Promise.resolve(1);\nexport async function main() { return x; }',
      'javascript',
      'h',
    );
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, /top-level await is not supported.*line 1/);
  });
});
