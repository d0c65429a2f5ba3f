import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, invalid } from '../common/errors';
import { toPage, type Page } from '../common/pagination';
import {
  findRequests,
  insertPendingRequest,
  pendingRequestOrFail,
  requestNames,
  requestQueuePage,
} from '../common/request-queries';
import { checkRequestAction, recordDecision } from '../common/request-decisions';
import type { RequestActionDto, RequestQueueQueryDto } from '../common/request-queue.dto';
import type { RequestStatus } from '../common/request-status';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServersService } from '../servers/servers.service';
import { SettingsService } from '../settings/settings.service';
import { mapNetworkRequest, type NetworkRequestDto, type RequestNetworkAccessDto } from './dto/network-request.dto';
import { NetworkAccessRequest } from './entities/network-access-request.entity';
import { formatHost, normalizeHost, normalizePort } from './host-rules';
import { NetworkAccessService } from './network-access.service';

/**
 * A tool's requests for network hosts and their queue (docs/approvals.md#network-allowances). An LLM asks
 * (`mcpbox_request_network_access`); an admin approves — the server's `allowed_hosts`
 * cache is recomputed and running servers follow at once — or rejects with a reason. At
 * most one pending request per (tool, host, port): two partial unique indexes (one for a
 * given port, one for "any port", since NULLs are distinct) say so; their violation is the 409.
 */
@Injectable()
export class NetworkRequestsService {
  constructor(
    @InjectRepository(NetworkAccessRequest) private readonly records: Repository<NetworkAccessRequest>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly network: NetworkAccessService,
    private readonly settings: SettingsService,
    private readonly activity: ActivityService,
    private readonly access: AccessPolicy,
  ) {}

  /** `mcpbox_request_network_access`: a pending request for the tool's server. */
  async request(actor: Actor, toolId: string, dto: RequestNetworkAccessDto): Promise<NetworkRequestDto> {
    this.access.requireMayChange(actor);
    const host = normalizeHost(dto.host);
    const port = normalizePort(dto.port);
    const justification = dto.justification.trim();
    if (!justification)
      throw invalid('justification is required: say why the tool needs this host', { fields: ['justification'] });
    const tool = await this.servers.toolOrFail(toolId);
    const where = formatHost(host, port);
    const covered = await this.repo.exists({
      where: [
        { serverId: tool.serverId, host, port: IsNull(), status: 'approved' },
        ...(port === null ? [] : [{ serverId: tool.serverId, host, port, status: 'approved' as const }]),
      ],
    });
    if (covered) throw conflict(`${where} is already allowed for this tool's server: the code may call it`);
    const row = await this.uow.run(async () => {
      const saved = await insertPendingRequest(
        this.repo,
        actor,
        { toolId: tool.id, serverId: tool.serverId, host, port, justification },
        { what: where, toolName: tool.name },
      );
      await this.activity.audit(actor, {
        message: `Network access to ${where} requested by ${actor.name} for tool ${tool.name}`,
        details: { request_id: saved.id, tool_id: tool.id, host, port, justification },
        serverId: tool.serverId,
      });
      return saved;
    });
    return this.view(row, this.policyNote());
  }

  /** `POST /api/approvals/network/{id}/action`. */
  async act(actor: Actor, id: string, dto: RequestActionDto): Promise<NetworkRequestDto> {
    requireAdmin(actor, 'decide a network request');
    checkRequestAction(dto);
    const reason = dto.reason?.trim() ?? '';
    const saved = await this.uow.run(async () => {
      const row = await pendingRequestOrFail(this.repo, id, 'network', true);
      // The server's lock, taken before any write, serialises the recomputes of its cache: a
      // concurrent decision reads the records after this commit (and no two wait on each other).
      await this.servers.findOrFail(row.serverId, { lock: true });
      const approve = dto.action === 'approve';
      recordDecision(row, dto.action, actor.name, reason);
      await this.repo.save(row);
      const where = formatHost(row.host, row.port);
      await this.activity.audit(actor, {
        message: approve
          ? `Network access to ${where} approved by ${actor.name}`
          : `Network access to ${where} rejected by ${actor.name}: ${reason}`,
        details: {
          request_id: row.id,
          tool_id: row.toolId,
          host: row.host,
          port: row.port,
          decision: dto.action,
          reviewer: actor.name,
          ...(approve ? {} : { reason }),
        },
        serverId: row.serverId,
      });
      if (approve) await this.network.settleCovered(actor, row, `allowed when request ${row.id} was approved`);
      await this.network.recomputeAllowedHosts(row.serverId);
      return row;
    });
    return this.view(saved);
  }

  /** The queue: oldest request first. */
  async listQueue(_actor: Actor, query: RequestQueueQueryDto): Promise<Page<NetworkRequestDto>> {
    const { rows, total, req } = await requestQueuePage(this.repo, query, 'host', (search) =>
      this.servers.idsNamedLike(search),
    );
    return toPage(await this.views(rows), total, req);
  }

  /** A tool's requests, or a server's (or every) request in these states, newest first (the LLM's views). */
  async find(
    where: { toolId?: string; serverId?: string; statuses?: RequestStatus[] },
    limit = 100,
  ): Promise<NetworkRequestDto[]> {
    return this.views(await findRequests(this.repo, where, limit));
  }

  private policyNote(): string | null {
    return this.settings.get('network_access_policy') === 'allow_all_public'
      ? 'network_access_policy=allow_all_public: public addresses are reachable now without approval; an approval is still needed for private addresses (and if the policy returns to require_approval)'
      : null;
  }

  private async view(row: NetworkAccessRequest, note: string | null = null): Promise<NetworkRequestDto> {
    const [dto] = await this.views([row]);
    return { ...dto, note };
  }

  private async views(rows: NetworkAccessRequest[]): Promise<NetworkRequestDto[]> {
    const names = await requestNames(this.servers, rows);
    return rows.map((r) => mapNetworkRequest(r, names));
  }

  private get repo(): Repository<NetworkAccessRequest> {
    return this.uow.with(this.records);
  }
}
