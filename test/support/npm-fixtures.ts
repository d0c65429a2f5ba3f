/**
 * Fixture packages for the package installer, made into real tarballs with `npm pack`
 * (one run for all of them, scripts off) and published on a loopback TestNpmRegistry,
 * together with a real package (`yaml`, packed from node_modules) and a few hand-made
 * archives npm would never produce. Each fixture proves one rule; see its comment.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { PackageInstaller, type PackageInstallerOptions } from '../../src/modules/packages/package-installer';
import { PackageRefused, type RefusalReason } from '../../src/modules/packages/package-refused';
import { TestNpmRegistry } from './npm-registry';
import { withLoopbackOnly } from './loopback-only';
import { tarball } from './tar-writer';

export interface FixtureSource {
  packageJson: Record<string, unknown>;
  files: Record<string, string | Buffer>;
}

export interface FixtureWorld {
  registry: TestNpmRegistry;
  /** Temporary root: stores go in `<root>/store-<n>`; `<root>` also holds the host files a package must not reach. */
  root: string;
  /** Written by the install-script fixture's scripts, should they ever run. */
  marker: string;
  /** The real yaml's version and tarball integrity. */
  yaml: { version: string; integrity: string };
  /** An installer on the loopback registry with a store folder of its own, `<root>/store-<n>`. */
  installer: (opts?: Partial<PackageInstallerOptions>) => PackageInstaller;
  cleanup: () => Promise<void>;
}

/** Awaits a refusal and checks its reason and message. */
export async function refusal(
  work: Promise<unknown>,
  reason: RefusalReason,
  message?: RegExp,
): Promise<PackageRefused> {
  const err = await work.then(
    (v) => assert.fail(`expected a refusal (${reason}), got ${JSON.stringify(v)?.slice(0, 200)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PackageRefused, `expected PackageRefused, got ${String(err)}`);
  assert.equal(err.reason, reason, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

export const HOST_SECRET = 'HOST-SECRET-9f1c';

const cjs = (name: string, version: string, code: string, extra: Record<string, unknown> = {}): FixtureSource => ({
  packageJson: { name, version, main: 'index.js', license: 'MIT', description: `fixture ${name}`, ...extra },
  files: { 'index.js': code },
});

/** A pseudo-random text that does not compress away. */
function incompressible(bytes: number): string {
  let out = '';
  let h = Buffer.from('seed');
  while (out.length < bytes) {
    h = createHash('sha512').update(h).digest();
    out += h.toString('hex');
  }
  return out.slice(0, bytes);
}

function fixtures(marker: string): FixtureSource[] {
  const greet = (version: string) =>
    cjs('tiny-greet', version, `exports.greet = (n) => 'hello ' + n;\nexports.version = '${version}';\n`);
  return [
    greet('1.0.0'),
    greet('1.1.0'),
    greet('2.0.0-beta.1'),
    // Conditional exports: the "node" file imports node:fs, the "default" one is what the sandbox must get.
    {
      packageJson: {
        name: 'esm-util',
        version: '1.0.0',
        type: 'module',
        license: 'ISC',
        exports: { '.': { node: './node.js', default: './web.js' } },
      },
      files: {
        'node.js': "import { readFileSync } from 'node:fs';\nexport const where = 'node' + typeof readFileSync;\n",
        'web.js':
          "export const where = 'web';\nexport default function shout(s) {\n  return String(s).toUpperCase() + '!';\n}\n",
      },
    },
    // A tree: two dependencies, one CommonJS, one ES module.
    cjs(
      'uses-dep',
      '1.0.0',
      "const { greet } = require('tiny-greet');\nconst util = require('esm-util');\n" +
        "exports.hello = (n) => util.default(greet(n)) + ' from ' + util.where;\n",
      { dependencies: { 'tiny-greet': '^1.0.0', 'esm-util': '^1.0.0' } },
    ),
    cjs('needs-fs', '1.0.0', "const fs = require('fs');\nexports.read = (p) => fs.readFileSync(p, 'utf8');\n"),
    {
      packageJson: { name: 'uses-node-net', version: '1.0.0', type: 'module', main: 'index.js', license: 'MIT' },
      files: { 'index.js': "import net from 'node:net';\nexport const connect = (p) => net.connect(p);\n" },
    },
    cjs('deep-net', '1.0.0', "module.exports = require('uses-node-net');\n", {
      dependencies: { 'uses-node-net': '1.0.0' },
    }),
    {
      packageJson: { name: 'native-addon', version: '1.0.0', main: 'index.js', license: 'MIT' },
      files: {
        'index.js': "module.exports = require('./build/Release/addon.node');\n",
        'binding.gyp': '{ "targets": [{ "target_name": "addon", "sources": ["addon.cc"] }] }\n',
        'addon.cc': '// a C++ add-on\n',
      },
    },
    {
      packageJson: { name: 'prebuilt-addon', version: '1.0.0', main: 'index.js', license: 'MIT' },
      files: {
        'index.js': "module.exports = require('./prebuilds/linux-x64/addon.node');\n",
        'prebuilds/linux-x64/addon.node': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      },
    },
    // Every install script would leave the marker file; the package's own code would set a global.
    cjs(
      'install-script',
      '1.0.0',
      "globalThis.__installScriptFixtureLoaded = true;\nexports.ok = () => 'installed without running scripts';\n",
      {
        scripts: {
          preinstall: `touch '${marker}.preinstall'`,
          install: `touch '${marker}.install'`,
          postinstall: `touch '${marker}.postinstall'`,
        },
      },
    ),
    cjs('big-blob', '1.0.0', `exports.blob = '${incompressible(300 * 1024)}';\n`),
    cjs('vuln-lib', '1.0.0', "exports.v = '1.0.0';\n"),
    cjs('vuln-lib', '1.0.1', "exports.v = '1.0.1';\n"),
    cjs('uses-vuln', '1.0.0', "module.exports = require('vuln-lib');\n", { dependencies: { 'vuln-lib': '1.0.0' } }),
    {
      packageJson: { name: '@mcpbox-test/scoped', version: '1.0.0', type: 'module', main: 'index.js', license: 'MIT' },
      files: {
        'index.js':
          "export default function scoped() {\n  return 'scoped default';\n}\nexport const flavour = 'esm';\n",
      },
    },
    cjs('sha1-only', '1.0.0', 'exports.old = true;\n', { license: 'BSD-2-Clause' }),
    cjs('no-checksum', '1.0.0', 'exports.x = 1;\n'),
    cjs('tampered', '1.0.0', 'exports.genuine = true;\n'),
    // Reaches for a package it does not declare, which exists above the store (host files).
    cjs('undeclared-import', '1.0.0', "module.exports = require('host-secret');\n"),
    // Reaches for a host file by a relative path out of the package (store/.work/install-x/.store/<key>/node_modules/<name>).
    cjs('relative-escape', '1.0.0', `module.exports = require('${'../'.repeat(7)}secret.json');\n`),
    cjs(
      'optional-guarded',
      '1.0.0',
      "let fs = null;\ntry {\n  fs = require('fs');\n} catch {}\nlet extra = null;\ntry {\n  extra = require('not-installed-extra');\n} catch {}\n" +
        'exports.hasFs = () => fs !== null;\nexports.hasExtra = () => extra !== null;\n',
    ),
    cjs(
      'browser-field',
      '1.0.0',
      "const fs = require('fs');\nexports.kind = () => (fs && typeof fs.readFileSync === 'function' ? 'node' : 'browser');\n",
      { browser: { fs: false } },
    ),
    cjs('git-dep', '1.0.0', "module.exports = require('tiny-greet');\n", {
      dependencies: { 'tiny-greet': 'github:someone/tiny-greet' },
    }),
    cjs('missing-dep', '1.0.0', "module.exports = require('no-such-package-anywhere');\n", {
      dependencies: { 'no-such-package-anywhere': '^1.0.0' },
    }),
    cjs('dep-nomatch', '1.0.0', "module.exports = require('tiny-greet');\n", {
      dependencies: { 'tiny-greet': '^9.0.0' },
    }),
  ];
}

/** `npm pack` of many folders in one run; returns each tarball with the package.json it was made from. */
export function npmPack(dirs: string[], out: string): { manifest: Record<string, unknown>; tarball: Buffer }[] {
  const execPath = process.env.npm_execpath;
  const [cmd, ...pre] = execPath && /npm-cli\.js$/.test(execPath) ? [process.execPath, execPath] : ['npm'];
  const run = spawnSync(cmd, [...pre, 'pack', '--json', '--ignore-scripts', '--pack-destination', out, ...dirs], {
    encoding: 'utf8',
    env: withLoopbackOnly({
      ...process.env,
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
    }),
  });
  if (run.status !== 0) throw new Error(`npm pack failed: ${run.stderr}`);
  const packed = JSON.parse(run.stdout) as { filename: string }[];
  return packed.map((p, i) => ({
    manifest: JSON.parse(readFileSync(join(dirs[i], 'package.json'), 'utf8')) as Record<string, unknown>,
    tarball: readFileSync(join(out, p.filename)),
  }));
}

export async function startFixtureWorld(): Promise<FixtureWorld> {
  const root = mkdtempSync(join(tmpdir(), 'mcpbox-packages-'));
  const marker = join(root, 'install-script-ran');
  const sources = fixtures(marker);
  const dirs = sources.map((s, i) => {
    const dir = join(root, 'fixtures', String(i));
    for (const [file, content] of Object.entries({
      ...s.files,
      'package.json': JSON.stringify(s.packageJson, null, 2),
    })) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), content);
    }
    return dir;
  });
  const yamlDir = dirname(require.resolve('yaml/package.json'));
  mkdirSync(join(root, 'packed'));
  const packed = npmPack([...dirs, yamlDir], join(root, 'packed'));

  const registry = await TestNpmRegistry.start();
  for (const p of packed) {
    const name = String(p.manifest.name);
    if (name === 'sha1-only') registry.publish(p.manifest, p.tarball, { integrity: undefined });
    else if (name === 'no-checksum')
      registry.publish(p.manifest, p.tarball, { integrity: undefined, shasum: undefined });
    else registry.publish(p.manifest, p.tarball);
  }
  registry.setTag('tiny-greet', 'next', '2.0.0-beta.1');
  const tiny = packed.find((p) => p.manifest.name === 'tiny-greet')?.tarball as Buffer;
  registry.tamper('tampered', '1.0.0', tiny);

  const manifest = (name: string) => ({ name, version: '1.0.0', main: 'index.js', license: 'MIT' });
  registry.publish(
    manifest('evil-traversal'),
    tarball([
      { name: 'package/package.json', data: JSON.stringify(manifest('evil-traversal')) },
      { name: 'package/index.js', data: 'exports.x = 1;\n' },
      { name: 'package/../../escaped.txt', data: 'escaped' },
    ]),
  );
  registry.publish(
    manifest('evil-symlink'),
    tarball([
      { name: 'package/package.json', data: JSON.stringify(manifest('evil-symlink')) },
      { name: 'package/index.js', type: 'symlink', linkname: '/etc/passwd' },
    ]),
  );

  registry.advisories.set('vuln-lib', [
    {
      id: 1001,
      title: 'Prototype pollution in vuln-lib',
      severity: 'critical',
      url: 'https://github.com/advisories/GHSA-test-0001',
      vulnerable_versions: '<1.0.1',
    },
    {
      id: 1002,
      title: 'Inefficient regular expression in vuln-lib',
      severity: 'moderate',
      url: 'https://github.com/advisories/GHSA-test-0002',
      vulnerable_versions: '<=1.0.1',
    },
  ]);
  registry.downloads.set('yaml', 123_456_789);

  // Host files above the store that no package may pull into its bundle.
  mkdirSync(join(root, 'node_modules', 'host-secret'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'host-secret', 'package.json'), '{"name":"host-secret","main":"index.js"}');
  writeFileSync(join(root, 'node_modules', 'host-secret', 'index.js'), `module.exports = '${HOST_SECRET}';\n`);
  writeFileSync(join(root, 'secret.json'), JSON.stringify({ secret: HOST_SECRET }));

  const yamlManifest = packed.find((p) => p.manifest.name === 'yaml')?.manifest as Record<string, unknown>;
  const yamlVersion = String(yamlManifest.version);
  let stores = 0;
  return {
    registry,
    root,
    marker,
    yaml: { version: yamlVersion, integrity: registry.integrityOf('yaml', yamlVersion) },
    installer: (opts = {}) =>
      new PackageInstaller({
        registryUrl: registry.url,
        downloadsUrl: registry.url,
        storeDir: join(root, `store-${++stores}`),
        ...opts,
      }),
    cleanup: async () => {
      await registry.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
