import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import { NetworkAccessRequest } from './entities/network-access-request.entity';
import type { Actor } from '../common/actor';
import { countByStatus } from '../common/count-by-status';
import { conflict, notFound } from '../common/errors';
import { approveCovered } from '../common/request-queries';
import { REQUEST_STATUSES, type RequestStatus } from '../common/request-status';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServerChangesService } from '../server-changes/server-changes.service';
import type { AllowedHost } from '../servers/entities/server.entity';
import { ServersService } from '../servers/servers.service';
import type { AllowedHostInputDto, AllowedHostsDto } from './dto/allowed-host.dto';
import { formatHost, normalizeHost, normalizePort } from './host-rules';

/**
 * Network allowances of servers (docs/approvals.md#network-allowances). The `network_access_requests` rows are the
 * truth; `servers.allowed_hosts` is a cache that only `recomputeAllowedHosts` writes, from
 * every approved record of the server. An admin's own addition is a record too
 * (`source: admin`, `approved`, reviewed by that admin), so every allowance has a trail.
 */
@Injectable()
export class NetworkAccessService {
  constructor(
    @InjectRepository(NetworkAccessRequest) private readonly records: Repository<NetworkAccessRequest>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  /** Allows `host` (and `port`, or any port when absent) for the server; answers with the new cache. */
  async addAdminHost(actor: Actor, serverId: string, dto: AllowedHostInputDto): Promise<AllowedHostsDto> {
    requireAdmin(actor, 'allow a host for a server (a tool asks through a network access request)');
    const h = normalizeHost(dto.host);
    const p = normalizePort(dto.port);
    return this.uow.run(async () => {
      // Locking the server serialises changes to its records: the duplicate check and the recompute see a stable set.
      const server = await this.servers.findOrFail(serverId, { lock: true });
      const repo = this.repo;
      if (await repo.exists({ where: { serverId, host: h, port: p ?? IsNull(), status: 'approved' } })) {
        throw conflict(`${formatHost(h, p)} is already allowed for server ${server.name}`);
      }
      await repo.save(
        repo.create({
          serverId,
          toolId: null,
          host: h,
          port: p,
          source: 'admin',
          status: 'approved',
          requestedBy: actor.name,
          reviewedBy: actor.name,
          reviewedAt: new Date(),
          justification: null,
        }),
      );
      await this.activity.audit(actor, {
        message: `Host ${formatHost(h, p)} allowed for server ${server.name} by ${actor.name}`,
        details: { host: h, port: p, source: 'admin', reviewer: actor.name },
        serverId,
      });
      await this.settleCovered(actor, { serverId, host: h, port: p }, `${actor.name} allowed it for the server`);
      return { server_id: serverId, allowed_hosts: await this.recomputeAllowedHosts(serverId) };
    });
  }

  /** Removes the admin record for exactly this host and port; answers with the new cache. */
  async removeAdminHost(actor: Actor, serverId: string, dto: AllowedHostInputDto): Promise<AllowedHostsDto> {
    requireAdmin(actor, 'remove an allowed host');
    const h = normalizeHost(dto.host);
    const p = normalizePort(dto.port);
    return this.uow.run(async () => {
      const server = await this.servers.findOrFail(serverId, { lock: true });
      const result = await this.repo.delete({
        serverId,
        host: h,
        port: p ?? IsNull(),
        source: 'admin',
        status: 'approved',
      });
      if (!result.affected) {
        throw notFound(
          'Admin network record',
          `${formatHost(h, p)} of server ${server.name} (allowances granted by approving a tool's request are not removed here)`,
        );
      }
      await this.activity.audit(actor, {
        message: `Host ${formatHost(h, p)} no longer allowed for server ${server.name} (removed by ${actor.name})`,
        details: { host: h, port: p, source: 'admin', reviewer: actor.name },
        serverId,
      });
      return { server_id: serverId, allowed_hosts: await this.recomputeAllowedHosts(serverId) };
    });
  }

  /**
   * Approves the server's pending requests an allowance just granted covers, by the same
   * reviewer: the host on any port covers every port, a host and port that port only.
   * Allowances are per server, so such a request would ask a question already answered.
   * `how` tells the requester and the audit log how it came to be allowed. Call it inside
   * the unit of work that granted the allowance, with the server locked.
   */
  async settleCovered(
    reviewer: Actor,
    granted: { serverId: string; host: string; port: number | null },
    how: string,
  ): Promise<void> {
    const { serverId, host, port } = granted;
    const covered = { serverId, host, ...(port === null ? {} : { port }) };
    for (const row of await approveCovered(this.repo, covered, reviewer.name))
      await this.activity.audit(reviewer, {
        message: `Network access to ${formatHost(row.host, row.port)} approved by ${reviewer.name}: ${how}`,
        details: {
          request_id: row.id,
          tool_id: row.toolId,
          host: row.host,
          port: row.port,
          decision: 'approve',
          reviewer: reviewer.name,
          covered: how,
        },
        serverId,
      });
  }

  /**
   * A record of a document that could not be trusted (unsigned import): a pending request
   * for the admin, which grants nothing until approved. `origin` says where it came from.
   */
  async requestFromImport(
    actor: Actor,
    serverId: string,
    dto: AllowedHostInputDto,
    origin: { requestedBy: string; justification: string },
  ): Promise<void> {
    requireAdmin(actor, 'import servers');
    const h = normalizeHost(dto.host);
    const p = normalizePort(dto.port);
    await this.uow.run(async () => {
      const server = await this.servers.findOrFail(serverId, { lock: true });
      const repo = this.repo;
      if (await repo.exists({ where: { serverId, host: h, port: p ?? IsNull(), status: 'pending' } }))
        throw conflict(`A request for ${formatHost(h, p)} is already pending for server ${server.name}`);
      await repo.save(
        repo.create({
          serverId,
          toolId: null,
          host: h,
          port: p,
          source: 'import',
          status: 'pending',
          requestedBy: origin.requestedBy,
          justification: origin.justification,
        }),
      );
    });
  }

  /**
   * Rewrites `servers.allowed_hosts` from every approved record of the server (the one
   * writer of that cache) and announces the change after the commit. Distinct (host, port)
   * pairs, by host then port (any-port first), so the cache is stable for equal record sets.
   * Call it inside the unit of work that changed the records (NetworkRequestsService too).
   */
  async recomputeAllowedHosts(serverId: string): Promise<AllowedHost[]> {
    const rows = await this.repo.find({ where: { serverId, status: 'approved' }, select: { host: true, port: true } });
    const seen = new Map<string, AllowedHost>();
    for (const r of rows) seen.set(`${r.host}|${r.port ?? ''}`, { host: r.host, port: r.port ?? null });
    const hosts = [...seen.values()].sort((a, b) =>
      a.host === b.host ? (a.port ?? 0) - (b.port ?? 0) : a.host < b.host ? -1 : 1,
    );
    await this.servers.setAllowedHosts(serverId, hosts);
    await this.changes.publish({ serverId, kind: 'network' });
    return hosts;
  }

  /** Requests by status, for the approvals stats. */
  countByStatus(): Promise<Record<RequestStatus, number>> {
    return countByStatus(this.repo, 'status', REQUEST_STATUSES);
  }

  /** The admin-sourced, approved records of these servers (what an export carries), by host then port. */
  async adminRecords(serverIds: string[]): Promise<NetworkAccessRequest[]> {
    if (!serverIds.length) return [];
    return this.repo.find({
      where: { serverId: In(serverIds), source: 'admin', status: 'approved' },
      order: { host: 'ASC', port: 'ASC' },
    });
  }

  private get repo(): Repository<NetworkAccessRequest> {
    return this.uow.with(this.records);
  }
}
