import { invalid } from '../common/errors';

/** The newest document format this build writes and reads. */
export const EXPORT_FORMAT_VERSION = 1;

export interface ExportedTool {
  name: string;
  description: string;
  language: string;
  code: string | null;
  input_schema: Record<string, unknown> | null;
  enabled: boolean;
  timeout_ms: number | null;
  tool_type: string;
  external_tool_name: string | null;
  /** The name of the server's external source a passthrough tool forwards to. */
  external_source_name: string | null;
}

export interface ExportedSecret {
  key_name: string;
  description: string | null;
}

/** No credentials: auth is by the name of one of the server's secrets, and a URL's user:password is dropped. */
export interface ExportedSource {
  name: string;
  url: string;
  auth_type: string;
  auth_secret_name: string | null;
  auth_header_name: string | null;
  transport_type: string;
}

export interface ExportedNetworkRecord {
  host: string;
  port: number | null;
}

export interface ExportedServer {
  name: string;
  description: string | null;
  default_timeout_ms: number;
  tools: ExportedTool[];
  secrets: ExportedSecret[];
  external_sources: ExportedSource[];
  network_records: ExportedNetworkRecord[];
}

export interface ExportDocument {
  format_version: number;
  exported_at: string;
  servers: ExportedServer[];
  /** Admin-sourced, approved module allowances (global, not per server). */
  module_records: string[];
  signature?: string;
}

/** One line of an import report. */
export interface ImportIssue {
  kind: 'document' | 'server' | 'tool' | 'secret' | 'external_source' | 'network_record' | 'module_record';
  name: string;
  reason: string;
}

export interface ImportCounts {
  /** Items created (the sum of `created`). */
  created: number;
  skipped: number;
  failed: number;
  /** Records of an unsigned document that arrived as pending requests instead of allowances. */
  pending_requests: number;
}

export interface ImportResult {
  signature_verified: boolean;
  created: ReturnType<typeof emptyCounts>;
  counts: ImportCounts;
  skipped: ImportIssue[];
  failed: ImportIssue[];
  pending_requests: ImportIssue[];
}

/** The totals of a result's lists. */
export function importCounts(
  r: Pick<ImportResult, 'created' | 'skipped' | 'failed' | 'pending_requests'>,
): ImportCounts {
  return {
    created: Object.values(r.created).reduce((a, b) => a + b, 0),
    skipped: r.skipped.length,
    failed: r.failed.length,
    pending_requests: r.pending_requests.length,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the *shape* of a document (types, required members) and names every offending
 * path. The rules of names, code, schemas and hosts are the services' own and run during
 * the import, so a document is judged by exactly the rules the API applies.
 */
export function parseExportDocument(raw: unknown): ExportDocument {
  const problems: string[] = [];
  const at = (
    path: string,
    v: unknown,
    want: 'string' | 'number' | 'boolean' | 'object',
    opts: { optional?: boolean; nullable?: boolean } = {},
  ) => {
    if (v === undefined && opts.optional) return;
    if (v === null && opts.nullable) return;
    const ok =
      want === 'object'
        ? isObj(v)
        : want === 'number'
          ? typeof v === 'number' && Number.isFinite(v)
          : typeof v === want;
    if (!ok)
      problems.push(
        `${path} must be ${want === 'object' ? 'an object' : `a ${want}`}${opts.nullable ? ' or null' : ''}`,
      );
  };
  const list = (path: string, v: unknown, each: (item: unknown, path: string) => void) => {
    if (v === undefined) return;
    if (!Array.isArray(v)) return void problems.push(`${path} must be an array`);
    v.forEach((item, i) => each(item, `${path}[${i}]`));
  };
  const members = (path: string, v: unknown, check: (o: Obj) => void) => {
    if (!isObj(v)) return void problems.push(`${path} must be an object`);
    check(v);
  };

  if (!isObj(raw)) throw invalid('The import body must be an export document (a JSON object)', { fields: ['body'] });
  at('exported_at', raw.exported_at, 'string', { optional: true });
  if (!Array.isArray(raw.servers)) problems.push('servers must be an array');
  list('servers', raw.servers, (s, p) =>
    members(p, s, (o) => {
      at(`${p}.name`, o.name, 'string');
      at(`${p}.description`, o.description, 'string', { optional: true, nullable: true });
      at(`${p}.default_timeout_ms`, o.default_timeout_ms, 'number', { optional: true });
      list(`${p}.tools`, o.tools, (tool, tp) =>
        members(tp, tool, (t) => {
          at(`${tp}.name`, t.name, 'string');
          at(`${tp}.description`, t.description, 'string', { optional: true, nullable: true });
          at(`${tp}.language`, t.language, 'string', { optional: true });
          at(`${tp}.code`, t.code, 'string', { optional: true, nullable: true });
          at(`${tp}.input_schema`, t.input_schema, 'object', { optional: true, nullable: true });
          at(`${tp}.enabled`, t.enabled, 'boolean', { optional: true });
          at(`${tp}.timeout_ms`, t.timeout_ms, 'number', { optional: true, nullable: true });
          at(`${tp}.tool_type`, t.tool_type, 'string', { optional: true });
          at(`${tp}.external_tool_name`, t.external_tool_name, 'string', { optional: true, nullable: true });
          at(`${tp}.external_source_name`, t.external_source_name, 'string', { optional: true, nullable: true });
        }),
      );
      list(`${p}.secrets`, o.secrets, (sec, sp) =>
        members(sp, sec, (x) => {
          at(`${sp}.key_name`, x.key_name, 'string');
          at(`${sp}.description`, x.description, 'string', { optional: true, nullable: true });
          if ('value' in x || 'encrypted_value' in x)
            problems.push(`${sp} must not carry a value: secrets are exported and imported by name only`);
        }),
      );
      list(`${p}.external_sources`, o.external_sources, (src, sp) =>
        members(sp, src, (x) => {
          at(`${sp}.name`, x.name, 'string');
          at(`${sp}.url`, x.url, 'string');
          for (const k of ['auth_type', 'transport_type']) at(`${sp}.${k}`, x[k], 'string', { optional: true });
          for (const k of ['auth_secret_name', 'auth_header_name'])
            at(`${sp}.${k}`, x[k], 'string', { optional: true, nullable: true });
        }),
      );
      list(`${p}.network_records`, o.network_records, (rec, rp) =>
        members(rp, rec, (x) => {
          at(`${rp}.host`, x.host, 'string');
          at(`${rp}.port`, x.port, 'number', { optional: true, nullable: true });
        }),
      );
    }),
  );
  list('module_records', raw.module_records, (m, p) => at(p, m, 'string'));
  if (problems.length) {
    const failed = problems.map((reason): ImportIssue => ({ kind: 'document', name: reason.split(' ')[0], reason }));
    const refused = { created: emptyCounts(), skipped: [], failed, pending_requests: [] };
    throw invalid(`The export document is malformed: ${problems.slice(0, 20).join('; ')}`, {
      ...refused,
      counts: importCounts(refused),
    });
  }
  return normalise(raw);
}

export const emptyCounts = () => ({ servers: 0, tools: 0, secrets: 0, external_sources: 0, network_records: 0 });

/** Fills the optional members with their defaults (shape already checked). */
function normalise(raw: Obj): ExportDocument {
  const arr = (v: unknown) => (Array.isArray(v) ? (v as Obj[]) : []);
  return {
    format_version: raw.format_version as number,
    exported_at: (raw.exported_at as string | undefined) ?? '',
    module_records: (raw.module_records as string[] | undefined) ?? [],
    servers: arr(raw.servers).map((s) => ({
      name: s.name as string,
      description: (s.description as string | null | undefined) ?? null,
      default_timeout_ms: (s.default_timeout_ms as number | undefined) ?? 30000,
      tools: arr(s.tools).map((t) => ({
        name: t.name as string,
        description: (t.description as string | null | undefined) ?? '',
        language: (t.language as string | undefined) ?? 'javascript',
        code: (t.code as string | null | undefined) ?? null,
        input_schema: (t.input_schema as Record<string, unknown> | null | undefined) ?? null,
        enabled: (t.enabled as boolean | undefined) ?? true,
        timeout_ms: (t.timeout_ms as number | null | undefined) ?? null,
        tool_type: (t.tool_type as string | undefined) ?? 'code',
        external_tool_name: (t.external_tool_name as string | null | undefined) ?? null,
        external_source_name: (t.external_source_name as string | null | undefined) ?? null,
      })),
      secrets: arr(s.secrets).map((x) => ({
        key_name: x.key_name as string,
        description: (x.description as string | null | undefined) ?? null,
      })),
      external_sources: arr(s.external_sources).map((x) => ({
        name: x.name as string,
        url: x.url as string,
        auth_type: (x.auth_type as string | undefined) ?? 'none',
        auth_secret_name: (x.auth_secret_name as string | null | undefined) ?? null,
        auth_header_name: (x.auth_header_name as string | null | undefined) ?? null,
        transport_type: (x.transport_type as string | undefined) ?? 'streamable_http',
      })),
      network_records: arr(s.network_records).map((x) => ({
        host: x.host as string,
        port: (x.port as number | null | undefined) ?? null,
      })),
    })),
  };
}

/**
 * The version gate runs before anything else: a newer document may use a signing or a
 * shape this build does not know, so it is refused whatever its signature.
 */
export function checkFormatVersion(raw: unknown): number {
  const v = isObj(raw) ? raw.format_version : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalid('format_version must be a positive integer', { fields: ['format_version'] });
  if (v > EXPORT_FORMAT_VERSION) {
    throw invalid(
      `format_version ${v} is newer than this MCPBox supports (${EXPORT_FORMAT_VERSION}); upgrade MCPBox to import it`,
      { fields: ['format_version'] },
    );
  }
  return v;
}
