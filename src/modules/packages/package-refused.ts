import { DomainError, type DomainErrorKind } from '../../common/errors';

/**
 * Why a package was not installed (or looked up). The code is stable for callers and
 * tests; the message says what happened and what to do instead, for an admin and an LLM.
 */
export type RefusalReason =
  /** The name is not a valid npm package name, or tries a trick (path, URL, git/file spec, alias). */
  | 'invalid_name'
  /** The version range is not a semver range or dist-tag. */
  | 'invalid_range'
  /** The registry does not know the package. */
  | 'not_found'
  /** No published version matches the range (the message lists the available ones). */
  | 'no_matching_version'
  /** A dependency is given as a git, file, URL or alias spec: only registry versions are installed. */
  | 'unsupported_dependency'
  /** The registry could not be reached, timed out, or answered 5xx/429: try again later. */
  | 'registry_unavailable'
  /** The registry answered something unusable (not JSON, wrong shape, a redirect, 4xx). */
  | 'registry_error'
  /** A tarball URL points away from the configured registry. */
  | 'untrusted_tarball_url'
  /** The registry gives no usable checksum for a tarball. */
  | 'integrity_missing'
  /** A downloaded tarball does not match the registry's checksum. */
  | 'integrity_mismatch'
  /** The archive is malformed or unsafe (path traversal, links, devices, bad checksums). */
  | 'bad_archive'
  /** The archive's package.json is missing, unreadable, or names another package. */
  | 'invalid_package'
  /** One package is over a size or file-count limit. */
  | 'package_too_large'
  /** The dependency tree is over the package-count or total-size limit. */
  | 'tree_too_large'
  /** The package (or a dependency) ships native code: binding.gyp, `.node` files, `gypfile`. */
  | 'native_code'
  /** The package (or a dependency) imports a Node built-in such as `fs` or `node:net`. */
  | 'node_builtin'
  /** The code imports something that is neither in its dependency tree nor a built-in. */
  | 'unresolved_import'
  /** Bundling failed for another reason (syntax the bundler refuses, unknown file types, ...). */
  | 'bundle_failed'
  /** The bundle is over the configured size (MCPBOX_MODULE_MAX_BUNDLE_BYTES). */
  | 'bundle_too_large'
  /** A package of the tree has a critical advisory (the admin may override). */
  | 'critical_advisory';

const KIND: Record<RefusalReason, DomainErrorKind> = {
  invalid_name: 'invalid',
  invalid_range: 'invalid',
  not_found: 'not_found',
  no_matching_version: 'not_found',
  registry_unavailable: 'unavailable',
  registry_error: 'unavailable',
  unsupported_dependency: 'conflict',
  untrusted_tarball_url: 'conflict',
  integrity_missing: 'conflict',
  integrity_mismatch: 'conflict',
  bad_archive: 'conflict',
  invalid_package: 'conflict',
  package_too_large: 'conflict',
  tree_too_large: 'conflict',
  native_code: 'conflict',
  node_builtin: 'conflict',
  unresolved_import: 'conflict',
  bundle_failed: 'conflict',
  bundle_too_large: 'conflict',
  critical_advisory: 'conflict',
};

/**
 * The one error of the package installer. It is a DomainError, so the HTTP filter maps it
 * (a refused install is a 409 `conflict`, a bad name a 400, an unreachable registry a 503)
 * and `details.reason` carries the code.
 */
export class PackageRefused extends DomainError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly facts: Record<string, unknown> = {},
  ) {
    super(KIND[reason], message, { reason, ...facts });
    this.name = 'PackageRefused';
  }
}

export const refuse = (reason: RefusalReason, message: string, facts?: Record<string, unknown>) =>
  new PackageRefused(reason, message, facts);
