/**
 * Installs npm packages as sandbox modules: resolve the version and the whole dependency
 * tree from the registry, check advisories, download every tarball and verify it against
 * the registry's checksum, unpack it safely, refuse native code and Node built-ins, bundle
 * the tree into one artifact for the isolate (bundle-contract.ts) and store it.
 *
 * Nothing of a package is ever executed on the host: no install scripts (they are listed
 * in the result as ignored), no code at bundle time (esbuild only parses).
 */
import { rm } from 'node:fs/promises';
import { DEFAULT_MODULE_MAX_BUNDLE_BYTES } from '../../common/limits';
// The refusal's details carry advisories as the API shows them everywhere else.
import { mapAdvisory } from '../dto/module-settings.dto';
import { BUNDLE_FORMAT } from './bundle-contract';
import { resolveTree, type DependencyTree } from './dependency-tree';
import { bundleModule, type BuiltinUse } from './module-bundler';
import { ModuleStore } from './module-store';
import { parseVersionRequest, validatePackageName } from './package-name';
import { PackageRefused, refuse } from './package-refused';
import type { Installability, InstalledModule, InstalledPackage, PackageLookup } from './package-types';
import { defaultDownloadsUrl, isObject, RegistryClient, type Advisory, type AdvisoryCheck } from './registry-client';
import { describePath, downloadTree, licenseOf } from './tree-download';

const MiB = 1024 * 1024;

export interface InstallLimits {
  /** The artifact (MCPBOX_MODULE_MAX_BUNDLE_BYTES). */
  maxBundleBytes: number;
  /** Packages in one tree, the module included. */
  maxPackages: number;
  /** One tarball as downloaded. */
  maxTarballBytes: number;
  /** One package unpacked, and its file count. */
  maxUnpackedBytes: number;
  maxFiles: number;
  /** All tarballs of a tree, downloaded and unpacked, and all their files. */
  maxTreeDownloadBytes: number;
  maxTreeUnpackedBytes: number;
  maxTreeFiles: number;
  /** One registry document (packument, advisory answer). */
  maxDocumentBytes: number;
  requestTimeoutMs: number;
  tarballTimeoutMs: number;
}

export const DEFAULT_INSTALL_LIMITS: Readonly<InstallLimits> = Object.freeze({
  maxBundleBytes: DEFAULT_MODULE_MAX_BUNDLE_BYTES,
  maxPackages: 200,
  maxTarballBytes: 16 * MiB,
  maxUnpackedBytes: 64 * MiB,
  maxFiles: 10_000,
  maxTreeDownloadBytes: 64 * MiB,
  maxTreeUnpackedBytes: 256 * MiB,
  maxTreeFiles: 50_000,
  maxDocumentBytes: 32 * MiB,
  requestTimeoutMs: 30_000,
  tarballTimeoutMs: 60_000,
});

export interface PackageInstallerOptions {
  /** MCPBOX_NPM_REGISTRY; default https://registry.npmjs.org. */
  registryUrl?: string;
  /** Where bundles and records live (e.g. `<DATA_DIR>/modules`). */
  storeDir: string;
  /** Base of the download-count API; default api.npmjs.org for npmjs.org, else none. */
  downloadsUrl?: string | null;
  limits?: Partial<InstallLimits>;
}

export interface InstallOptions {
  /** Install although a package of the tree has a critical advisory (an admin's decision, recorded by the caller). */
  allowCritical?: boolean;
}

interface Built {
  record: Omit<InstalledModule, 'path'>;
  code: string;
  packages: number;
}

export class PackageInstaller {
  readonly limits: Readonly<InstallLimits>;
  private readonly registry: RegistryClient;
  private readonly store: ModuleStore;

  constructor(opts: PackageInstallerOptions) {
    const registryUrl = (opts.registryUrl ?? 'https://registry.npmjs.org').replace(/\/+$/, '');
    const parsed = URL.canParse(registryUrl) ? new URL(registryUrl) : null;
    if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new Error('the npm registry must be an http(s) URL');
    // Messages name the registry; a token in its URL would end up in them (and fetch refuses such URLs anyway).
    if (parsed.username || parsed.password) throw new Error('the npm registry URL must not hold credentials');
    this.limits = Object.freeze({ ...DEFAULT_INSTALL_LIMITS, ...opts.limits });
    this.registry = new RegistryClient({
      registryUrl,
      downloadsUrl: opts.downloadsUrl === undefined ? defaultDownloadsUrl(registryUrl) : opts.downloadsUrl,
      requestTimeoutMs: this.limits.requestTimeoutMs,
      tarballTimeoutMs: this.limits.tarballTimeoutMs,
      maxDocumentBytes: this.limits.maxDocumentBytes,
    });
    this.store = new ModuleStore(opts.storeDir);
  }

  get registryUrl(): string {
    return this.registry.registryUrl;
  }

  get storeDir(): string {
    return this.store.dir;
  }

  /**
   * What the admin sees before approving: registry facts about the latest version, its
   * advisories, and (unless `trial: false`) the outcome of a trial install of it — the
   * only reliable answer to "does it need Node built-ins", since that depends on its
   * dependencies and on which files its `exports`/`browser` fields select. Stores nothing.
   */
  async lookup(name: string, opts: { trial?: boolean } = {}): Promise<PackageLookup> {
    const valid = validatePackageName(name);
    const [packument, weeklyDownloads] = await Promise.all([
      this.registry.packument(valid),
      this.registry.weeklyDownloads(valid),
    ]);
    const latest = packument.distTags.latest;
    if (!latest || !(latest in packument.versions))
      throw refuse('no_matching_version', `"${valid}" has no latest version on the registry`, { package: valid });
    const doc = await this.registry.versionDocument(valid, latest);
    let advisories: AdvisoryCheck;
    try {
      advisories = await this.registry.advisories(new Map([[valid, new Set([latest])]]));
    } catch (err) {
      if (!(err instanceof PackageRefused)) throw err;
      advisories = { checked: false, why: err.message };
    }
    let installable: Installability | null = null;
    let nodeBuiltins: BuiltinUse[] = [];
    if (opts.trial !== false) {
      try {
        const built = await this.build(valid, latest, { allowCritical: true });
        installable = { ok: true, bundleBytes: built.record.bytes, packages: built.packages };
      } catch (err) {
        if (!(err instanceof PackageRefused)) throw err;
        installable = { ok: false, reason: err.reason, message: err.message };
        if (err.reason === 'node_builtin') nodeBuiltins = err.facts.builtins as BuiltinUse[];
      }
    }
    return {
      name: valid,
      latestVersion: latest,
      description: text(doc.description),
      license: licenseOf(doc),
      homepage: text(doc.homepage),
      repository: repositoryOf(doc.repository),
      deprecated: text(doc.deprecated),
      weeklyDownloads,
      advisories: advisories.checked ? advisories.advisories : [],
      advisoriesChecked: advisories.checked,
      needsNodeBuiltins:
        installable === null ? null : installable.ok ? false : installable.reason === 'node_builtin' ? true : null,
      nodeBuiltins,
      installable,
    };
  }

  /** Installs `name` (range default `latest`) as a module; throws PackageRefused with the reason. */
  async install(name: string, range?: string, opts: InstallOptions = {}): Promise<InstalledModule> {
    const built = await this.build(name, range, opts);
    return this.store.save(built.record, built.code);
  }

  /** Removes an installed module; false when it was not installed. */
  remove(name: string): Promise<boolean> {
    return this.store.remove(name);
  }

  list(): Promise<InstalledModule[]> {
    return this.store.list();
  }

  get(name: string): Promise<InstalledModule | null> {
    return this.store.get(name);
  }

  /** The bundle for the sandbox, checked against its sha256; null when missing or damaged. */
  readBundle(name: string): Promise<{ module: InstalledModule; code: string } | null> {
    return this.store.readBundle(name);
  }

  private async build(name: string, range: string | undefined, opts: InstallOptions): Promise<Built> {
    const valid = validatePackageName(name);
    const request = parseVersionRequest(range);
    const tree = await resolveTree(this.registry, valid, request, { maxPackages: this.limits.maxPackages });
    const advisories = await this.treeAdvisories(tree);
    const critical = advisories.checked ? advisories.advisories.filter((a) => a.severity === 'critical') : [];
    if (critical.length && !opts.allowCritical) throw criticalRefusal(tree, critical);

    const work = await this.store.workFolder();
    try {
      const packages = await downloadTree(this.registry, tree, work, this.limits);
      const bundle = await bundleModule({
        workDir: work,
        name: valid,
        id: tree.root.id,
        maxBundleBytes: this.limits.maxBundleBytes,
        describe: describePath,
      });
      const root = packages.get(tree.root.id) as InstalledPackage;
      const record: Omit<InstalledModule, 'path'> = {
        ...root,
        format: BUNDLE_FORMAT,
        bundleSha256: bundle.sha256,
        bytes: bundle.bytes,
        dependencies: [...packages.values()]
          .filter((p) => p !== root)
          .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version)),
        advisories: advisories.checked ? advisories.advisories : [],
        advisoriesChecked: advisories.checked,
        criticalAllowed: critical.length > 0,
        optionalImports: bundle.optionalImports,
        installedAt: new Date().toISOString(),
      };
      return { record, code: bundle.code, packages: packages.size };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private treeAdvisories(tree: DependencyTree): Promise<AdvisoryCheck> {
    const versions = new Map<string, Set<string>>();
    for (const node of tree.nodes.values()) {
      const set = versions.get(node.name) ?? new Set<string>();
      set.add(node.version);
      versions.set(node.name, set);
    }
    return this.registry.advisories(versions);
  }
}

function criticalRefusal(tree: DependencyTree, critical: Advisory[]): PackageRefused {
  const via = (a: Advisory) => {
    const node = tree.nodes.get(`${a.package}@${a.version}`);
    return node && node !== tree.root ? ` (needed via ${node.via})` : '';
  };
  const list = critical.map((a) => `${a.package}@${a.version}${via(a)}: "${a.title}"${a.url ? ` ${a.url}` : ''}`);
  return refuse(
    'critical_advisory',
    `${tree.root.id} is refused because of ${critical.length === 1 ? 'a critical advisory' : `${critical.length} critical advisories`}: ` +
      `${list.slice(0, 5).join('; ')}${list.length > 5 ? ` and ${list.length - 5} more` : ''}. Choose a fixed version or ` +
      'another package; an admin may still install it with the critical-advisory override',
    {
      package: tree.root.id,
      advisories: critical.map(mapAdvisory),
    },
  );
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);

function repositoryOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.url === 'string') return v.url;
  return null;
}
