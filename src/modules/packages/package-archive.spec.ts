import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { tar, tarball, type TarEntry } from '../../../test/support/tar-writer';
import { readPackageArchive, writePackageFiles } from './package-archive';
import { PackageRefused } from './package-refused';

const limits = { maxUnpackedBytes: 1024 * 1024, maxFiles: 100 };
const pkg = (extra: TarEntry[] = []): TarEntry[] => [
  { name: 'package/', type: 'dir' },
  { name: 'package/package.json', data: '{"name":"x","version":"1.0.0"}' },
  ...extra,
];

async function refusal(tgz: Buffer, lim = limits): Promise<PackageRefused> {
  try {
    await readPackageArchive('x@1.0.0', tgz, lim);
  } catch (err) {
    assert.ok(err instanceof PackageRefused, String(err));
    return err;
  }
  assert.fail('the archive was accepted');
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('readPackageArchive', () => {
  it('reads files without the top folder, whatever its name, with long names from PAX headers', async () => {
    const long = `package/${'deep/'.repeat(30)}file.js`;
    const archive = await readPackageArchive(
      'x@1.0.0',
      tarball([
        ...pkg([{ name: 'package/lib/a.js', data: 'a' }]),
        { name: 'ignored-name', pax: { path: long }, data: 'long' },
        { name: 'other-top/b.js', data: 'bb' },
      ]),
      limits,
    );
    assert.deepEqual(
      archive.files.map((f) => [f.path, f.data.toString()]),
      [
        ['package.json', '{"name":"x","version":"1.0.0"}'],
        ['lib/a.js', 'a'],
        [long.slice('package/'.length), 'long'],
        ['b.js', 'bb'],
      ],
    );
    assert.equal(archive.unpackedBytes, 30 + 1 + 4 + 2);
  });

  it('keeps the last of two entries with one path, as tar does', async () => {
    const archive = await readPackageArchive(
      'x@1.0.0',
      tarball(
        pkg([
          { name: 'package/a.js', data: 'first' },
          { name: 'package/a.js', data: 'second' },
        ]),
      ),
      limits,
    );
    assert.equal(archive.files.find((f) => f.path === 'a.js')?.data.toString(), 'second');
  });

  it('refuses paths that leave the package, absolute paths, backslashes and NUL bytes', async () => {
    for (const [name, why] of [
      ['package/../../etc/x', /leaves the package folder/],
      ['../x', /leaves the package folder/],
      ['package/a/../../../x', /leaves the package folder/],
      ['/etc/passwd', /absolute path/],
      ['C:/x', /absolute path/],
      ['package\\..\\x', /backslash/],
    ] as const) {
      const err = await refusal(tarball(pkg([{ name, data: 'x' }])));
      assert.equal(err.reason, 'bad_archive', name);
      assert.match(err.message, why);
    }
    const nul = await refusal(tarball(pkg([{ name: 'x', pax: { path: 'package/a\0b' }, data: 'x' }])));
    assert.match(nul.message, /NUL byte/);
  });

  it('refuses links and special files', async () => {
    for (const [entry, why] of [
      [{ name: 'package/l', type: 'symlink', linkname: '/etc/passwd' }, /symbolic link/],
      [{ name: 'package/l', type: 'symlink', linkname: 'index.js' }, /symbolic link/],
      [{ name: 'package/h', type: 'hardlink', linkname: 'package/package.json' }, /hard link/],
      [{ name: 'package/f', type: 'fifo' }, /special file/],
    ] as const) {
      const err = await refusal(tarball(pkg([entry as TarEntry])));
      assert.equal(err.reason, 'bad_archive');
      assert.match(err.message, why);
    }
  });

  it('refuses broken archives: not gzip, bad header checksum, truncated, a file that is also a folder', async () => {
    assert.match((await refusal(Buffer.from('plain text'))).message, /not a gzip-compressed tar/);
    const raw = tar(pkg([{ name: 'package/a.js', data: 'a'.repeat(1000) }]));
    const corrupt = Buffer.from(raw);
    corrupt[600] ^= 0xff; // inside the second header's name
    assert.match((await refusal(gzipSync(corrupt))).message, /wrong checksum/);
    assert.match((await refusal(gzipSync(raw.subarray(0, 512 * 4 + 300)))).message, /truncated/);
    const clash = await refusal(
      tarball(
        pkg([
          { name: 'package/a', data: 'file' },
          { name: 'package/a/b.js', data: 'inside' },
        ]),
      ),
    );
    assert.match(clash.message, /"a" is both a file and a folder/);
  });

  it('refuses over the file count and the unpacked size, a gzip bomb included, before copying anything', async () => {
    const many = pkg(Array.from({ length: 10 }, (_, i) => ({ name: `package/f${i}.js`, data: 'x' })));
    const count = await refusal(tarball(many), { maxUnpackedBytes: 1024 * 1024, maxFiles: 5 });
    assert.equal(count.reason, 'package_too_large');
    assert.match(count.message, /more than 5 files/);
    const big = await refusal(tarball(pkg([{ name: 'package/big', data: Buffer.alloc(4096) }])), {
      maxUnpackedBytes: 1000,
      maxFiles: 100,
    });
    assert.equal(big.reason, 'package_too_large');
    assert.match(big.message, /more than 1000 bytes/);
    const bomb = tarball(pkg([{ name: 'package/zeros', data: Buffer.alloc(50 * 1024 * 1024) }]));
    assert.ok(bomb.length < 100 * 1024, 'the bomb is small compressed');
    const err = await refusal(bomb, { maxUnpackedBytes: 1024 * 1024, maxFiles: 10 });
    assert.equal(err.reason, 'package_too_large');
  });
});

describe('writePackageFiles', () => {
  it('writes regular 0644 files under the folder only', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mcpbox-archive-'));
    dirs.push(root);
    const { files } = await readPackageArchive(
      'x@1.0.0',
      tarball(pkg([{ name: 'package/lib/a.js', data: 'a' }])),
      limits,
    );
    await writePackageFiles(join(root, 'pkg'), files);
    assert.equal(readFileSync(join(root, 'pkg', 'lib', 'a.js'), 'utf8'), 'a');
    assert.equal(statSync(join(root, 'pkg', 'lib', 'a.js')).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(root), ['pkg']);
    await assert.rejects(
      writePackageFiles(join(root, 'other'), [{ path: '../escape', data: Buffer.from('x') }]),
      /outside/,
    );
    assert.equal(existsSync(join(root, 'escape')), false);
  });
});
