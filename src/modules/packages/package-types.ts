import type { HashAlgorithm } from './integrity';
import type { BuiltinUse, OptionalImport } from './module-bundler';
import type { RefusalReason } from './package-refused';
import type { Advisory } from './registry-client';

/** One package of an installed tree. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** sha512 SRI of the tarball, computed here after it matched the registry's checksums. */
  integrity: string;
  /** The strongest checksum the registry gave ('sha1' for old packages with only `shasum`). */
  verifiedWith: HashAlgorithm;
  license: string | null;
  /** preinstall/install/postinstall scripts the package declares: never run, listed for the admin. */
  ignoredInstallScripts: string[];
}

/** What `install` returns and the store keeps per module. */
export interface InstalledModule extends InstalledPackage {
  /** Bundle format, see bundle-contract.ts. */
  format: string;
  bundleSha256: string;
  /** Bundle size in bytes. */
  bytes: number;
  /** Absolute path of the bundle file. */
  path: string;
  /** The resolved dependency tree without the module itself, by name and version. */
  dependencies: InstalledPackage[];
  /** Advisories (any severity) that cover a version in the tree. */
  advisories: Advisory[];
  /** False when the registry offers no advisory service: nothing was checked. */
  advisoriesChecked: boolean;
  /** True when a critical advisory was overridden (`allowCritical`). */
  criticalAllowed: boolean;
  /** Imports guarded by try/catch that are not in the bundle; they throw when reached. */
  optionalImports: OptionalImport[];
  installedAt: string;
}

/** Whether a trial bundle of a package would install (advisories aside). */
export type Installability =
  { ok: true; bundleBytes: number; packages: number } | { ok: false; reason: RefusalReason; message: string };

export interface PackageLookup {
  name: string;
  latestVersion: string;
  description: string | null;
  license: string | null;
  homepage: string | null;
  repository: string | null;
  deprecated: string | null;
  weeklyDownloads: number | null;
  /** Advisories covering the latest version itself. */
  advisories: Advisory[];
  advisoriesChecked: boolean;
  /** From a trial bundle of the latest version with its tree: null when the trial stopped earlier or was skipped. */
  needsNodeBuiltins: boolean | null;
  nodeBuiltins: BuiltinUse[];
  /** The trial's outcome (advisories aside); null when skipped. */
  installable: Installability | null;
}
