import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tool } from '@modelcontextprotocol/server';
import { searchTools, words } from './tool-search';

const tool = (name: string, description = ''): Tool => ({ name, description, inputSchema: { type: 'object' } });
const TOOLS = [
  tool('weather__get_forecast', 'Weather forecast for a city'),
  tool('weather__current', 'Current conditions'),
  tool('github__create_issue', 'Open an issue in a repository'),
  tool('mcpbox_list_servers', 'List your MCPBox servers'),
  tool('notes__add', 'Save a note about the weather'),
];

describe('searchTools', () => {
  it('splits names and text into lower-case words', () => {
    assert.deepEqual(words('get_Weather-now 2x'), ['get', 'weather', 'now', '2x']);
  });

  it('ranks a name word above a description word, and more matched words higher', () => {
    const names = searchTools(TOOLS, 'weather forecast', 10).map((m) => m.tool.name);
    assert.deepEqual(names, ['weather__get_forecast', 'weather__current', 'notes__add']);
  });

  it('matches parts of names and prefixes of description words', () => {
    assert.deepEqual(
      searchTools(TOOLS, 'repo', 10).map((m) => m.tool.name),
      ['github__create_issue'],
    );
    assert.deepEqual(
      searchTools(TOOLS, 'serv', 10).map((m) => m.tool.name),
      ['mcpbox_list_servers'],
    );
  });

  it('returns nothing for no match or an empty query, and honours the limit', () => {
    assert.deepEqual(searchTools(TOOLS, 'zzz', 10), []);
    assert.deepEqual(searchTools(TOOLS, '  --  ', 10), []);
    assert.equal(searchTools(TOOLS, 'weather', 1).length, 1);
  });

  it('is stable: equal scores sort by name', () => {
    const a = searchTools([tool('b_x'), tool('a_x')], 'x', 10).map((m) => m.tool.name);
    assert.deepEqual(a, ['a_x', 'b_x']);
  });
});
