import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVersionRequest, validatePackageName } from './package-name';
import { PackageRefused, type RefusalReason } from './package-refused';

function refused(fn: () => unknown, reason: RefusalReason, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PackageRefused, `expected PackageRefused, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  });
}

describe('validatePackageName', () => {
  it('accepts plain and scoped registry names as they are', () => {
    for (const name of [
      'yaml',
      'lodash.get',
      'date-fns',
      'a',
      'x_y',
      '@scope/name',
      '@types/node',
      '@a1/b.c-d_e',
      '9to5',
    ]) {
      assert.equal(validatePackageName(name), name);
    }
    assert.equal(validatePackageName('a'.repeat(214)), 'a'.repeat(214));
  });

  it('refuses path tricks, naming the rule', () => {
    refused(() => validatePackageName('../x'), 'invalid_name', /only scoped names/);
    refused(() => validatePackageName('./x'), 'invalid_name', /only scoped names/);
    refused(() => validatePackageName('@scope/../x'), 'invalid_name', /exactly one "\/"/);
    refused(() => validatePackageName('@scope/..'), 'invalid_name', /may not start with "\." or "_"/);
    refused(() => validatePackageName('@scope/x/y'), 'invalid_name', /exactly one "\/"/);
    refused(() => validatePackageName('@/x'), 'invalid_name', /scope is empty/);
    refused(() => validatePackageName('@scope/'), 'invalid_name', /after the scope is empty/);
    refused(() => validatePackageName('@scope'), 'invalid_name', /exactly one "\/"/);
    refused(() => validatePackageName('user/repo'), 'invalid_name', /GitHub shorthands/);
    refused(() => validatePackageName('..\\x'), 'invalid_name', /backslash/);
    refused(() => validatePackageName('/etc/passwd'), 'invalid_name', /only scoped names/);
  });

  it('refuses URLs, git, file and alias specs and tarballs', () => {
    for (const spec of [
      'https://registry.npmjs.org/yaml/-/yaml-2.0.0.tgz',
      'http://example.test/x',
      'git+https://github.com/eemeli/yaml.git',
      'git://github.com/x/y',
      'github:eemeli/yaml',
      'file:../yaml',
      'link:../yaml',
      'npm:yaml@2.0.0',
      'workspace:*',
    ]) {
      refused(() => validatePackageName(spec), 'invalid_name', /URL, git, file or alias spec|only scoped names/);
    }
    refused(() => validatePackageName('yaml-2.0.0.tgz'), 'invalid_name', /tarball/);
    refused(() => validatePackageName('yaml@2.0.0'), 'invalid_name', /give the version or range separately/);
    refused(() => validatePackageName('@scope/name@1'), 'invalid_name', /give the version or range separately/);
  });

  it('refuses upper case, leading dots and underscores, odd characters, blanks and over-long names', () => {
    refused(() => validatePackageName('YAML'), 'invalid_name', /lower case/);
    refused(() => validatePackageName('@Scope/x'), 'invalid_name', /lower case/);
    refused(() => validatePackageName('.hidden'), 'invalid_name', /may not start with "\." or "_"/);
    refused(() => validatePackageName('_private'), 'invalid_name', /may not start with "\." or "_"/);
    refused(() => validatePackageName('-flag'), 'invalid_name', /must start with a letter or digit/);
    refused(() => validatePackageName('a~b'), 'invalid_name', /may contain only/);
    refused(() => validatePackageName("it's"), 'invalid_name', /may contain only/);
    refused(() => validatePackageName('na me'), 'invalid_name', /white space/);
    refused(() => validatePackageName(' yaml'), 'invalid_name', /white space/);
    refused(() => validatePackageName('ya\nml'), 'invalid_name', /white space/);
    refused(() => validatePackageName(''), 'invalid_name', /empty/);
    refused(() => validatePackageName('a'.repeat(215)), 'invalid_name', /215 characters long; the limit is 214/);
    refused(() => validatePackageName('node_modules'), 'invalid_name', /reserved/);
    refused(() => validatePackageName('favicon.ico'), 'invalid_name', /reserved/);
    refused(() => validatePackageName(42), 'invalid_name', /must be a string/);
  });

  it('refuses the names of Node built-ins, which tool code can never import', () => {
    refused(() => validatePackageName('fs'), 'invalid_name', /Node built-in/);
    refused(() => validatePackageName('child_process'), 'invalid_name', /Node built-in/);
  });

  it('accepts the legacy names of old dependencies only when asked', () => {
    assert.equal(validatePackageName('JSONStream', { legacy: true }), 'JSONStream');
    assert.equal(validatePackageName('events', { legacy: true }), 'events');
    refused(() => validatePackageName('../x', { legacy: true }), 'invalid_name', /only scoped names/);
    refused(() => validatePackageName('.x', { legacy: true }), 'invalid_name', /may not start/);
  });

  it('escapes control characters and cuts long input in its messages', () => {
    refused(() => validatePackageName('a\u0000b'), 'invalid_name', /"a\\x00b"/);
    refused(() => validatePackageName(`${'x/'.repeat(100)}`), 'invalid_name', /\.\.\."/);
  });
});

describe('parseVersionRequest', () => {
  it('defaults to the latest dist-tag', () => {
    assert.deepEqual(parseVersionRequest(undefined), { kind: 'tag', tag: 'latest' });
    assert.deepEqual(parseVersionRequest(''), { kind: 'tag', tag: 'latest' });
  });

  it('accepts semver ranges and dist-tags', () => {
    for (const range of ['^2.3.0', '~1.2', '2.x', '*', '>=1 <3', '1.2.3', '1.0.0 - 2.0.0', '^1 || ^2', 'v1'])
      assert.deepEqual(parseVersionRequest(range), { kind: 'range', range });
    assert.deepEqual(parseVersionRequest('next'), { kind: 'tag', tag: 'next' });
    assert.deepEqual(parseVersionRequest('beta-2'), { kind: 'tag', tag: 'beta-2' });
  });

  it('refuses specs that are not ranges, and text that is neither range nor tag', () => {
    for (const spec of [
      'npm:yaml@2',
      'git+https://github.com/eemeli/yaml.git',
      'github:eemeli/yaml',
      'file:../yaml',
      'https://example.test/yaml.tgz',
      'eemeli/yaml',
      '../yaml',
    ])
      refused(() => parseVersionRequest(spec), 'invalid_range', /only semver ranges/);
    refused(() => parseVersionRequest('^^1'), 'invalid_range', /neither a semver range/);
    refused(
      () => parseVersionRequest('1.2.3 ; rm -rf /'),
      'invalid_range',
      /only semver ranges|neither a semver range/,
    );
    refused(() => parseVersionRequest('   '), 'invalid_range', /blank/);
    refused(() => parseVersionRequest('1'.repeat(300)), 'invalid_range', /over 256 characters/);
    refused(() => parseVersionRequest(2), 'invalid_range', /must be a string/);
  });
});
