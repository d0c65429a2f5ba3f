import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * Code comments cite the project's own design documents (`docs/architecture.md#access`,
 * `docs/sandbox.md#limits`): every cited file and heading must exist, and nothing may cite the
 * product brief's section numbers (a file that is not in the repository) any more. Failures list
 * `file:line` of each bad citation.
 */

/** The repository, from this test's compiled copy (dist/test/contract → ../../..). */
const ROOT = resolve(__dirname, '..', '..', '..');
const SCANNED = ['src', 'test', 'scripts', 'bench'];
const EXTENSIONS = /\.(ts|mts|cts|js|mjs|cjs)$/;
/**
 * A citation of the product brief: its name as an upper-case word, with or without a section
 * number (written with a character class, so that this file does not match itself).
 */
const BRIEF_CITATION = /\bS[P]EC\b/;
/** `docs/<file>.md` with an optional `#<anchor>`. */
const DOC_CITATION = /\bdocs\/([\w.-]+\.md)(?:#([\p{L}\p{N}_-]+))?/gu;

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : files(path);
    return EXTENSIONS.test(entry) ? [path] : [];
  });
}

/** Each line of every scanned source file (or of `paths`), with its `file:line` place. */
function sourceLines(paths = SCANNED.flatMap((dir) => files(join(ROOT, dir)))): { place: string; text: string }[] {
  return paths.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((text, i) => ({ place: `${relative(ROOT, file)}:${i + 1}`, text })),
  );
}

/**
 * GitHub's heading anchors: lower case, markdown links reduced to their text, every character
 * that is not a letter, digit, space, `-` or `_` dropped, each space a `-`; a repeated slug
 * gets `-1`, `-2`, ... Headings inside code fences do not count.
 */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fenceMark) {
      fence = fence === null ? fenceMark : fence === fenceMark ? null : fence;
      continue;
    }
    if (fence !== null) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** The design documents (`docs/*.md`). */
function docFiles(): string[] {
  return readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f));
}

const slugCache = new Map<string, Set<string> | null>();
/** The anchors of `docs/<file>`, or null when there is no such file. */
function anchorsOf(path: string): Set<string> | null {
  if (!slugCache.has(path)) slugCache.set(path, existsSync(path) ? headingSlugs(readFileSync(path, 'utf8')) : null);
  return slugCache.get(path) ?? null;
}

/** Why `target#anchor` does not resolve, or null when it does. */
function brokenLink(target: string, anchor: string | undefined): string | null {
  const anchors = anchorsOf(target);
  if (anchors === null) return `no file ${relative(ROOT, target)}`;
  if (anchor !== undefined && !anchors.has(anchor)) return `no heading #${anchor} in ${relative(ROOT, target)}`;
  return null;
}

describe('citations of the design documents', () => {
  it('slugs headings as GitHub does', () => {
    const slugs = headingSlugs(
      [
        '# MCPBox architecture',
        '## Stack and start-up',
        '## The MCP gateway (`/mcp`)',
        '### Servers: `status`',
        '## Limits',
        '## Limits',
        '```',
        '## Not a heading',
        '```',
        '## See [the sandbox](sandbox.md)',
      ].join('\n'),
    );
    assert.deepEqual(
      [...slugs],
      [
        'mcpbox-architecture',
        'stack-and-start-up',
        'the-mcp-gateway-mcp',
        'servers-status',
        'limits',
        'limits-1',
        'see-the-sandbox',
      ],
    );
  });

  it('nothing in src, test, scripts, bench or docs cites the product brief', () => {
    const offenders = sourceLines([...SCANNED.flatMap((dir) => files(join(ROOT, dir))), ...docFiles()])
      .filter((l) => BRIEF_CITATION.test(l.text))
      .map((l) => `${l.place}: ${l.text.trim()}`);
    assert.deepEqual(offenders, [], 'cite docs/architecture.md#<section> (or another docs/ page) instead');
  });

  it('every docs/<file>.md#<anchor> cited in src, test, scripts and bench exists', () => {
    const lines = sourceLines();
    const offenders: string[] = [];
    for (const { place, text } of lines) {
      for (const m of text.matchAll(DOC_CITATION)) {
        const why = brokenLink(join(ROOT, 'docs', m[1]), m[2]);
        if (why) offenders.push(`${place}: ${m[0]} (${why})`);
      }
    }
    assert.deepEqual(offenders, []);
    // The check above has something to check: the sources do cite the documents.
    assert.ok(lines.filter((l) => /\bdocs\/architecture\.md#/.test(l.text)).length >= 10);
  });

  it('the links between the documents and from the README resolve', () => {
    const offenders: string[] = [];
    for (const file of [join(ROOT, 'README.md'), ...docFiles()]) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          // Markdown links to a local .md file or to an anchor of this one.
          for (const m of text.matchAll(/\]\(((?:[\w./-]+\.md)?)(?:#([\p{L}\p{N}_-]+))?\)/gu)) {
            if (!m[1] && !m[2]) continue;
            const target = m[1] ? resolve(dirname(file), m[1]) : file;
            const why = brokenLink(target, m[2]);
            if (why) offenders.push(`${relative(ROOT, file)}:${i + 1}: ${m[0]} (${why})`);
          }
        });
    }
    assert.deepEqual(offenders, []);
  });
});
