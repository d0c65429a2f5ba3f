import type { Tool } from '@modelcontextprotocol/server';

export interface ToolMatch {
  tool: Tool;
  score: number;
}

/** Lower-case words of a name or text: `get_Weather-now` → get, weather, now. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * Ranks tools by the query's words (mcpbox_search_tools): a word that is a whole word of
 * the name counts most, a part of the name next, a word of the description (or its
 * prefix) least; every query word found adds to the score, and tools matching more of
 * the words come first. Ties break by name, so the order is stable.
 */
export function searchTools(tools: Tool[], query: string, limit: number): ToolMatch[] {
  const terms = [...new Set(words(query))];
  if (!terms.length) return [];
  const matches: ToolMatch[] = [];
  for (const tool of tools) {
    const nameWords = new Set(words(tool.name));
    const name = tool.name.toLowerCase();
    const descWords = words(`${tool.title ?? ''} ${tool.description ?? ''}`);
    let score = 0;
    let found = 0;
    for (const term of terms) {
      let s = 0;
      if (nameWords.has(term)) s = 10;
      else if (name.includes(term)) s = 6;
      else if (descWords.includes(term)) s = 3;
      else if (term.length >= 3 && descWords.some((w) => w.startsWith(term))) s = 2;
      if (s) found++;
      score += s;
    }
    if (found) matches.push({ tool, score: score * found });
  }
  return matches.sort((a, b) => b.score - a.score || (a.tool.name < b.tool.name ? -1 : 1)).slice(0, limit);
}
