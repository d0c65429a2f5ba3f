import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTwoFilesPatch } from 'diff';
import { changedLinesAtLeast, diffCode, MAX_CHANGED_LINES, wholeFileReplacement } from './code-diff';

const LABELS = { oldName: 't@v1', newName: 't@v2', oldHeader: 'version 1', newHeader: 'version 2' };
const jsdiff = (a: string, b: string) => createTwoFilesPatch('t@v1', 't@v2', a, b, 'version 1', 'version 2');

describe('code diff', () => {
  it('writes a whole-file replacement exactly as jsdiff writes a diff of two unrelated files', () => {
    for (const [a, b] of [
      ['a\nb\nc\n', 'x\ny\n'],
      ['a\nb', 'x\ny\nz'],
      ['', 'x\n'],
      ['a\n', ''],
      ['same\n', 'same\n'],
    ])
      assert.equal(wholeFileReplacement(a, b, LABELS), jsdiff(a, b), JSON.stringify([a, b]));
  });

  it('bounds the edit length from below by the lines without a partner', () => {
    assert.equal(changedLinesAtLeast('a\nb\nc', 'a\nb\nc'), 0);
    assert.equal(changedLinesAtLeast('a\nb\nc', 'c\nb\na'), 0);
    assert.equal(changedLinesAtLeast('a\na\nb', 'a\nc'), 3);
  });

  it('diffs line by line within the bounds, and answers a whole-file replacement past them', async () => {
    const small = await diffCode('a\nb\nc\n', 'a\nB\nc\n', LABELS);
    assert.deepEqual(small, { diff: jsdiff('a\nb\nc\n', 'a\nB\nc\n'), mode: 'lines', note: null });
    const many = (p: string) => Array.from({ length: MAX_CHANGED_LINES }, (_, i) => `${p}${i}`).join('\n');
    const large = await diffCode(many('a'), many('b'), LABELS);
    assert.equal(large.mode, 'whole_file');
    assert.match(large.note ?? '', /more than 5000 changed lines/);
    assert.equal(large.diff, wholeFileReplacement(many('a'), many('b'), LABELS));
  });
});
