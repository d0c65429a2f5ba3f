import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { countByStatus } from '../common/count-by-status';
import { conflict } from '../common/errors';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServersService } from '../servers/servers.service';
import type { CreateExternalSourceDto } from './dto/external-source.dto';
import { ExternalMcpSource } from './entities/external-mcp-source.entity';

/** Every state a source can be in (docs/architecture.md#external-source-records). */
export const SOURCE_STATUSES = ['active', 'error', 'disabled', 'needs_auth'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

/**
 * External MCP sources of servers (docs/architecture.md#external-sources): their records and rules. Discovery, the
 * passthrough tools and the sources API arrive with the external sources issue; today the
 * import creates sources here and the export reads them here.
 */
@Injectable()
export class ExternalSourcesService {
  constructor(
    @InjectRepository(ExternalMcpSource) private readonly sources: Repository<ExternalMcpSource>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly activity: ActivityService,
    private readonly access: AccessPolicy,
  ) {}

  /** A source as given; credentials stay in the named secret. Answers its id. */
  async create(actor: Actor, serverId: string, dto: CreateExternalSourceDto): Promise<{ id: string }> {
    this.access.requireMayChange(actor);
    return this.uow.run(async () => {
      const server = await this.servers.findOrFail(serverId, { lock: true });
      const repo = this.repo;
      if (await repo.exists({ where: { serverId, name: dto.name } }))
        throw conflict(`Server ${server.name} already has an external source named ${dto.name}`);
      const saved = await repo.save(
        repo.create({
          serverId,
          name: dto.name,
          url: dto.url,
          authType: dto.auth_type ?? 'none',
          authSecretName: dto.auth_secret_name ?? null,
          authHeaderName: dto.auth_header_name ?? null,
          transportType: dto.transport_type ?? 'streamable_http',
          status: 'active',
          toolCount: 0,
          discoveredToolsCache: null,
          lastDiscoveredAt: null,
        }),
      );
      await this.activity.audit(actor, {
        message: `External source ${dto.name} added to server ${server.name} by ${actor.name}`,
        details: { source_id: saved.id, name: dto.name },
        serverId,
      });
      return { id: saved.id };
    });
  }

  /** The sources of these servers, by name (the export). */
  async ofServers(serverIds: string[]): Promise<ExternalMcpSource[]> {
    if (!serverIds.length) return [];
    return this.repo.find({ where: { serverId: In(serverIds) }, order: { name: 'ASC' } });
  }

  /** Sources per status (health). */
  countByStatus(): Promise<Record<SourceStatus, number>> {
    return countByStatus(this.repo, 'status', SOURCE_STATUSES);
  }

  private get repo(): Repository<ExternalMcpSource> {
    return this.uow.with(this.sources);
  }
}
