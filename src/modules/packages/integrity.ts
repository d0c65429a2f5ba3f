/**
 * Tarball checksums. The registry gives `dist.integrity` (Subresource Integrity, sha512 for
 * everything published since 2017) and the older `dist.shasum` (SHA-1, hex).
 *
 * Decision for packages that only have `shasum`: they are accepted, as npm itself does,
 * because many old versions still sit in real dependency trees and the registry serves no
 * stronger hash for them; SHA-1 still resists second pre-images (a collision would need
 * the publisher's collusion before the immutable version was published). The result
 * records `verifiedWith: 'sha1'` and our own sha512 of the bytes, so the admin sees the
 * weaker check and later re-installs are pinned to a strong hash. Every hash the registry
 * gives is checked (sha512 and shasum both, when both are there); none usable → refused.
 */
import { createHash } from 'node:crypto';
import { refuse } from './package-refused';

export type HashAlgorithm = 'sha512' | 'sha384' | 'sha256' | 'sha1';
const STRENGTH: HashAlgorithm[] = ['sha512', 'sha384', 'sha256', 'sha1'];
const DIGEST_BYTES: Record<HashAlgorithm, number> = { sha512: 64, sha384: 48, sha256: 32, sha1: 20 };

export interface ExpectedHash {
  algorithm: HashAlgorithm;
  /** Base64 digest. */
  digest: string;
}

export interface VerifiedIntegrity {
  /** Strongest algorithm the registry gave and the bytes matched. */
  verifiedWith: HashAlgorithm;
  /** sha512 SRI of the bytes, computed here (equals `dist.integrity` for modern packages). */
  integrity: string;
}

/** The hashes the registry gives for a tarball, strongest first; unknown algorithms are ignored. */
export function expectedHashes(dist: { integrity?: unknown; shasum?: unknown }): ExpectedHash[] {
  const found: ExpectedHash[] = [];
  if (typeof dist.integrity === 'string') {
    for (const token of dist.integrity.trim().split(/\s+/)) {
      const m = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(token);
      if (!m) continue;
      const algorithm = m[1] as HashAlgorithm;
      if (Buffer.from(m[2], 'base64').length !== DIGEST_BYTES[algorithm]) continue;
      found.push({ algorithm, digest: m[2] });
    }
  }
  if (typeof dist.shasum === 'string' && /^[0-9a-f]{40}$/i.test(dist.shasum)) {
    const digest = Buffer.from(dist.shasum, 'hex').toString('base64');
    if (!found.some((h) => h.algorithm === 'sha1' && h.digest === digest)) found.push({ algorithm: 'sha1', digest });
  }
  return found.sort((a, b) => STRENGTH.indexOf(a.algorithm) - STRENGTH.indexOf(b.algorithm));
}

/** Checks the bytes against every hash the registry gave; throws integrity_missing / integrity_mismatch. */
export function verifyIntegrity(
  id: string,
  bytes: Buffer,
  dist: { integrity?: unknown; shasum?: unknown },
): VerifiedIntegrity {
  const hashes = expectedHashes(dist);
  if (!hashes.length)
    throw refuse(
      'integrity_missing',
      `the registry gives no usable checksum (dist.integrity or dist.shasum) for ${id}; it cannot be verified, so it is not installed`,
      { package: id },
    );
  for (const h of hashes) {
    const actual = createHash(h.algorithm).update(bytes).digest('base64');
    if (actual !== h.digest)
      throw refuse(
        'integrity_mismatch',
        `the tarball of ${id} does not match the registry's ${h.algorithm} checksum (expected ${h.algorithm}-${h.digest}, ` +
          `got ${h.algorithm}-${actual}); it was altered or corrupted on the way, so it is not installed. Try again later, ` +
          'and tell the registry operator if it persists',
        { package: id, algorithm: h.algorithm },
      );
  }
  return {
    verifiedWith: hashes[0].algorithm,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
  };
}
