import { Injectable } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { notFound } from '../common/errors';
import { ExternalSourcesService } from '../external-sources/external-sources.service';
import { ModulesService } from '../modules/modules.service';
import { NetworkAccessService } from '../network-access/network-access.service';
import { SecretsService } from '../secrets/secrets.service';
import { ServersService } from '../servers/servers.service';
import { ToolQueriesService } from '../tools/tool-queries.service';
import type { ExportDocumentDto } from './dto/export.dto';
import {
  EXPORT_FORMAT_VERSION,
  type ExportDocument,
  type ExportedServer,
  type ExportedSource,
} from './export-document';
import { ExportSigner } from './export-signer';

/** A URL without `user:password@`: credentials belong in a secret, never in an export. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Builds the signed export (docs/architecture.md#export-and-import): servers with their tools (code and schema), secret
 * names (never values), external sources (no credentials), and the admin's own network
 * and module records. LLM requests are not carried over: an imported server asks again.
 */
@Injectable()
export class ExportService {
  constructor(
    private readonly signer: ExportSigner,
    private readonly activity: ActivityService,
    private readonly servers: ServersService,
    private readonly tools: ToolQueriesService,
    private readonly secrets: SecretsService,
    private readonly sources: ExternalSourcesService,
    private readonly network: NetworkAccessService,
    private readonly modules: ModulesService,
  ) {}

  /** Every server, or the one named by `serverId` (404 when unknown); each part read through its feature. */
  async exportServers(actor: Actor, serverId?: string): Promise<ExportDocumentDto> {
    const servers = await this.servers.listForExport(serverId);
    if (serverId && servers.length === 0) throw notFound('Server', serverId);
    const ids = servers.map((s) => s.id);
    const [tools, secrets, sources, network, modules] = await Promise.all([
      this.tools.ofServers(ids),
      this.secrets.keysOf(ids),
      this.sources.ofServers(ids),
      this.network.adminRecords(ids),
      this.modules.adminModuleNames(),
    ]);

    const sourceName = new Map(sources.map((s) => [s.id, s.name]));
    const by = <T extends { serverId: string | null }>(rows: T[], id: string) => rows.filter((r) => r.serverId === id);
    const exported: ExportedServer[] = servers.map((s) => ({
      name: s.name,
      description: s.description,
      default_timeout_ms: s.defaultTimeoutMs,
      tools: by(tools, s.id).map((t) => ({
        name: t.name,
        description: t.description,
        language: t.language,
        code: t.code,
        input_schema: t.inputSchema,
        enabled: t.enabled,
        timeout_ms: t.timeoutMs,
        tool_type: t.toolType,
        external_tool_name: t.externalToolName,
        external_source_name: t.externalSourceId ? (sourceName.get(t.externalSourceId) ?? null) : null,
      })),
      secrets: by(secrets, s.id).map((x) => ({ key_name: x.keyName, description: x.description })),
      external_sources: by(sources, s.id).map((x): ExportedSource => ({
        name: x.name,
        url: withoutCredentials(x.url),
        auth_type: x.authType,
        auth_secret_name: x.authSecretName,
        auth_header_name: x.authHeaderName,
        transport_type: x.transportType,
      })),
      network_records: by(network, s.id).map((r) => ({ host: r.host, port: r.port })),
    }));

    const body: ExportDocument = {
      format_version: EXPORT_FORMAT_VERSION,
      exported_at: new Date().toISOString(),
      servers: exported,
      module_records: modules,
    };
    await this.activity.audit(actor, {
      message: `Export of ${servers.length} server(s) by ${actor.name}`,
      details: { servers: servers.map((s) => s.name) },
      serverId: serverId ?? null,
    });
    return { ...body, signature: this.signer.sign(body as unknown as Record<string, unknown>) };
  }
}
