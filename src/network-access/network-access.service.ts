import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import { NetworkAccessRequest } from '../approvals/entities/network-access-request.entity';
import type { Actor } from '../common/actor';
import { conflict, notFound } from '../common/errors';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { Server, type AllowedHost } from '../servers/entities/server.entity';
import type { AllowedHostInputDto, AllowedHostsDto } from './dto/allowed-host.dto';
import { formatHost, normalizeHost, normalizePort } from './host-rules';

export interface NetworkTxOptions {
  /** Run inside the caller's transaction; the caller then publishes the change after commit. */
  manager?: EntityManager;
}

/**
 * Network allowances of servers (SPEC §8). The `network_access_requests` rows are the
 * truth; `servers.allowed_hosts` is a cache that only `recomputeAllowedHosts` writes, from
 * every approved record of the server. An admin's own addition is a record too
 * (`source: admin`, `approved`, reviewed by that admin), so every allowance has a trail.
 */
@Injectable()
export class NetworkAccessService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  /** Allows `host` (and `port`, or any port when absent) for the server; answers with the new cache. */
  async addAdminHost(
    actor: Actor,
    serverId: string,
    dto: AllowedHostInputDto,
    opts: NetworkTxOptions = {},
  ): Promise<AllowedHostsDto> {
    requireAdmin(actor, 'allow a host for a server (a tool asks through a network access request)');
    const h = normalizeHost(dto.host);
    const p = normalizePort(dto.port);
    const run = async (tx: EntityManager) => {
      const server = await this.lockServer(serverId, tx);
      const repo = tx.getRepository(NetworkAccessRequest);
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
      await this.activity.record(
        {
          logType: 'audit',
          message: `Host ${formatHost(h, p)} allowed for server ${server.name} by ${actor.name}`,
          details: { host: h, port: p, source: 'admin', reviewer: actor.name },
          serverId,
        },
        tx,
      );
      return this.recomputeAllowedHosts(serverId, tx);
    };
    if (opts.manager) return { server_id: serverId, allowed_hosts: await run(opts.manager) };
    const hosts = await this.db.transaction(run);
    await this.changes.publish({ serverId, kind: 'network' });
    return { server_id: serverId, allowed_hosts: hosts };
  }

  /** Removes the admin record for exactly this host and port; answers with the new cache. */
  async removeAdminHost(actor: Actor, serverId: string, dto: AllowedHostInputDto): Promise<AllowedHostsDto> {
    requireAdmin(actor, 'remove an allowed host');
    const h = normalizeHost(dto.host);
    const p = normalizePort(dto.port);
    const hosts = await this.db.transaction(async (tx) => {
      const server = await this.lockServer(serverId, tx);
      const result = await tx
        .getRepository(NetworkAccessRequest)
        .delete({ serverId, host: h, port: p ?? IsNull(), source: 'admin', status: 'approved' });
      if (!result.affected) {
        throw notFound(
          'Admin network record',
          `${formatHost(h, p)} of server ${server.name} (allowances granted by approving a tool's request are not removed here)`,
        );
      }
      await this.activity.record(
        {
          logType: 'audit',
          message: `Host ${formatHost(h, p)} no longer allowed for server ${server.name} (removed by ${actor.name})`,
          details: { host: h, port: p, source: 'admin', reviewer: actor.name },
          serverId,
        },
        tx,
      );
      return this.recomputeAllowedHosts(serverId, tx);
    });
    await this.changes.publish({ serverId, kind: 'network' });
    return { server_id: serverId, allowed_hosts: hosts };
  }

  /** The server's current cache (what the sandbox enforces). */
  async allowedHosts(serverId: string): Promise<AllowedHost[]> {
    const server = await this.db
      .getRepository(Server)
      .findOne({ where: { id: serverId }, select: { id: true, allowedHosts: true } });
    if (!server) throw notFound('Server', serverId);
    return server.allowedHosts;
  }

  /**
   * Rewrites `servers.allowed_hosts` from every approved record of the server, in the
   * caller's transaction; the one writer of that cache. Distinct (host, port) pairs, by
   * host then port (any-port first), so the cache is stable for equal record sets.
   */
  async recomputeAllowedHosts(serverId: string, manager: EntityManager): Promise<AllowedHost[]> {
    const rows = await manager
      .getRepository(NetworkAccessRequest)
      .find({ where: { serverId, status: 'approved' }, select: { host: true, port: true } });
    const seen = new Map<string, AllowedHost>();
    for (const r of rows) seen.set(`${r.host}|${r.port ?? ''}`, { host: r.host, port: r.port ?? null });
    const hosts = [...seen.values()].sort((a, b) =>
      a.host === b.host ? (a.port ?? 0) - (b.port ?? 0) : a.host < b.host ? -1 : 1,
    );
    await manager.getRepository(Server).update({ id: serverId }, { allowedHosts: hosts });
    return hosts;
  }

  /** Serialises changes to one server's records, so a duplicate check and the recompute see a stable set. */
  private async lockServer(serverId: string, tx: EntityManager): Promise<Pick<Server, 'id' | 'name'>> {
    const server = await tx
      .getRepository(Server)
      .findOne({ where: { id: serverId }, select: { id: true, name: true }, lock: { mode: 'pessimistic_write' } });
    if (!server) throw notFound('Server', serverId);
    return server;
  }
}
