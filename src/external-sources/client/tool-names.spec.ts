import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveToolName, deriveToolNames, normalizeToolName, TOOL_NAME_PATTERN } from './tool-names';

describe('tool names from an external source', () => {
  it('lower-cases and turns every character outside [a-z0-9_] into _', () => {
    assert.equal(normalizeToolName('Get-Weather.v2'), 'get_weather_v2');
    assert.equal(normalizeToolName('search files'), 'search_files');
    assert.equal(normalizeToolName('café☕'), 'caf__', 'one _ per character, also outside the BMP');
    assert.equal(normalizeToolName('snake_case_9'), 'snake_case_9');
  });
  it('prefixes a name that does not start with a letter', () => {
    assert.equal(normalizeToolName('2fa-check'), 'tool_2fa_check');
    assert.equal(normalizeToolName('_private'), 'tool__private');
    assert.equal(normalizeToolName('ÉTAT'), 'tool__tat');
    assert.equal(normalizeToolName(''), 'tool');
  });
  it('keeps at most 64 characters, also with a suffix', () => {
    const long = 'a'.repeat(80);
    assert.equal(normalizeToolName(long), 'a'.repeat(64));
    const second = deriveToolName(long, ['a'.repeat(64)]);
    assert.equal(second, `${'a'.repeat(62)}_2`);
    assert.equal(second.length, 64);
  });
  it('de-duplicates against the taken names with _2, _3, …', () => {
    assert.equal(deriveToolName('Echo', []), 'echo');
    assert.equal(deriveToolName('Echo', ['echo']), 'echo_2');
    assert.equal(deriveToolName('echo', new Set(['echo', 'echo_2'])), 'echo_3');
  });
  it('names a batch uniquely among itself and the taken names, the same way every time', () => {
    const names = deriveToolNames(['Get-Item', 'get_item', 'get.item', 'Get-Item'], ['get_item']);
    assert.deepEqual(
      [...names],
      [
        ['Get-Item', 'get_item_2'],
        ['get_item', 'get_item_3'],
        ['get.item', 'get_item_4'],
      ],
    );
    assert.deepEqual(deriveToolNames(['Get-Item', 'get_item', 'get.item'], ['get_item']), names);
  });
  it('always yields a valid MCPBox tool name', () => {
    for (const raw of ['', '9', '—', 'A'.repeat(200), 'x y', '__', 'Ünïcode', 'ok']) {
      const name = deriveToolName(raw, ['ok']);
      assert.match(name, TOOL_NAME_PATTERN);
      assert.ok(name.length <= 64);
      assert.notEqual(name, 'ok');
    }
  });
});
