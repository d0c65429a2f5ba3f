/**
 * The npm registry as the installer sees it: packuments (abbreviated, the install format),
 * one version's full manifest (for the admin's look-up), tarballs, the bulk advisory
 * service and, when offered, weekly download counts. Every answer is size-bounded and
 * time-bounded, and every failure becomes a PackageRefused an admin can act on.
 */
import semver from 'semver';
import { PackageRefused, refuse } from './package-refused';

export interface RegistryClientOptions {
  registryUrl: string;
  /** Base of the download-count API (`{base}/downloads/point/last-week/{name}`); null when none. */
  downloadsUrl: string | null;
  requestTimeoutMs: number;
  tarballTimeoutMs: number;
  maxDocumentBytes: number;
}

export interface Packument {
  name: string;
  distTags: Record<string, string>;
  /** Raw version documents, checked by `versionManifest` when one is chosen. */
  versions: Record<string, unknown>;
}

export interface VersionManifest {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  optionalDependencies: Record<string, string>;
  /** Names shipped inside the tarball (`true`: all dependencies). */
  bundleDependencies: string[] | true;
  deprecated: string | null;
  dist: { tarball: string; integrity?: string; shasum?: string };
}

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'moderate', 'high', 'critical'];

export interface Advisory {
  id: string;
  package: string;
  /** The version of the package in the tree that the advisory applies to. */
  version: string;
  title: string;
  severity: Severity;
  url: string | null;
  vulnerableVersions: string;
}

export type AdvisoryCheck = { checked: true; advisories: Advisory[] } | { checked: false; why: string };

const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
const USER_AGENT = 'mcpbox-package-installer';
/** The downloads API lives beside npmjs.org's registry, on another host. */
const NPMJS_REGISTRY = 'https://registry.npmjs.org';
const NPMJS_DOWNLOADS = 'https://api.npmjs.org';

export const defaultDownloadsUrl = (registryUrl: string): string | null =>
  registryUrl.replace(/\/+$/, '') === NPMJS_REGISTRY ? NPMJS_DOWNLOADS : null;

/** `@scope/name` → `@scope%2Fname`, as npm clients address scoped packages. */
export const registryPath = (name: string): string => encodeURIComponent(name).replace(/^%40/, '@');

interface Answer {
  status: number;
  body: Buffer;
  location: string | null;
}

interface RequestSpec {
  method?: 'GET' | 'POST';
  accept?: string;
  json?: unknown;
  timeoutMs: number;
  maxBytes: number;
  /** For messages: what is being fetched ("the packument of yaml"). */
  what: string;
  tooLarge?: () => PackageRefused;
}

export class RegistryClient {
  readonly registryUrl: string;
  private readonly origin: string;

  constructor(private readonly opts: RegistryClientOptions) {
    this.registryUrl = opts.registryUrl.replace(/\/+$/, '');
    this.origin = new URL(this.registryUrl).origin;
  }

  async packument(name: string): Promise<Packument> {
    const what = `the registry entry of "${name}"`;
    const answer = await this.request(`${this.registryUrl}/${registryPath(name)}`, {
      accept: ABBREVIATED,
      timeoutMs: this.opts.requestTimeoutMs,
      maxBytes: this.opts.maxDocumentBytes,
      what,
    });
    if (answer.status === 404)
      throw refuse(
        'not_found',
        `there is no package "${name}" on the registry ${this.registryUrl}; check the spelling`,
        {
          package: name,
        },
      );
    const doc = this.json(this.expectOk(answer, what), what);
    if (!isObject(doc) || !isObject(doc.versions) || (doc['dist-tags'] !== undefined && !isObject(doc['dist-tags'])))
      throw refuse('registry_error', `the registry answered ${what} with a document that is not a packument`);
    if (doc.name !== undefined && doc.name !== name)
      throw refuse('registry_error', `the registry answered ${what} with the entry of "${String(doc.name)}"`);
    const distTags: Record<string, string> = {};
    for (const [tag, v] of Object.entries((doc['dist-tags'] ?? {}) as Record<string, unknown>))
      if (typeof v === 'string') distTags[tag] = v;
    return { name, distTags, versions: doc.versions };
  }

  /** The full document of one version (description, license, homepage, ...), for the look-up. */
  async versionDocument(name: string, version: string): Promise<Record<string, unknown>> {
    const what = `the manifest of ${name}@${version}`;
    const answer = await this.request(`${this.registryUrl}/${registryPath(name)}/${encodeURIComponent(version)}`, {
      timeoutMs: this.opts.requestTimeoutMs,
      maxBytes: this.opts.maxDocumentBytes,
      what,
    });
    if (answer.status === 404)
      throw refuse('not_found', `the registry has no version ${version} of "${name}"`, { package: name });
    const doc = this.json(this.expectOk(answer, what), what);
    if (!isObject(doc))
      throw refuse('registry_error', `the registry answered ${what} with something that is not an object`);
    return doc;
  }

  async tarball(id: string, url: string, maxBytes: number): Promise<Buffer> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw refuse('registry_error', `the registry gives no valid tarball URL for ${id}`, { package: id });
    }
    if (parsed.origin !== this.origin)
      throw refuse(
        'untrusted_tarball_url',
        `the tarball of ${id} is served from ${parsed.origin}, not from the configured registry ${this.origin}; ` +
          'only tarballs from the registry itself are downloaded',
        { package: id, url: parsed.origin },
      );
    const what = `the tarball of ${id}`;
    const answer = await this.request(parsed.href, {
      accept: 'application/octet-stream, */*',
      timeoutMs: this.opts.tarballTimeoutMs,
      maxBytes,
      what,
      tooLarge: () =>
        refuse('package_too_large', `the tarball of ${id} is over ${maxBytes} bytes, the limit for one package`, {
          package: id,
        }),
    });
    if (answer.status === 404)
      throw refuse('registry_error', `the registry lists ${id} but has no tarball for it (404)`, { package: id });
    return this.expectOk(answer, what);
  }

  /**
   * Known advisories for the given versions (`POST /-/npm/v1/security/advisories/bulk`),
   * each kept only when its vulnerable range covers the version. A registry without the
   * service (404/405/501) gives `checked: false`; an unreachable or garbled one throws.
   */
  async advisories(versions: Map<string, Set<string>>): Promise<AdvisoryCheck> {
    const what = 'the advisory service';
    const query = Object.fromEntries([...versions].map(([name, set]) => [name, [...set]]));
    const answer = await this.request(`${this.registryUrl}/-/npm/v1/security/advisories/bulk`, {
      method: 'POST',
      json: query,
      timeoutMs: this.opts.requestTimeoutMs,
      maxBytes: this.opts.maxDocumentBytes,
      what,
    });
    if ([404, 405, 501].includes(answer.status))
      return { checked: false, why: `the registry does not offer the advisory service (HTTP ${answer.status})` };
    const doc = this.json(this.expectOk(answer, what), what);
    if (!isObject(doc))
      throw refuse('registry_error', `the registry answered ${what} with something that is not an object`);
    const found: Advisory[] = [];
    for (const [pkg, list] of Object.entries(doc)) {
      const asked = versions.get(pkg);
      if (!asked) continue;
      if (!Array.isArray(list)) throw refuse('registry_error', `the registry answered ${what} in an unknown format`);
      for (const raw of list) {
        const advisory = toAdvisory(raw);
        if (!advisory) throw refuse('registry_error', `the registry answered ${what} in an unknown format`);
        for (const version of asked) {
          // An unreadable range is taken to cover the version: an advisory is never dropped by a parsing doubt.
          const covered =
            semver.validRange(advisory.vulnerableVersions) === null ||
            semver.satisfies(version, advisory.vulnerableVersions, { includePrerelease: true });
          if (covered) found.push({ ...advisory, package: pkg, version });
        }
      }
    }
    return { checked: true, advisories: found };
  }

  /** Downloads in the last week, or null when the registry offers no count or does not answer. */
  async weeklyDownloads(name: string): Promise<number | null> {
    if (!this.opts.downloadsUrl) return null;
    try {
      const answer = await this.request(
        `${this.opts.downloadsUrl.replace(/\/+$/, '')}/downloads/point/last-week/${registryPath(name)}`,
        { timeoutMs: Math.min(this.opts.requestTimeoutMs, 5_000), maxBytes: 64 * 1024, what: 'the download count' },
      );
      if (answer.status !== 200) return null;
      const doc = JSON.parse(answer.body.toString('utf8')) as unknown;
      const n = isObject(doc) ? doc.downloads : undefined;
      return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
    } catch {
      return null;
    }
  }

  private expectOk(answer: Answer, what: string): Buffer {
    if (answer.status === 200) return answer.body;
    if (answer.status === 429 || answer.status >= 500)
      throw refuse(
        'registry_unavailable',
        `the registry ${this.registryUrl} answered ${what} with HTTP ${answer.status}; try again later`,
        { status: answer.status },
      );
    if (answer.status >= 300 && answer.status < 400)
      throw refuse(
        'registry_error',
        `the registry ${this.registryUrl} redirected ${what} to ${answer.location ?? 'nowhere'}; redirects are not followed`,
        { status: answer.status },
      );
    throw refuse('registry_error', `the registry ${this.registryUrl} refused ${what} with HTTP ${answer.status}`, {
      status: answer.status,
    });
  }

  private json(body: Buffer, what: string): unknown {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      throw refuse(
        'registry_error',
        `the registry ${this.registryUrl} answered ${what} with something that is not JSON ` +
          `(${JSON.stringify(body.subarray(0, 60).toString('utf8'))}${body.length > 60 ? '...' : ''}); ` +
          'is MCPBOX_NPM_REGISTRY an npm registry?',
      );
    }
  }

  private async request(url: string, spec: RequestSpec): Promise<Answer> {
    const unreachable = (why: string) =>
      refuse(
        'registry_unavailable',
        `the registry ${this.registryUrl} ${why} while fetching ${spec.what}; try again later`,
      );
    const tooLarge =
      spec.tooLarge ??
      (() => refuse('registry_error', `the registry answered ${spec.what} with more than ${spec.maxBytes} bytes`));
    const signal = AbortSignal.timeout(spec.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        method: spec.method ?? 'GET',
        headers: {
          'user-agent': USER_AGENT,
          accept: spec.accept ?? 'application/json',
          ...(spec.json !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: spec.json !== undefined ? JSON.stringify(spec.json) : undefined,
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw unreachable(`did not answer within ${spec.timeoutMs} ms`);
      throw unreachable(`could not be reached (${causeOf(err)})`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > spec.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body) {
          total += chunk.byteLength;
          if (total > spec.maxBytes) {
            await res.body.cancel().catch(() => undefined);
            throw tooLarge();
          }
          chunks.push(Buffer.from(chunk));
        }
      }
    } catch (err) {
      if (err instanceof PackageRefused) throw err;
      if (signal.aborted) throw unreachable(`did not finish answering within ${spec.timeoutMs} ms`);
      throw unreachable(`broke off its answer (${causeOf(err)})`);
    }
    return { status: res.status, body: Buffer.concat(chunks, total), location: res.headers.get('location') };
  }
}

/** Checks one version document enough to install from it; throws registry_error naming what is wrong. */
export function versionManifest(packument: Packument, version: string): VersionManifest {
  const id = `${packument.name}@${version}`;
  const raw = packument.versions[version];
  const bad = (why: string) =>
    refuse('registry_error', `the registry's entry for ${id} is unusable: ${why}`, { package: id });
  if (!isObject(raw)) throw bad('it is not an object');
  const dist = raw.dist;
  if (!isObject(dist) || typeof dist.tarball !== 'string') throw bad('it has no dist.tarball');
  const deps = (field: string): Record<string, string> => {
    const value = raw[field];
    if (value === undefined || value === null) return {};
    if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string'))
      throw bad(`${field} is not a map of names to ranges`);
    return value as Record<string, string>;
  };
  const metaRaw = raw.peerDependenciesMeta;
  const peerMeta: Record<string, { optional?: boolean }> = {};
  if (isObject(metaRaw))
    for (const [k, v] of Object.entries(metaRaw)) if (isObject(v)) peerMeta[k] = { optional: v.optional === true };
  const bundled = raw.bundleDependencies ?? raw.bundledDependencies;
  return {
    name: packument.name,
    version,
    dependencies: deps('dependencies'),
    peerDependencies: deps('peerDependencies'),
    peerDependenciesMeta: peerMeta,
    optionalDependencies: deps('optionalDependencies'),
    bundleDependencies:
      bundled === true ? true : Array.isArray(bundled) ? bundled.filter((n): n is string => typeof n === 'string') : [],
    deprecated: typeof raw.deprecated === 'string' ? raw.deprecated : null,
    dist: {
      tarball: dist.tarball,
      integrity: typeof dist.integrity === 'string' ? dist.integrity : undefined,
      shasum: typeof dist.shasum === 'string' ? dist.shasum : undefined,
    },
  };
}

function toAdvisory(raw: unknown): Omit<Advisory, 'package' | 'version'> | null {
  if (!isObject(raw)) return null;
  const severity = raw.severity;
  if (typeof severity !== 'string' || !SEVERITIES.includes(severity as Severity)) return null;
  if (typeof raw.vulnerable_versions !== 'string') return null;
  return {
    id: String(raw.id ?? raw.url ?? 'unknown'),
    title: typeof raw.title === 'string' ? raw.title : '(no title)',
    severity: severity as Severity,
    url: typeof raw.url === 'string' ? raw.url : null,
    vulnerableVersions: raw.vulnerable_versions,
  };
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
