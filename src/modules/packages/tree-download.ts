/**
 * The package tree on disk for bundling, in the pnpm layout: each package version in
 * `.store/<name>@<version>/node_modules/<name>`, its dependencies linked beside it (so each
 * package sees exactly the versions it was resolved with), and the module itself linked
 * from `<work>/node_modules/<name>`. The links are ours and point inside the work folder;
 * links from archives are refused (package-archive.ts).
 */
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { DependencyTree, TreeNode } from './dependency-tree';
import { verifyIntegrity } from './integrity';
import { TREE_FOLDER } from './module-bundler';
import { readPackageArchive, writePackageFiles, type ArchiveFile } from './package-archive';
import { refuse } from './package-refused';
import type { InstalledPackage } from './package-types';
import { isObject, type RegistryClient } from './registry-client';

export interface DownloadLimits {
  maxTarballBytes: number;
  maxUnpackedBytes: number;
  maxFiles: number;
  maxTreeDownloadBytes: number;
  maxTreeUnpackedBytes: number;
  maxTreeFiles: number;
}

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];
const FETCH_PARALLEL = 4;

/**
 * Downloads, verifies, checks and unpacks every package of the tree into the work folder
 * (a few at a time; the first refusal stops the others), then links each package's
 * dependencies beside it. Returns the packages, root first, in resolution order.
 */
export async function downloadTree(
  registry: RegistryClient,
  tree: DependencyTree,
  work: string,
  limits: DownloadLimits,
): Promise<Map<string, InstalledPackage>> {
  const nodes = [...tree.nodes.values()];
  const out = new Map<string, InstalledPackage>();
  const totals = { downloaded: 0, unpacked: 0, files: 0 };
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < nodes.length && !failure) {
      const node = nodes[next++];
      try {
        out.set(node.id, await fetchPackage(registry, tree, node, work, limits, totals));
      } catch (error) {
        failure ??= { error }; // the first refusal is the one reported; the other workers stop
      }
    }
  };
  await Promise.all(Array.from({ length: FETCH_PARALLEL }, worker));
  if (failure) throw failure.error;
  await linkTree(tree, work);
  return new Map(nodes.map((n) => [n.id, out.get(n.id) as InstalledPackage]));
}

async function fetchPackage(
  registry: RegistryClient,
  tree: DependencyTree,
  node: TreeNode,
  work: string,
  l: DownloadLimits,
  totals: { downloaded: number; unpacked: number; files: number },
): Promise<InstalledPackage> {
  const who = node === tree.root ? node.id : `${node.id} (needed via ${node.via})`;
  const tooBig = (what: string, limit: number) =>
    refuse(
      'tree_too_large',
      `${tree.root.id} with its dependencies ${what}, over the limit of ${limit}; choose a package with fewer or smaller dependencies`,
      { package: tree.root.id, limit },
    );
  const bytes = await registry.tarball(node.id, node.manifest.dist.tarball, l.maxTarballBytes);
  totals.downloaded += bytes.length;
  if (totals.downloaded > l.maxTreeDownloadBytes)
    throw tooBig(`downloads more than ${l.maxTreeDownloadBytes} bytes`, l.maxTreeDownloadBytes);
  const verified = verifyIntegrity(node.id, bytes, node.manifest.dist);
  const archive = await readPackageArchive(node.id, bytes, {
    maxUnpackedBytes: l.maxUnpackedBytes,
    maxFiles: l.maxFiles,
  });
  totals.unpacked += archive.unpackedBytes;
  totals.files += archive.files.length;
  if (totals.unpacked > l.maxTreeUnpackedBytes)
    throw tooBig(`unpacks to more than ${l.maxTreeUnpackedBytes} bytes`, l.maxTreeUnpackedBytes);
  if (totals.files > l.maxTreeFiles) throw tooBig(`has more than ${l.maxTreeFiles} files`, l.maxTreeFiles);

  const manifest = packageJson(node, archive.files);
  const native = nativeCode(manifest, archive.files);
  if (native)
    throw refuse(
      'native_code',
      `${who} contains native code (${native}); the sandbox runs JavaScript only, so packages with compiled ` +
        'add-ons cannot be used. Look for a pure-JavaScript alternative',
      { package: node.id, evidence: native },
    );
  await writePackageFiles(join(work, packageFolder(node.name, node.version)), archive.files);
  const scripts = isObject(manifest.scripts) ? manifest.scripts : {};
  return {
    name: node.name,
    version: node.version,
    integrity: verified.integrity,
    verifiedWith: verified.verifiedWith,
    license: licenseOf(manifest),
    ignoredInstallScripts: INSTALL_SCRIPTS.filter((s) => typeof scripts[s] === 'string'),
  };
}

/** `.store/<name with + for />@<version>/node_modules/<name>`: the pnpm layout, one folder per version. */
function storeKey(name: string, version: string): string {
  return `${name.replace('/', '+')}@${version}`;
}
function packageFolder(name: string, version: string): string {
  return join(TREE_FOLDER, storeKey(name, version), 'node_modules', name);
}

/** Links each package's dependencies beside it, and the module itself into `<work>/node_modules`. */
async function linkTree(tree: DependencyTree, work: string): Promise<void> {
  const link = async (from: string, target: string) => {
    await mkdir(dirname(from), { recursive: true });
    await symlink(relative(dirname(from), target), from, 'dir');
  };
  for (const node of tree.nodes.values()) {
    const modules = join(work, TREE_FOLDER, storeKey(node.name, node.version), 'node_modules');
    for (const [depName, depId] of node.dependencies) {
      const dep = tree.nodes.get(depId) as TreeNode;
      await link(join(modules, depName), join(work, packageFolder(dep.name, dep.version)));
    }
  }
  const root = tree.root;
  await link(join(work, 'node_modules', root.name), join(work, packageFolder(root.name, root.version)));
}

/** `.store/@s+x@1.0.0/node_modules/@s/x/lib/a.js` → `@s/x@1.0.0/lib/a.js`. */
export function describePath(path: string): string {
  const m = /^\.store\/([^/]+)\/node_modules\/(?:@[^/]+\/)?[^/]+\/(.*)$/.exec(path);
  if (!m) return path;
  const id = m[1].startsWith('@') ? m[1].replace('+', '/') : m[1];
  return `${id}/${m[2]}`;
}

function packageJson(node: TreeNode, files: ArchiveFile[]): Record<string, unknown> {
  const bad = (why: string) =>
    refuse('invalid_package', `the tarball of ${node.id} ${why}; it cannot be installed`, { package: node.id });
  const raw = files.find((f) => f.path === 'package.json');
  if (!raw) throw bad('has no package.json');
  let doc: unknown;
  try {
    doc = JSON.parse(raw.data.toString('utf8'));
  } catch {
    throw bad('has a package.json that is not valid JSON');
  }
  if (!isObject(doc)) throw bad('has a package.json that is not an object');
  if (doc.name !== node.name || doc.version !== node.version)
    throw bad(`holds ${String(doc.name)}@${String(doc.version)} instead`);
  return doc;
}

/** The first sign of native code, or null. */
function nativeCode(manifest: Record<string, unknown>, files: ArchiveFile[]): string | null {
  if (manifest.gypfile === true) return '"gypfile": true in package.json';
  const gyp = files.find((f) => f.path === 'binding.gyp' || f.path.endsWith('/binding.gyp'));
  if (gyp) return gyp.path;
  const addon = files.find((f) => f.path.endsWith('.node'));
  return addon ? `${addon.path}, a compiled add-on` : null;
}

export function licenseOf(doc: Record<string, unknown>): string | null {
  const l = doc.license;
  if (typeof l === 'string' && l.trim()) return l;
  if (isObject(l) && typeof l.type === 'string') return l.type;
  if (Array.isArray(doc.licenses)) {
    const types = doc.licenses.map((x) => (isObject(x) && typeof x.type === 'string' ? x.type : null)).filter(Boolean);
    if (types.length) return types.length === 1 ? (types[0] as string) : `(${types.join(' OR ')})`;
  }
  return null;
}
