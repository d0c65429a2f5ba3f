import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { countByStatus } from '../common/count-by-status';
import { conflict, invalid, notFound } from '../common/errors';
import { isUniqueViolation } from '../common/ids';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServersService } from '../servers/servers.service';
import { PassthroughToolsService } from '../tools/passthrough-tools.service';
import {
  mapExternalSource,
  type CreateExternalSourceDto,
  type ExternalSourceDto,
  type UpdateExternalSourceDto,
} from './dto/external-source.dto';
import { ExternalMcpSource, SOURCE_STATUSES, type SourceStatus } from './entities/external-mcp-source.entity';
import { headerNameRefusal } from './client/header-auth';
import { SourceClients } from './source-clients';

export { SOURCE_STATUSES, type SourceStatus };

/** The auth settings must fit together before anything is stored. */
function checkAuth(s: Pick<ExternalMcpSource, 'authType' | 'authSecretName' | 'authHeaderName'>): void {
  if ((s.authType === 'bearer' || s.authType === 'header') && !s.authSecretName)
    throw invalid(`auth_type ${s.authType} needs auth_secret_name (a key of the server's secrets)`, {
      fields: ['auth_secret_name'],
    });
  if (s.authType === 'header' && !s.authHeaderName)
    throw invalid('auth_type header needs auth_header_name (the header that carries the secret)', {
      fields: ['auth_header_name'],
    });
  const refusal = s.authHeaderName ? headerNameRefusal(s.authHeaderName) : null;
  if (refusal) throw invalid(`auth_header_name refused: ${refusal}`, { fields: ['auth_header_name'] });
}

/** How long a call may use a source row read before (writes of this service drop it at once). */
const CALL_CACHE_MS = 5000;

const dupName = (server: string, name: string) =>
  conflict(`Server ${server} already has an external source named ${name}`);

/**
 * External MCP sources of servers (docs/architecture.md#external-sources): their records and rules. Discovery and
 * import are SourceDiscoveryService's; OAuth is SourceAuthorizationService's.
 */
@Injectable()
export class ExternalSourcesService {
  private readonly callCache = new Map<string, { at: number; row: ExternalMcpSource }>();

  constructor(
    @InjectRepository(ExternalMcpSource) private readonly sources: Repository<ExternalMcpSource>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly activity: ActivityService,
    private readonly access: AccessPolicy,
    private readonly passthrough: PassthroughToolsService,
    private readonly clients: SourceClients,
  ) {}

  /** A source as given; credentials stay in the named secret. Answers its id (the import uses it). */
  async create(actor: Actor, serverId: string, dto: CreateExternalSourceDto): Promise<{ id: string }> {
    // A document may name a secret that does not fit its auth type: it is stored as given, and discover says so.
    return { id: (await this.add(actor, serverId, dto, false)).id };
  }

  /** `POST /api/external-sources/servers/{id}/sources` and `mcpbox_add_external_source`. */
  async add(actor: Actor, serverId: string, dto: CreateExternalSourceDto, strict = true): Promise<ExternalSourceDto> {
    this.access.requireMayChange(actor);
    return this.uow.run(async () => {
      const server = await this.servers.findOrFail(serverId, { lock: true });
      const repo = this.repo;
      if (await repo.exists({ where: { serverId, name: dto.name } })) throw dupName(server.name, dto.name);
      const source = repo.create({
        serverId,
        name: dto.name,
        url: dto.url,
        authType: dto.auth_type ?? 'none',
        authSecretName: dto.auth_secret_name ?? null,
        authHeaderName: dto.auth_header_name ?? null,
        transportType: dto.transport_type ?? 'streamable_http',
        status: 'active',
        statusMessage: null,
        toolCount: 0,
        discoveredToolsCache: null,
        lastDiscoveredAt: null,
      });
      if (strict) checkAuth(source);
      const saved = await repo.save(source).catch((err: unknown) => {
        throw isUniqueViolation(err) ? dupName(server.name, dto.name) : err;
      });
      await this.activity.audit(actor, {
        message: `External source ${dto.name} added to server ${server.name} by ${actor.name}`,
        details: {
          source_id: saved.id,
          name: dto.name,
          auth_type: saved.authType,
          transport_type: saved.transportType,
        },
        serverId,
      });
      return mapExternalSource(saved);
    });
  }

  async list(_actor: Actor, serverId: string, query: PaginationQueryDto): Promise<Page<ExternalSourceDto>> {
    await this.servers.findOrFail(serverId);
    const req = pageRequest(query);
    const [items, total] = await this.repo.findAndCount({
      where: { serverId },
      order: { name: 'ASC' },
      skip: req.skip,
      take: req.take,
    });
    return toPage(items.map(mapExternalSource), total, req);
  }

  async get(_actor: Actor, id: string): Promise<ExternalSourceDto> {
    return mapExternalSource(await this.findOrFail(id));
  }

  /** A changed URL, transport or auth drops the open connections; disabling stops serving its tools. */
  async update(actor: Actor, id: string, dto: UpdateExternalSourceDto): Promise<ExternalSourceDto> {
    this.access.requireMayChange(actor);
    const saved = await this.uow.run(async () => {
      const repo = this.repo;
      const source = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!source) throw notFound('External source', id);
      const server = await this.servers.findOrFail(source.serverId);
      if (dto.name !== undefined && dto.name !== source.name) {
        if (await repo.exists({ where: { serverId: source.serverId, name: dto.name } }))
          throw dupName(server.name, dto.name);
        source.name = dto.name;
      }
      const connectionChanged =
        (dto.url !== undefined && dto.url !== source.url) ||
        (dto.transport_type !== undefined && dto.transport_type !== source.transportType) ||
        (dto.auth_type !== undefined && dto.auth_type !== source.authType);
      if (dto.url !== undefined) source.url = dto.url;
      if (dto.transport_type !== undefined) source.transportType = dto.transport_type;
      if (dto.auth_type !== undefined) source.authType = dto.auth_type;
      if (dto.auth_secret_name !== undefined) source.authSecretName = dto.auth_secret_name;
      if (dto.auth_header_name !== undefined) source.authHeaderName = dto.auth_header_name;
      checkAuth(source);
      if (dto.status !== undefined) {
        source.status = dto.status;
        source.statusMessage = null;
      } else if (connectionChanged) {
        source.status = 'active';
        source.statusMessage = null;
      }
      // OAuth tokens belong to the URL they were granted for.
      if (connectionChanged) await this.repo.update({ id }, { oauthState: null });
      const out = await repo.save(source).catch((err: unknown) => {
        throw isUniqueViolation(err) ? dupName(server.name, source.name) : err;
      });
      await this.activity.audit(actor, {
        message: `External source ${out.name} of server ${server.name} updated by ${actor.name}`,
        details: { source_id: out.id, fields: Object.keys(dto) },
        serverId: out.serverId,
      });
      await this.passthrough.sourceChanged(out.serverId);
      return out;
    });
    this.callCache.delete(id);
    await this.clients.close(id);
    return mapExternalSource(saved);
  }

  /** The source goes; the tools imported from it stay, unlinked and unloaded, each with a note. */
  async delete(actor: Actor, id: string): Promise<void> {
    this.access.requireMayChange(actor);
    await this.uow.run(async () => {
      const repo = this.repo;
      const source = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!source) throw notFound('External source', id);
      const server = await this.servers.findOrFail(source.serverId);
      const note = `External source ${source.name} (${source.url.split('?')[0]}) was deleted on ${new Date().toISOString()} by ${actor.name}; this tool no longer forwards anywhere and is not served. Delete it, or import it again from a new source.`;
      const unlinked = await this.passthrough.unlinkSource(source.id, note);
      await repo.delete({ id });
      await this.activity.audit(actor, {
        message: `External source ${source.name} deleted from server ${server.name} by ${actor.name}; ${unlinked} imported tool(s) kept, unlinked`,
        details: { source_id: source.id, name: source.name, unlinked_tools: unlinked },
        serverId: source.serverId,
      });
    });
    this.callCache.delete(id);
    await this.clients.close(id);
  }

  /** The row (for the discovery and OAuth services). */
  async findOrFail(id: string): Promise<ExternalMcpSource> {
    const source = await this.repo.findOneBy({ id });
    if (!source) throw notFound('External source', id);
    return source;
  }

  /**
   * The row for a call (the gateway's hot path), kept in memory: every write of this
   * service drops it, and it is read again at least every few seconds.
   */
  async forCall(id: string): Promise<ExternalMcpSource> {
    const hit = this.callCache.get(id);
    if (hit && Date.now() - hit.at < CALL_CACHE_MS) return hit.row;
    const row = await this.findOrFail(id);
    this.callCache.set(id, { at: Date.now(), row });
    return row;
  }

  /** Rows by id (the gateway's passthrough tools). */
  async byIds(ids: string[]): Promise<ExternalMcpSource[]> {
    if (!ids.length) return [];
    return this.repo.findBy({ id: In(ids) });
  }

  /** Rows that have been discovered (their change streams resume at start-up). */
  discovered(): Promise<ExternalMcpSource[]> {
    return this.repo
      .createQueryBuilder('s')
      .where('s.last_discovered_at IS NOT NULL')
      .andWhere("s.status <> 'disabled'")
      .getMany();
  }

  /** Records what a connection attempt taught about the source (status and why). */
  async setStatus(id: string, status: SourceStatus, message: string | null): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .update(ExternalMcpSource)
      .set({ status, statusMessage: message })
      .where('id = :id', { id })
      .andWhere("status <> 'disabled'")
      .andWhere('(status <> :status OR status_message IS DISTINCT FROM :message)', { status, message })
      .execute();
    this.callCache.delete(id);
    return (res.affected ?? 0) > 0;
  }

  /** Stores a discovery's result. */
  async saveDiscovery(id: string, tools: unknown[], at: Date): Promise<ExternalMcpSource> {
    this.callCache.delete(id);
    const source = await this.findOrFail(id);
    Object.assign(source, {
      discoveredToolsCache: tools,
      toolCount: tools.length,
      lastDiscoveredAt: at,
      status: 'active',
      statusMessage: null,
    });
    return this.repo.save(source);
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
