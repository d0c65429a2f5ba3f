/**
 * MCPBox names for tools imported from an external MCP source (docs/architecture.md#external-sources): the source's name
 * lower-cased, every character outside [a-z0-9_] replaced by `_`, starting with a letter,
 * at most 64 characters, and unique among the names already taken (`_2`, `_3`, …).
 * `external_tool_name` keeps the original, so the mapping never needs to be reversible.
 */
export const MAX_TOOL_NAME_LENGTH = 64;
/** Put in front of a name that would not start with a letter (`2fa` → `tool_2fa`). */
export const NAME_PREFIX = 'tool_';
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** The name before de-duplication: lower case, `[a-z0-9_]` only, a letter first, ≤ 64 characters. */
export function normalizeToolName(sourceName: string): string {
  // Per code point, so that one emoji or accented letter becomes one `_`, not two.
  let name = Array.from(sourceName.toLowerCase(), (ch) => (/^[a-z0-9_]$/.test(ch) ? ch : '_')).join('');
  if (!/^[a-z]/.test(name)) name = NAME_PREFIX + name;
  if (name === NAME_PREFIX) name = 'tool';
  return name.slice(0, MAX_TOOL_NAME_LENGTH);
}

/**
 * The MCPBox name for `sourceName`, not in `taken`. The suffix replaces the end of a long
 * name rather than pushing it past 64 characters.
 */
export function deriveToolName(sourceName: string, taken: ReadonlySet<string> | Iterable<string>): string {
  const used = taken instanceof Set ? (taken as ReadonlySet<string>) : new Set(taken);
  const base = normalizeToolName(sourceName);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const candidate = base.slice(0, MAX_TOOL_NAME_LENGTH - suffix.length) + suffix;
    if (!used.has(candidate)) return candidate;
  }
}

/**
 * Names for several source tools at once (an import): each is unique among `taken` and
 * among the others, in the order given, so the same input always gives the same names.
 */
export function deriveToolNames(sourceNames: readonly string[], taken: Iterable<string>): Map<string, string> {
  const used = new Set(taken);
  const names = new Map<string, string>();
  for (const sourceName of sourceNames) {
    if (names.has(sourceName)) continue;
    const name = deriveToolName(sourceName, used);
    used.add(name);
    names.set(sourceName, name);
  }
  return names;
}
