import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { expectedHashes, verifyIntegrity } from './integrity';
import { PackageRefused } from './package-refused';

const bytes = Buffer.from('the tarball bytes');
const sri = (alg: string, data: Buffer) => `${alg}-${createHash(alg).update(data).digest('base64')}`;
const sha1hex = createHash('sha1').update(bytes).digest('hex');

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PackageRefused);
    return err.reason;
  }
  return 'no error';
};

describe('verifyIntegrity', () => {
  it('accepts a matching sha512 and returns it as the recorded integrity', () => {
    const v = verifyIntegrity('x@1.0.0', bytes, { integrity: sri('sha512', bytes), shasum: sha1hex });
    assert.deepEqual(v, { verifiedWith: 'sha512', integrity: sri('sha512', bytes) });
  });

  it('accepts a package with only a shasum, says so, and records a sha512 of its own', () => {
    const v = verifyIntegrity('x@1.0.0', bytes, { shasum: sha1hex });
    assert.deepEqual(v, { verifiedWith: 'sha1', integrity: sri('sha512', bytes) });
  });

  it('refuses on any mismatching hash, also when the stronger one matches', () => {
    const other = Buffer.from('other bytes');
    assert.equal(
      reasonOf(() => verifyIntegrity('x@1', bytes, { integrity: sri('sha512', other) })),
      'integrity_mismatch',
    );
    assert.equal(
      reasonOf(() =>
        verifyIntegrity('x@1', bytes, {
          integrity: sri('sha512', bytes),
          shasum: createHash('sha1').update(other).digest('hex'),
        }),
      ),
      'integrity_mismatch',
    );
    assert.throws(
      () => verifyIntegrity('x@1.0.0', bytes, { integrity: sri('sha512', other) }),
      /tarball of x@1\.0\.0 does not match the registry's sha512 checksum/,
    );
  });

  it('refuses when no usable checksum is given', () => {
    for (const dist of [
      {},
      { integrity: 'md5-abc' },
      { integrity: 'sha512-tooshort' },
      { shasum: 'xyz' },
      { integrity: 42 },
    ])
      assert.equal(
        reasonOf(() => verifyIntegrity('x@1', bytes, dist)),
        'integrity_missing',
      );
  });
});

describe('expectedHashes', () => {
  it('reads several SRI hashes and the shasum, strongest first, skipping unknown algorithms', () => {
    const hashes = expectedHashes({
      integrity: `md5-AAAA ${sri('sha1', bytes)} ${sri('sha512', bytes)}?opt`,
      shasum: sha1hex,
    });
    assert.deepEqual(
      hashes.map((h) => h.algorithm),
      ['sha512', 'sha1'],
    );
  });
});
