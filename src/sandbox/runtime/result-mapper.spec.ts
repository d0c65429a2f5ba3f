import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodeLoader } from './code-loader';
import { mapEnvelope } from './result-mapper';

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
