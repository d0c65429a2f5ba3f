/**
 * Resolves a package and its whole dependency tree from packuments: each (name, range)
 * to one published version, preferring a version already chosen elsewhere in the tree
 * (so shared dependencies are installed once), then the `latest` tag when it satisfies
 * the range (as npm does), then the highest satisfying version that is not deprecated.
 *
 * Installed: `dependencies` and required `peerDependencies`. Not installed: optional
 * dependencies (in practice platform-specific native builds; code that imports one must
 * cope with its absence) and optional peers; `bundleDependencies` ship in the tarball.
 */
import semver from 'semver';
import { parseVersionRequest, validatePackageName, type VersionRequest } from './package-name';
import { PackageRefused, refuse } from './package-refused';
import { versionManifest, type Packument, type RegistryClient, type VersionManifest } from './registry-client';

export interface TreeNode {
  /** `name@version`, unique in the tree. */
  id: string;
  name: string;
  version: string;
  manifest: VersionManifest;
  /** Dependency name → id of the chosen node. */
  dependencies: Map<string, string>;
  /** The chain from the root, for messages (`root@1 > a@2`). */
  via: string;
}

export interface DependencyTree {
  root: TreeNode;
  /** Every node, root first, in the order they were resolved. */
  nodes: Map<string, TreeNode>;
}

export interface TreeLimits {
  maxPackages: number;
}

const MAX_PARALLEL_FETCHES = 8;
const SHOWN_VERSIONS = 15;

export async function resolveTree(
  registry: RegistryClient,
  rootName: string,
  request: VersionRequest,
  limits: TreeLimits,
): Promise<DependencyTree> {
  const packuments = new Map<string, Promise<Packument>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const fetchPackument = (name: string): Promise<Packument> => {
    let p = packuments.get(name);
    if (!p) {
      p = (async () => {
        if (running >= MAX_PARALLEL_FETCHES) await new Promise<void>((r) => waiting.push(r));
        running += 1;
        try {
          return await registry.packument(name);
        } finally {
          running -= 1;
          waiting.shift()?.();
        }
      })();
      p.catch(() => undefined); // awaited later; a rejection must not go unhandled meanwhile
      packuments.set(name, p);
    }
    return p;
  };

  const chosen = new Map<string, string[]>(); // name → versions in the tree
  const nodes = new Map<string, TreeNode>();
  type Want = { name: string; request: VersionRequest; parent: TreeNode | null };
  const queue: Want[] = [{ name: rootName, request, parent: null }];
  fetchPackument(rootName);

  for (let i = 0; i < queue.length; i++) {
    const want = queue[i];
    let packument: Packument;
    try {
      packument = await fetchPackument(want.name);
    } catch (err) {
      if (want.parent && err instanceof PackageRefused && err.reason === 'not_found')
        throw refuse(
          'not_found',
          `${want.parent.id} depends on "${want.name}", which does not exist on the registry (required via ${want.parent.via})`,
          { package: want.name, required_by: want.parent.id },
        );
      throw err;
    }
    const version = pickVersion(packument, want.request, chosen.get(want.name) ?? [], want.parent);
    const id = `${want.name}@${version}`;
    let node = nodes.get(id);
    if (!node) {
      if (nodes.size >= limits.maxPackages)
        throw refuse(
          'tree_too_large',
          `${nodes.values().next().value?.id ?? rootName} needs more than ${limits.maxPackages} packages with its ` +
            'dependencies, over the limit; ' +
            'choose a package with fewer dependencies',
          { package: rootName, limit: limits.maxPackages },
        );
      const manifest = versionManifest(packument, version);
      node = {
        id,
        name: want.name,
        version,
        manifest,
        dependencies: new Map(),
        via: want.parent ? `${want.parent.via} > ${id}` : id,
      };
      nodes.set(id, node);
      chosen.set(want.name, [...(chosen.get(want.name) ?? []), version]);
      for (const [depName, spec] of installedDependencies(manifest)) {
        const depRequest = dependencyRequest(node, depName, spec);
        queue.push({ name: depName, request: depRequest, parent: node });
        fetchPackument(depName);
      }
    }
    want.parent?.dependencies.set(want.name, id);
  }
  const root = nodes.values().next().value as TreeNode;
  return { root, nodes };
}

/** The dependencies that get installed, in manifest order: regular ones and required peers, minus optional and bundled ones. */
function installedDependencies(m: VersionManifest): [string, string][] {
  const bundled = m.bundleDependencies;
  const skip = (name: string) => name in m.optionalDependencies || (bundled !== true && bundled.includes(name));
  if (bundled === true) return [];
  const out = new Map<string, string>();
  for (const [name, spec] of Object.entries(m.dependencies)) if (!skip(name)) out.set(name, spec);
  for (const [name, spec] of Object.entries(m.peerDependencies))
    if (!skip(name) && !out.has(name) && !m.peerDependenciesMeta[name]?.optional) out.set(name, spec);
  out.delete(m.name);
  return [...out];
}

function dependencyRequest(node: TreeNode, depName: string, spec: string): VersionRequest {
  try {
    validatePackageName(depName, { legacy: true });
  } catch {
    throw refuse('registry_error', `${node.id} depends on "${depName}", which is not a valid package name`, {
      package: node.id,
    });
  }
  try {
    return parseVersionRequest(spec === '' ? '*' : spec);
  } catch {
    throw refuse(
      'unsupported_dependency',
      `${node.id} depends on ${depName} as "${spec}" (a git, file, URL or alias spec); only versions from the registry ` +
        `can be installed, so ${node.via.split(' > ')[0]} cannot be used`,
      { package: node.id, dependency: depName, spec },
    );
  }
}

/** Picks the version for one request; throws no_matching_version listing what exists. */
export function pickVersion(
  packument: Packument,
  request: VersionRequest,
  alreadyChosen: string[],
  parent: TreeNode | null,
): string {
  const published = Object.keys(packument.versions).filter((v) => semver.valid(v) === v);
  if (request.kind === 'tag') {
    const v = packument.distTags[request.tag];
    if (v && published.includes(v)) return v;
    const tags = Object.entries(packument.distTags)
      .map(([t, tv]) => `${t}=${tv}`)
      .join(', ');
    throw noMatch(packument, published, `has no dist-tag "${request.tag}"${tags ? ` (tags: ${tags})` : ''}`, parent);
  }
  const range = request.range;
  const reuse = semver.maxSatisfying(alreadyChosen, range);
  if (reuse) return reuse;
  const latest = packument.distTags.latest;
  if (latest && published.includes(latest) && semver.satisfies(latest, range)) return latest;
  const live = published.filter((v) => !isDeprecated(packument, v));
  const picked = semver.maxSatisfying(live, range) ?? semver.maxSatisfying(published, range);
  if (picked) return picked;
  throw noMatch(packument, published, `has no version matching "${range}"`, parent);
}

function noMatch(packument: Packument, published: string[], what: string, parent: TreeNode | null): PackageRefused {
  const sorted = semver.rsort([...published]);
  const shown = sorted.slice(0, SHOWN_VERSIONS).join(', ');
  const more = sorted.length > SHOWN_VERSIONS ? ` and ${sorted.length - SHOWN_VERSIONS} older` : '';
  const available = sorted.length ? `available: ${shown}${more}` : 'no versions are published';
  const who = parent ? `${packument.name} (a dependency of ${parent.id})` : packument.name;
  return refuse('no_matching_version', `${who} ${what}; ${available}`, {
    package: packument.name,
    available: sorted.slice(0, SHOWN_VERSIONS),
  });
}

const isDeprecated = (p: Packument, v: string): boolean => {
  const doc = p.versions[v];
  return typeof doc === 'object' && doc !== null && typeof (doc as { deprecated?: unknown }).deprecated === 'string';
};
