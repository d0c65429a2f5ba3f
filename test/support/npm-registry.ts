/**
 * An npm registry on 127.0.0.1 for the package installer's tests: packuments (full, and
 * abbreviated when the client asks for `application/vnd.npm.install-v1+json`), version
 * documents, tarballs, the bulk advisory service and weekly download counts, built from
 * real tarballs (`npm pack`) or hand-made ones. Faults can be switched on per test.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import semver from 'semver';

export interface RawAdvisory {
  id: number;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  url: string;
  vulnerable_versions: string;
}

interface Version {
  manifest: Record<string, unknown>;
  tarball: Buffer;
  dist: Record<string, unknown>;
  /** Bytes served instead of `tarball` (a tampered download). */
  served?: Buffer;
}

/** Answers a request instead of the registry; return true when handled. */
export type Fault = (req: IncomingMessage, res: ServerResponse) => boolean;

const ABBREVIATED_FIELDS = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bundledDependencies',
  'bin',
  'engines',
  'deprecated',
  'os',
  'cpu',
];

export class TestNpmRegistry {
  readonly requests: { method: string; path: string }[] = [];
  readonly advisories = new Map<string, RawAdvisory[]>();
  readonly downloads = new Map<string, number>();
  advisoryService: 'on' | 'absent' = 'on';
  fault: Fault | undefined;
  private readonly packages = new Map<string, Map<string, Version>>();
  private readonly tags = new Map<string, Record<string, string>>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<TestNpmRegistry> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const registry = new TestNpmRegistry(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      registry.handle(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    return registry;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  tarballUrl(name: string, version: string): string {
    return `${this.url}/${pathOf(name)}/-/${name.split('/').pop()}-${version}.tgz`;
  }

  /**
   * Publishes a tarball with its package.json; `dist` replaces the computed dist fields
   * (e.g. `{ integrity: undefined }` for a package with only a shasum).
   */
  publish(manifest: Record<string, unknown>, tarball: Buffer, dist: Record<string, unknown> = {}): void {
    const name = String(manifest.name);
    const version = String(manifest.version);
    const computed: Record<string, unknown> = {
      tarball: this.tarballUrl(name, version),
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      shasum: createHash('sha1').update(tarball).digest('hex'),
    };
    const merged = { ...computed, ...dist };
    for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
    const versions = this.packages.get(name) ?? new Map<string, Version>();
    versions.set(version, { manifest, tarball, dist: merged });
    this.packages.set(name, versions);
    const latest = [...versions.keys()].filter((v) => !semver.prerelease(v)).sort(semver.rcompare)[0];
    this.tags.set(name, { ...this.tags.get(name), ...(latest ? { latest } : {}) });
  }

  setTag(name: string, tag: string, version: string): void {
    this.tags.set(name, { ...this.tags.get(name), [tag]: version });
  }

  /** Serves other bytes than the published ones for this version (its dist still describes the original). */
  tamper(name: string, version: string, bytes: Buffer): void {
    const v = this.packages.get(name)?.get(version);
    if (!v) throw new Error(`not published: ${name}@${version}`);
    v.served = bytes;
  }

  integrityOf(name: string, version: string): string {
    return String(this.packages.get(name)?.get(version)?.dist.integrity);
  }

  tarballBytes(name: string, version: string): number {
    return this.packages.get(name)?.get(version)?.tarball.length ?? 0;
  }

  tarballRequests(): string[] {
    return this.requests.filter((r) => r.path.includes('/-/') && r.path.endsWith('.tgz')).map((r) => r.path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push({ method: req.method ?? 'GET', path });
    if (this.fault?.(req, res)) return;
    const segments = path.slice(1).split('/');
    if (req.method === 'POST' && path === '/-/npm/v1/security/advisories/bulk') return this.bulkAdvisories(req, res);
    if (path.startsWith('/downloads/point/last-week/')) {
      const name = decodeURIComponent(path.slice('/downloads/point/last-week/'.length));
      const n = this.downloads.get(name);
      if (n === undefined) return json(res, 404, { error: 'package not found' });
      return json(res, 200, { downloads: n, start: '2026-01-01', end: '2026-01-07', package: name });
    }
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' });
    const name = decodeURIComponent(segments[0] ?? '');
    const versions = this.packages.get(name);
    if (!versions) return json(res, 404, { error: 'Not found' });
    if (segments.length === 1) return json(res, 200, this.packument(name, versions, abbreviated(req)));
    if (segments[1] === '-' && segments.length === 3) {
      const file = segments[2];
      for (const [v, entry] of versions)
        if (file === `${name.split('/').pop()}-${v}.tgz`) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return void res.end(entry.served ?? entry.tarball);
        }
      return json(res, 404, { error: 'Not found' });
    }
    if (segments.length === 2) {
      const wanted = decodeURIComponent(segments[1]);
      const version = this.tags.get(name)?.[wanted] ?? wanted;
      const entry = versions.get(version);
      if (!entry) return json(res, 404, { error: 'version not found' });
      return json(res, 200, this.versionDoc(name, version, entry));
    }
    return json(res, 404, { error: 'Not found' });
  }

  private versionDoc(name: string, version: string, entry: Version): Record<string, unknown> {
    return { ...entry.manifest, _id: `${name}@${version}`, dist: entry.dist };
  }

  private packument(name: string, versions: Map<string, Version>, short: boolean): Record<string, unknown> {
    const docs: Record<string, unknown> = {};
    for (const [v, entry] of versions) {
      const full = this.versionDoc(name, v, entry);
      if (!short) {
        docs[v] = full;
        continue;
      }
      const slim: Record<string, unknown> = { dist: entry.dist };
      for (const f of ABBREVIATED_FIELDS) if (full[f] !== undefined) slim[f] = full[f];
      const scripts = (entry.manifest.scripts ?? {}) as Record<string, unknown>;
      if (scripts.preinstall || scripts.install || scripts.postinstall) slim.hasInstallScript = true;
      docs[v] = slim;
    }
    const latest = this.tags.get(name)?.latest;
    const latestManifest = latest ? versions.get(latest)?.manifest : undefined;
    const base = { name, 'dist-tags': this.tags.get(name) ?? {}, versions: docs, modified: '2026-01-01T00:00:00.000Z' };
    if (short) return base;
    return {
      _id: name,
      ...base,
      description: latestManifest?.description,
      license: latestManifest?.license,
      homepage: latestManifest?.homepage,
      readme: 'README',
    };
  }

  private async bulkAdvisories(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.advisoryService === 'absent') return json(res, 404, { error: 'Not found' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let query: Record<string, string[]>;
    try {
      query = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string[]>;
    } catch {
      return json(res, 400, { error: 'invalid JSON' });
    }
    const out: Record<string, RawAdvisory[]> = {};
    for (const [name, versions] of Object.entries(query)) {
      const list = (this.advisories.get(name) ?? []).filter((a) =>
        versions.some((v) => semver.satisfies(v, a.vulnerable_versions)),
      );
      if (list.length) out[name] = list;
    }
    return json(res, 200, out);
  }
}

const pathOf = (name: string) => encodeURIComponent(name).replace(/^%40/, '@');

function abbreviated(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? '').includes('application/vnd.npm.install-v1+json');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

/** Publishes a one-file CommonJS package (hand-made tarball, no `npm pack`): enough for tests that only need something installable. */
export function publishTinyPackage(
  registry: TestNpmRegistry,
  name: string,
  code = 'exports.ok = true;\n',
  version = '1.0.0',
): void {
  // Loaded here so that the registry stays usable without the tar writer.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tarball } = require('./tar-writer') as typeof import('./tar-writer');
  const manifest = { name, version, main: 'index.js', license: 'MIT', description: `tiny ${name}` };
  registry.publish(
    manifest,
    tarball([
      { name: 'package/package.json', data: JSON.stringify(manifest) },
      { name: 'package/index.js', data: code },
    ]),
  );
}
