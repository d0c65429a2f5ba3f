/**
 * The package installer against a registry on 127.0.0.1 (test/support/npm-fixtures.ts):
 * real tarballs from `npm pack`, the real `yaml`, and the bundles run by tool code in a
 * fresh isolated-vm isolate, as the sandbox will run them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { runToolWithModules } from '../../../test/support/module-isolate';
import { startFixtureWorld, type FixtureWorld } from '../../../test/support/npm-fixtures';
import { BUNDLE_FORMAT } from './bundle-contract';
import type { PackageInstaller } from './package-installer';

let world: FixtureWorld;
before(async () => {
  world = await startFixtureWorld();
});
after(() => world.cleanup());

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Runs `main` of the tool code in a fresh isolate with the named installed modules. */
async function runTool(installer: PackageInstaller, names: string[], tool: string, args = {}) {
  const modules = [];
  for (const name of names) {
    const b = await installer.readBundle(name);
    assert.ok(b, `${name} is installed`);
    modules.push({ name, code: b.code });
  }
  const answer = await runToolWithModules({ modules, tool, args });
  assert.ok(answer.ok, answer.ok ? '' : answer.error);
  return answer;
}

describe('PackageInstaller.install', () => {
  it('installs a small package: latest by default, or by range, exact version or dist-tag', async () => {
    const installer = world.installer();
    const latest = await installer.install('tiny-greet');
    assert.equal(latest.version, '1.1.0');
    assert.equal(latest.name, 'tiny-greet');
    assert.equal(latest.integrity, world.registry.integrityOf('tiny-greet', '1.1.0'));
    assert.equal(latest.verifiedWith, 'sha512');
    assert.equal(latest.license, 'MIT');
    assert.equal(latest.format, BUNDLE_FORMAT);
    assert.deepEqual(latest.dependencies, []);
    assert.deepEqual(latest.ignoredInstallScripts, []);
    const file = readFileSync(latest.path);
    assert.equal(latest.bytes, file.length);
    assert.equal(latest.bundleSha256, sha256(file));
    assert.equal((statSync(latest.path).mode & 0o777).toString(8), '644');

    assert.equal((await installer.install('tiny-greet', '^1.0.0')).version, '1.1.0');
    assert.equal((await installer.install('tiny-greet', '1.0.0')).version, '1.0.0');
    assert.equal((await installer.install('tiny-greet', 'next')).version, '2.0.0-beta.1');
    const listed = await installer.list();
    assert.deepEqual(
      listed.map((m) => `${m.name}@${m.version}`),
      ['tiny-greet@2.0.0-beta.1'],
    );
    assert.deepEqual(await installer.get('tiny-greet'), listed[0]);
  });

  it('installs the real yaml, whose bundle serves `import { parse } from "yaml"` in a fresh isolate', async (t) => {
    const installer = world.installer();
    const started = performance.now();
    const yaml = await installer.install('yaml');
    const ms = performance.now() - started;
    assert.equal(yaml.version, world.yaml.version);
    assert.equal(yaml.integrity, world.yaml.integrity);
    assert.equal(yaml.license, 'ISC');
    assert.deepEqual(yaml.optionalImports, []);
    const code = readFileSync(yaml.path, 'utf8');
    assert.doesNotMatch(code, /\brequire\(\s*["'`]/, 'no require() of anything is left in the bundle');
    assert.doesNotMatch(code, /\bprocess\.env\b/);

    const answer = await runTool(
      installer,
      ['yaml'],
      `import { parse, stringify } from "yaml";
       import YAML from "yaml";
       export async function main({ text }) {
         return { parsed: parse(text), roundTrip: YAML.parse(stringify({ list: [1, "two"] })) };
       }`,
      { text: 'a: 1\nb: [x, y]\n' },
    );
    assert.deepEqual(answer.value, { parsed: { a: 1, b: ['x', 'y'] }, roundTrip: { list: [1, 'two'] } });
    t.diagnostic(
      `yaml@${yaml.version}: install from the loopback registry ${ms.toFixed(0)} ms, bundle ${yaml.bytes} bytes, ` +
        `first evaluation in a fresh isolate context ${answer.loadMs.yaml.toFixed(1)} ms`,
    );
  });

  it('installs a dependency tree, every package verified, with the file the "default" condition selects', async () => {
    const installer = world.installer();
    const before = world.registry.tarballRequests().length;
    const mod = await installer.install('uses-dep');
    assert.deepEqual(
      mod.dependencies.map((d) => [d.name, d.version, d.integrity === world.registry.integrityOf(d.name, d.version)]),
      [
        ['esm-util', '1.0.0', true],
        ['tiny-greet', '1.1.0', true],
      ],
    );
    assert.equal(mod.dependencies[0].license, 'ISC');
    assert.equal(world.registry.tarballRequests().length - before, 3);
    const answer = await runTool(
      installer,
      ['uses-dep'],
      'import { hello } from "uses-dep"; export async function main({ who }) { return hello(who); }',
      { who: 'ada' },
    );
    assert.equal(answer.value, 'HELLO ADA! from web');
  });

  it('installs a scoped ES package; default and named imports both work', async () => {
    const installer = world.installer();
    const mod = await installer.install('@mcpbox-test/scoped');
    assert.equal(mod.name, '@mcpbox-test/scoped');
    assert.ok(existsSync(join(mod.path)));
    const answer = await runTool(
      installer,
      ['@mcpbox-test/scoped'],
      'import scoped, { flavour } from "@mcpbox-test/scoped"; export async function main() { return scoped() + " " + flavour; }',
    );
    assert.equal(answer.value, 'scoped default esm');
  });

  it('never runs install scripts, nor any code of the package, on the host', async () => {
    const installer = world.installer();
    const mod = await installer.install('install-script');
    assert.deepEqual(mod.ignoredInstallScripts, ['preinstall', 'install', 'postinstall']);
    for (const s of ['preinstall', 'install', 'postinstall'])
      assert.equal(existsSync(`${world.marker}.${s}`), false, s);
    assert.equal((globalThis as { __installScriptFixtureLoaded?: boolean }).__installScriptFixtureLoaded, undefined);

    // The fixture is live: its scripts, as the registry serves them, do leave the marker when run.
    const doc = (await (await fetch(`${world.registry.url}/install-script/1.0.0`)).json()) as {
      scripts: Record<string, string>;
    };
    assert.equal(spawnSync('sh', ['-c', doc.scripts.postinstall]).status, 0);
    assert.equal(existsSync(`${world.marker}.postinstall`), true);
  });

  it('leaves imports guarded by try/catch out of the bundle; in the isolate they throw inside their try', async () => {
    const installer = world.installer();
    const mod = await installer.install('optional-guarded');
    assert.deepEqual(mod.optionalImports, [
      { specifier: 'fs', importer: 'optional-guarded@1.0.0/index.js' },
      { specifier: 'not-installed-extra', importer: 'optional-guarded@1.0.0/index.js' },
    ]);
    const answer = await runTool(
      installer,
      ['optional-guarded'],
      'import { hasFs, hasExtra } from "optional-guarded"; export async function main() { return [hasFs(), hasExtra()]; }',
    );
    assert.deepEqual(answer.value, [false, false]);
  });

  it('honours the browser field that disables a built-in', async () => {
    const installer = world.installer();
    await installer.install('browser-field');
    const answer = await runTool(
      installer,
      ['browser-field'],
      'import { kind } from "browser-field"; export async function main() { return kind(); }',
    );
    assert.equal(answer.value, 'browser');
  });

  it('accepts an old package that only has a SHA-1 shasum, and says it was verified with SHA-1', async () => {
    const mod = await world.installer().install('sha1-only');
    assert.equal(mod.verifiedWith, 'sha1');
    assert.match(mod.integrity, /^sha512-/);
    assert.equal(mod.license, 'BSD-2-Clause');
  });
});

describe('PackageInstaller store', () => {
  it('replaces a module atomically, removes it, and keeps only bundles that a record refers to', async () => {
    const installer = world.installer();
    const storeDir = installer.storeDir;
    // A work folder a crash left behind a day ago goes with the next install.
    mkdirSync(join(storeDir, '.work', 'install-crashed'), { recursive: true });
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    utimesSync(join(storeDir, '.work', 'install-crashed'), dayAgo, dayAgo);
    await installer.install('tiny-greet', '1.0.0');
    const second = await installer.install('tiny-greet', '1.1.0');
    await installer.install('uses-dep');
    assert.deepEqual(readdirSync(join(storeDir, 'bundles')).sort(), [
      ...[`${second.bundleSha256}.js`, `${(await installer.get('uses-dep'))?.bundleSha256}.js`].sort(),
    ]);
    assert.deepEqual(readdirSync(join(storeDir, '.work')), [], 'install work folders are removed');

    assert.equal(await installer.remove('tiny-greet'), true);
    assert.equal(await installer.get('tiny-greet'), null);
    assert.equal(existsSync(second.path), false);
    assert.equal(await installer.remove('tiny-greet'), false);
    assert.deepEqual(
      (await installer.list()).map((m) => m.name),
      ['uses-dep'],
    );

    // A damaged bundle is never handed out.
    const usesDep = (await installer.get('uses-dep'))!;
    writeFileSync(usesDep.path, '(function(){ /* altered */ })');
    assert.equal(await installer.readBundle('uses-dep'), null);
  });
});

describe('PackageInstaller.lookup', () => {
  it('gives the registry facts, downloads, advisories and the outcome of a trial install, storing nothing', async () => {
    const installer = world.installer();
    const info = await installer.lookup('yaml');
    assert.deepEqual(info, {
      name: 'yaml',
      latestVersion: world.yaml.version,
      description: 'JavaScript parser and stringifier for YAML',
      license: 'ISC',
      homepage: 'https://eemeli.org/yaml/',
      repository: 'github:eemeli/yaml',
      deprecated: null,
      weeklyDownloads: 123_456_789,
      advisories: [],
      advisoriesChecked: true,
      needsNodeBuiltins: false,
      nodeBuiltins: [],
      installable: { ok: true, bundleBytes: info.installable?.ok ? info.installable.bundleBytes : -1, packages: 1 },
    });
    assert.ok(info.installable?.ok && info.installable.bundleBytes > 10_000);
    assert.deepEqual(await installer.list(), []);
    assert.deepEqual(readdirSync(installer.storeDir), ['.work']);
    assert.deepEqual(readdirSync(join(installer.storeDir, '.work')), []);
  });

  it('says which Node built-in a package needs and where, and gives null downloads when there is no count', async () => {
    const info = await world.installer().lookup('deep-net');
    assert.equal(info.needsNodeBuiltins, true);
    assert.deepEqual(info.nodeBuiltins, [{ builtin: 'node:net', importer: 'uses-node-net@1.0.0/index.js:1' }]);
    assert.equal(info.installable?.ok, false);
    assert.equal(info.weeklyDownloads, null);
    const fast = await world.installer().lookup('needs-fs', { trial: false });
    assert.equal(fast.needsNodeBuiltins, null);
    assert.equal(fast.installable, null);
  });

  it('lists advisories of the latest version, and says so when the registry has no advisory service', async () => {
    const vuln = await world.installer().lookup('vuln-lib');
    assert.equal(vuln.latestVersion, '1.0.1');
    assert.deepEqual(
      vuln.advisories.map((a) => [a.id, a.severity, a.version]),
      [['1002', 'moderate', '1.0.1']],
    );
    world.registry.advisoryService = 'absent';
    try {
      const unchecked = await world.installer().lookup('vuln-lib');
      assert.equal(unchecked.advisoriesChecked, false);
      assert.deepEqual(unchecked.advisories, []);
      const installed = await world.installer().install('tiny-greet');
      assert.equal(installed.advisoriesChecked, false);
    } finally {
      world.registry.advisoryService = 'on';
    }
  });
});
