/**
 * Every way an install is refused, against a registry on 127.0.0.1: the reason code, a
 * message naming what to do, and nothing stored, nothing left behind, nothing leaked.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOST_SECRET, refusal, startFixtureWorld, type FixtureWorld } from '../../../test/support/npm-fixtures';
import { tarball } from '../../../test/support/tar-writer';
import type { PackageInstaller } from './package-installer';

let world: FixtureWorld;
before(async () => {
  world = await startFixtureWorld();
});
after(() => world.cleanup());

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out = entry.isDirectory() ? [...out, ...filesUnder(path)] : [...out, path];
  }
  return out;
}

/** Nothing was stored and no work folder is left. */
async function assertNothingStored(installer: PackageInstaller): Promise<void> {
  assert.deepEqual(await installer.list(), []);
  const left = existsSync(installer.storeDir)
    ? readdirSync(installer.storeDir, { recursive: true }).filter((p) => p !== '.work')
    : [];
  assert.deepEqual(left, [], 'the store holds nothing');
}

const requestsFrom = (since: number) => world.registry.requests.slice(since);

describe('refused names and ranges', () => {
  it('refuses a bad name or range before asking the registry anything', async () => {
    const installer = world.installer();
    const since = world.registry.requests.length;
    for (const name of [
      '../x',
      '@scope/../x',
      '@scope/x/y',
      'https://evil.test/x.tgz',
      'git+ssh://git@github.com/x/y',
      'YAML',
      '.x',
      '_x',
      'npm:yaml@2',
    ])
      await refusal(installer.install(name), 'invalid_name', /is not a valid npm package name/);
    for (const range of ['npm:yaml@2', 'file:../x', '^^1', 'github:a/b'])
      await refusal(installer.install('yaml', range), 'invalid_range', /is not a usable version range/);
    await refusal(installer.lookup('../x'), 'invalid_name');
    await refusal(installer.remove('../x'), 'invalid_name');
    assert.deepEqual(requestsFrom(since), []);
    assert.deepEqual(readdirSync(world.root).includes('x'), false);
  });

  it('says when a package does not exist, and which versions exist when a range matches none', async () => {
    const installer = world.installer();
    await refusal(
      installer.install('no-such-package'),
      'not_found',
      /there is no package "no-such-package" on the registry/,
    );
    await refusal(installer.lookup('no-such-package'), 'not_found');
    await refusal(
      installer.install('tiny-greet', '^5.0.0'),
      'no_matching_version',
      /tiny-greet has no version matching "\^5\.0\.0"; available: 2\.0\.0-beta\.1, 1\.1\.0, 1\.0\.0$/,
    );
    await refusal(
      installer.install('tiny-greet', 'canary'),
      'no_matching_version',
      /no dist-tag "canary" \(tags: latest=1\.1\.0, next=2\.0\.0-beta\.1\)/,
    );

    const manifest = (v: string) => ({ name: 'many-versions', version: v, main: 'index.js' });
    for (let i = 0; i < 20; i++) {
      const m = manifest(`1.${i}.0`);
      world.registry.publish(m, tarball([{ name: 'package/package.json', data: JSON.stringify(m) }]));
    }
    const err = await refusal(installer.install('many-versions', '>=2'), 'no_matching_version');
    assert.match(err.message, /available: 1\.19\.0, 1\.18\.0, .*, 1\.5\.0 and 5 older$/);
    assert.equal((err.details?.available as string[]).length, 15);
    await assertNothingStored(installer);
  });
});

describe('refused downloads', () => {
  it('refuses a tarball that does not match its integrity, and one without any checksum', async () => {
    const installer = world.installer();
    await refusal(
      installer.install('tampered'),
      'integrity_mismatch',
      /the tarball of tampered@1\.0\.0 does not match the registry's sha512 checksum/,
    );
    await refusal(installer.install('no-checksum'), 'integrity_missing', /no usable checksum/);
    await assertNothingStored(installer);
  });

  it('refuses archives with a path out of the package or a link, writing nothing anywhere', async () => {
    const installer = world.installer();
    await refusal(
      installer.install('evil-traversal'),
      'bad_archive',
      /"package\/\.\.\/\.\.\/escaped\.txt" leaves the package folder/,
    );
    await refusal(installer.install('evil-symlink'), 'bad_archive', /"package\/index\.js" is a symbolic link/);
    assert.deepEqual(
      filesUnder(world.root).filter((f) => f.includes('escaped')),
      [],
    );
    await assertNothingStored(installer);
  });

  it('refuses a tarball served from another origin than the registry, without fetching it', async () => {
    const installer = world.installer();
    const m = { name: 'elsewhere', version: '1.0.0' };
    world.registry.publish(m, tarball([{ name: 'package/package.json', data: JSON.stringify(m) }]), {
      tarball: 'http://127.0.0.2:9/elsewhere-1.0.0.tgz',
    });
    await refusal(
      installer.install('elsewhere'),
      'untrusted_tarball_url',
      /served from http:\/\/127\.0\.0\.2:9, not from the configured registry/,
    );
  });
});

describe('refused contents', () => {
  it('refuses a package that needs a Node built-in, naming the built-in and the file', async () => {
    const installer = world.installer();
    const err = await refusal(
      installer.install('needs-fs'),
      'node_builtin',
      /needs-fs@1\.0\.0 needs the Node built-in "fs" \(imported by needs-fs@1\.0\.0\/index\.js:1\)/,
    );
    assert.deepEqual(err.details?.builtins, [{ builtin: 'fs', importer: 'needs-fs@1.0.0/index.js:1' }]);
    await refusal(
      installer.install('deep-net'),
      'node_builtin',
      /deep-net@1\.0\.0 needs the Node built-in "node:net" \(imported by uses-node-net@1\.0\.0\/index\.js:1\)/,
    );
    await assertNothingStored(installer);
  });

  it('refuses native code: a binding.gyp, or a prebuilt .node add-on', async () => {
    const installer = world.installer();
    await refusal(
      installer.install('native-addon'),
      'native_code',
      /native-addon@1\.0\.0 contains native code \(binding\.gyp\)/,
    );
    await refusal(
      installer.install('prebuilt-addon'),
      'native_code',
      /contains native code \(prebuilds\/linux-x64\/addon\.node, a compiled add-on\)/,
    );
    await assertNothingStored(installer);
  });

  it('never bundles host files: neither an undeclared package above the store nor a file reached by ../', async () => {
    const installer = world.installer();
    await refusal(
      installer.install('undeclared-import'),
      'unresolved_import',
      /imports "host-secret" \(imported by undeclared-import@1\.0\.0\/index\.js\): a package that is not among the dependencies it declares/,
    );
    await refusal(
      installer.install('relative-escape'),
      'unresolved_import',
      /a file outside its package, which is never bundled/,
    );
    await assertNothingStored(installer);
    for (const file of filesUnder(world.root).filter((f) => f.includes('store-')))
      assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(HOST_SECRET));
  });

  it('refuses a bundle over the size limit, which the default limit takes', async () => {
    const small = world.installer({ limits: { maxBundleBytes: 100_000 } });
    const err = await refusal(
      small.install('big-blob'),
      'bundle_too_large',
      /the bundle of big-blob@1\.0\.0 with its dependencies is \d+ bytes, over the limit of 100000 bytes \(MCPBOX_MODULE_MAX_BUNDLE_BYTES\)/,
    );
    assert.ok((err.details?.bytes as number) > 300 * 1024);
    await assertNothingStored(small);
    const mod = await world.installer().install('big-blob');
    assert.equal(statSync(mod.path).size, mod.bytes);
  });
});

describe('advisories', () => {
  it('refuses a critical advisory unless the admin overrides it, and records what was overridden', async () => {
    const installer = world.installer();
    const since = world.registry.tarballRequests().length;
    await refusal(
      installer.install('vuln-lib', '1.0.0'),
      'critical_advisory',
      /vuln-lib@1\.0\.0 is refused because of a critical advisory: vuln-lib@1\.0\.0: "Prototype pollution in vuln-lib" https:\/\/github\.com\/advisories\/GHSA-test-0001\. .*critical-advisory override/,
    );
    await refusal(
      installer.install('uses-vuln'),
      'critical_advisory',
      /vuln-lib@1\.0\.0 \(needed via uses-vuln@1\.0\.0 > vuln-lib@1\.0\.0\)/,
    );
    assert.equal(world.registry.tarballRequests().length, since, 'nothing was downloaded');
    await assertNothingStored(installer);

    const overridden = await installer.install('vuln-lib', '1.0.0', { allowCritical: true });
    assert.equal(overridden.criticalAllowed, true);
    assert.deepEqual(
      overridden.advisories.map((a) => [a.id, a.severity]),
      [
        ['1001', 'critical'],
        ['1002', 'moderate'],
      ],
    );
    const fixed = await installer.install('vuln-lib');
    assert.equal(fixed.version, '1.0.1');
    assert.equal(fixed.criticalAllowed, false);
    assert.deepEqual(
      fixed.advisories.map((a) => a.severity),
      ['moderate'],
    );
  });
});

describe('refused dependency trees', () => {
  it('refuses git dependencies, missing ones and ranges that match nothing, naming the dependent', async () => {
    const installer = world.installer();
    await refusal(
      installer.install('git-dep'),
      'unsupported_dependency',
      /git-dep@1\.0\.0 depends on tiny-greet as "github:someone\/tiny-greet"/,
    );
    await refusal(
      installer.install('missing-dep'),
      'not_found',
      /missing-dep@1\.0\.0 depends on "no-such-package-anywhere", which does not exist/,
    );
    await refusal(
      installer.install('dep-nomatch'),
      'no_matching_version',
      /tiny-greet \(a dependency of dep-nomatch@1\.0\.0\) has no version matching "\^9\.0\.0"/,
    );
    await assertNothingStored(installer);
  });

  it('refuses trees and packages over the count, size and file limits', async () => {
    await refusal(
      world.installer({ limits: { maxPackages: 2 } }).install('uses-dep'),
      'tree_too_large',
      /uses-dep@1\.0\.0 needs more than 2 packages/,
    );
    await refusal(
      world.installer({ limits: { maxTarballBytes: 10_000 } }).install('yaml'),
      'package_too_large',
      /the tarball of yaml@[\d.]+ is over 10000 bytes/,
    );
    await refusal(
      world.installer({ limits: { maxFiles: 5 } }).install('yaml'),
      'package_too_large',
      /more than 5 files/,
    );
    await refusal(
      world.installer({ limits: { maxUnpackedBytes: 50_000 } }).install('yaml'),
      'package_too_large',
      /unpacks to more than 50000 bytes/,
    );
    // Over the tree's total, though every single tarball is under it.
    const sizes = ['uses-dep', 'esm-util', 'tiny-greet'].map((n) =>
      world.registry.tarballBytes(n, n === 'tiny-greet' ? '1.1.0' : '1.0.0'),
    );
    const limit = sizes.reduce((a, b) => a + b) - 1;
    assert.ok(Math.max(...sizes) < limit);
    await refusal(
      world.installer({ limits: { maxTreeDownloadBytes: limit } }).install('uses-dep'),
      'tree_too_large',
      new RegExp(`uses-dep@1\\.0\\.0 with its dependencies downloads more than ${limit} bytes`),
    );
  });
});

describe('a registry that is down or answers garbage', () => {
  const withFault = async (fault: (res: ServerResponse) => void, work: (i: PackageInstaller) => Promise<void>) => {
    world.registry.fault = (_req, res) => {
      fault(res);
      return true;
    };
    try {
      await work(world.installer({ limits: { requestTimeoutMs: 500, tarballTimeoutMs: 500 } }));
    } finally {
      world.registry.fault = undefined;
    }
  };

  it('refuses a registry URL that is not http(s), or that holds credentials', () => {
    assert.throws(() => world.installer({ registryUrl: 'ftp://registry.test' }), /must be an http\(s\) URL/);
    assert.throws(() => world.installer({ registryUrl: 'not a url' }), /must be an http\(s\) URL/);
    assert.throws(
      () => world.installer({ registryUrl: 'https://me:token@registry.test' }),
      /must not hold credentials/,
    );
  });

  it('says when the registry cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const installer = world.installer({ registryUrl: `http://127.0.0.1:${port}` });
    await refusal(
      installer.install('yaml'),
      'registry_unavailable',
      /could not be reached \(ECONNREFUSED\).*try again later/,
    );
    await refusal(installer.lookup('yaml'), 'registry_unavailable');
    await assertNothingStored(installer);
  });

  it('refuses answers that are not JSON, not a packument, errors, redirects, cut off or too slow', async () => {
    await withFault(
      (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
      (i) =>
        refusal(
          i.install('yaml'),
          'registry_error',
          /with something that is not JSON \("<html>maintenance<\/html>"\)/,
        ).then(() => undefined),
    );
    await withFault(
      (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}'),
      (i) => refusal(i.install('yaml'), 'registry_error', /a document that is not a packument/).then(() => undefined),
    );
    await withFault(
      (res) => res.writeHead(503).end(),
      (i) =>
        refusal(
          i.install('yaml'),
          'registry_unavailable',
          /answered the registry entry of "yaml" with HTTP 503; try again later/,
        ).then(() => undefined),
    );
    await withFault(
      (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end(),
      (i) =>
        refusal(
          i.install('yaml'),
          'registry_error',
          /redirected .* to http:\/\/127\.0\.0\.1:1\/elsewhere; redirects are not followed/,
        ).then(() => undefined),
    );
    await withFault(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        res.write('{"name":"yaml",');
        setTimeout(() => res.destroy(), 20);
      },
      (i) => refusal(i.install('yaml'), 'registry_unavailable', /broke off its answer/).then(() => undefined),
    );
    await withFault(
      () => undefined, // never answers
      (i) => refusal(i.install('yaml'), 'registry_unavailable', /did not answer within 500 ms/).then(() => undefined),
    );
  });

  it('refuses when the advisory service answers garbage, and installs again once the registry is sound', async () => {
    world.registry.fault = (req, res) => {
      if (!req.url?.includes('/security/advisories/')) return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"yaml": "not a list"}');
      return true;
    };
    const installer = world.installer();
    try {
      await refusal(installer.install('yaml'), 'registry_error', /answered the advisory service in an unknown format/);
    } finally {
      world.registry.fault = undefined;
    }
    await assertNothingStored(installer);
    assert.equal((await installer.install('yaml')).version, world.yaml.version);
  });
});
