/**
 * Names and version ranges, checked before anything reaches the registry or the disk.
 * Pure functions: every refusal is a PackageRefused naming what is wrong and what to give.
 */
import { isBuiltin } from 'node:module';
import semver from 'semver';
import { refuse } from './package-refused';

export const MAX_NAME_LENGTH = 214;
export const MAX_RANGE_LENGTH = 256;

/** A part of a name (scope or bare name) as npm accepts it for new packages. */
const NEW_PART = /^[a-z0-9][a-z0-9._-]*$/;
/** Old packages (dependencies only) may have upper case and `~'!()*`. */
const LEGACY_PART = /^[A-Za-z0-9~'!()*-][A-Za-z0-9._~'!()*-]*$/;
const SPEC_PREFIX = /^(npm|file|link|workspace|git|git\+[a-z]+|github|gitlab|bitbucket|gist|https?|ftp):/i;
const RESERVED = new Set(['node_modules', 'favicon.ico']);

export interface NameRules {
  /** Dependencies of a package may carry names npm no longer accepts for new packages (upper case). */
  legacy?: boolean;
}

/**
 * Returns the name when it is a plain npm registry name (`yaml`, `@scope/name`); throws
 * `invalid_name` for anything else: paths, URLs, git/file specs, aliases, versions glued
 * to the name, upper case, leading dots or underscores, over 214 characters.
 */
export function validatePackageName(input: unknown, rules: NameRules = {}): string {
  const bad = (why: string) =>
    refuse('invalid_name', `"${printable(input)}" is not a valid npm package name: ${why}`, { name: printable(input) });
  if (typeof input !== 'string') throw refuse('invalid_name', 'the package name must be a string');
  const name = input;
  if (name.length === 0) throw bad('it is empty');
  if (name.length > MAX_NAME_LENGTH) throw bad(`it is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`);
  if (name !== name.trim() || /\s/.test(name)) throw bad('it contains white space');
  if (SPEC_PREFIX.test(name) || name.includes('://'))
    throw bad('it is a URL, git, file or alias spec; give the name the package has on the registry, e.g. "yaml"');
  if (/\.(tgz|tar\.gz|tar)$/i.test(name)) throw bad('it is a tarball; give the name the package has on the registry');
  if (name.includes('\\')) throw bad('it contains a backslash');
  if (name.lastIndexOf('@') > 0) throw bad('give the version or range separately, not glued to the name with "@"');

  let scope: string | undefined;
  let bare = name;
  if (name.startsWith('@')) {
    const parts = name.slice(1).split('/');
    if (parts.length !== 2) throw bad('a scoped name has exactly one "/": "@scope/name"');
    [scope, bare] = parts;
    if (!scope) throw bad('the scope is empty');
    if (!bare) throw bad('the name after the scope is empty');
  } else if (name.includes('/')) {
    throw bad('only scoped names ("@scope/name") contain "/"; paths and GitHub shorthands are not package names');
  }
  for (const [what, part] of [
    ['scope', scope],
    ['name', bare],
  ] as const) {
    if (part === undefined) continue;
    if (part.startsWith('.') || part.startsWith('_')) throw bad(`the ${what} may not start with "." or "_"`);
    if (!rules.legacy && part !== part.toLowerCase()) throw bad('npm names are lower case');
    const pattern = rules.legacy ? LEGACY_PART : NEW_PART;
    if (!pattern.test(part))
      throw bad(
        `the ${what} may contain only lower-case letters, digits, "-", "." and "_", and must start with a letter or digit`,
      );
  }
  if (RESERVED.has(name.toLowerCase())) throw bad('it is a reserved name');
  if (!rules.legacy && isBuiltin(name))
    throw bad(
      'it is the name of a Node built-in module, and tool code can never import Node built-ins (the sandbox has none); ' +
        'look for a package with another name',
    );
  return name;
}

/** What a version request means: a semver range (`^2.3.0`, `2.x`, `*`) or a dist-tag (`latest`, `next`). */
export type VersionRequest = { kind: 'range'; range: string } | { kind: 'tag'; tag: string };

const TAG = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/**
 * Parses a version range; empty or missing means the `latest` dist-tag. Throws
 * `invalid_range` for specs that are not ranges (URLs, git, `npm:` aliases, paths) and
 * for text that is neither a semver range nor a dist-tag.
 */
export function parseVersionRequest(input: unknown): VersionRequest {
  if (input === undefined || input === null || input === '') return { kind: 'tag', tag: 'latest' };
  const bad = (why: string) =>
    refuse('invalid_range', `"${printable(input)}" is not a usable version range: ${why}`, { range: printable(input) });
  if (typeof input !== 'string') throw refuse('invalid_range', 'the version range must be a string');
  if (input.length > MAX_RANGE_LENGTH) throw bad(`it is over ${MAX_RANGE_LENGTH} characters long`);
  const text = input.trim();
  if (!text) throw bad('it is blank');
  if (SPEC_PREFIX.test(text) || text.includes('://') || text.includes('/') || text.includes('\\'))
    throw bad(
      'only semver ranges ("^2.3.0", "2.x") and dist-tags ("latest") can be installed, not URLs, paths, git specs or aliases',
    );
  const range = semver.validRange(text);
  if (range !== null) return { kind: 'range', range: text };
  if (TAG.test(text)) return { kind: 'tag', tag: text };
  throw bad('it is neither a semver range (e.g. "^2.3.0", "~1.2", ">=1 <3") nor a dist-tag (e.g. "latest")');
}

/** The text shown back in a message: control characters escaped, long input cut. */
function printable(input: unknown): string {
  const text = typeof input === 'string' ? input : String(input);
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
