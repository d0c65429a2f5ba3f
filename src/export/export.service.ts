import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import { ModuleRequest } from '../approvals/entities/module-request.entity';
import { NetworkAccessRequest } from '../approvals/entities/network-access-request.entity';
import type { Actor } from '../common/actor';
import { notFound } from '../common/errors';
import { ExternalMcpSource } from '../external-sources/entities/external-mcp-source.entity';
import { ServerSecret } from '../secrets/entities/server-secret.entity';
import { Server } from '../servers/entities/server.entity';
import { Tool } from '../tools/entities/tool.entity';
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
 * Builds the signed export of SPEC §4: servers with their tools (code and schema), secret
 * names (never values), external sources (no credentials), and the admin's own network
 * and module records. LLM requests are not carried over: an imported server asks again.
 */
@Injectable()
export class ExportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly signer: ExportSigner,
    private readonly activity: ActivityService,
  ) {}

  /** Every server, or the one named by `serverId` (404 when unknown). */
  async exportServers(actor: Actor, serverId?: string): Promise<ExportDocument> {
    const servers = await this.db
      .getRepository(Server)
      .find({ where: serverId ? { id: serverId } : {}, order: { name: 'ASC' } });
    if (serverId && servers.length === 0) throw notFound('Server', serverId);
    const ids = servers.map((s) => s.id);
    const [tools, secrets, sources, network, modules] = ids.length
      ? await Promise.all([
          this.db.getRepository(Tool).find({ where: { serverId: In(ids) }, order: { name: 'ASC' } }),
          this.db.getRepository(ServerSecret).find({
            where: { serverId: In(ids) },
            order: { keyName: 'ASC' },
            select: { serverId: true, keyName: true, description: true },
          }),
          this.db.getRepository(ExternalMcpSource).find({ where: { serverId: In(ids) }, order: { name: 'ASC' } }),
          this.db.getRepository(NetworkAccessRequest).find({
            where: { serverId: In(ids), source: 'admin', status: 'approved' },
            order: { host: 'ASC', port: 'ASC' },
          }),
          this.moduleRecords(),
        ])
      : [[], [], [], [], await this.moduleRecords()];

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
    await this.activity.record({
      logType: 'audit',
      message: `Export of ${servers.length} server(s) by ${actor.name}`,
      details: { servers: servers.map((s) => s.name), actor: actor.name },
      serverId: serverId ?? null,
    });
    return { ...body, signature: this.signer.sign(body as unknown as Record<string, unknown>) };
  }

  private async moduleRecords(): Promise<string[]> {
    const rows = await this.db.getRepository(ModuleRequest).find({
      where: { source: 'admin', status: 'approved' },
      select: { moduleName: true },
      order: { moduleName: 'ASC' },
    });
    return [...new Set(rows.map((r) => r.moduleName))];
  }
}
