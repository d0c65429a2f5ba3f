import { createHash } from 'node:crypto';
import { BUNDLE_FORMAT, wrapFactory } from '../../src/modules/packages/bundle-contract';
import type { ModuleStore } from '../../src/modules/packages/module-store';
import type { InstalledModule } from '../../src/modules/packages/package-types';

/**
 * Stores a module as the installer leaves one (record + bundle, through the store's own
 * writer) from a CommonJS body, without a registry: for tests of what reads the store.
 */
export function saveModule(
  store: ModuleStore,
  name: string,
  body: string,
  version = '1.0.0',
): Promise<InstalledModule> {
  const code = wrapFactory(body, `${name}@${version}`);
  return store.save(
    {
      name,
      version,
      integrity: 'sha512-x',
      verifiedWith: 'sha512',
      license: 'MIT',
      ignoredInstallScripts: [],
      format: BUNDLE_FORMAT,
      bundleSha256: createHash('sha256').update(code).digest('hex'),
      bytes: Buffer.byteLength(code),
      dependencies: [],
      advisories: [],
      advisoriesChecked: true,
      criticalAllowed: false,
      optionalImports: [],
      installedAt: new Date().toISOString(),
    },
    code,
  );
}
