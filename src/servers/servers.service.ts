import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, notFound } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { Tool } from '../tools/entities/tool.entity';
import { Server } from './entities/server.entity';
import { checkUuid, isUniqueViolation } from '../common/ids';
import { checkServerInput, type CreateServerInput, type UpdateServerInput } from './server-rules';

export interface ServerWithCount {
  server: Server;
  toolCount: number;
}

/**
 * Servers: the named groups of tools the MCP gateway exposes as `{server}__{tool}`. One
 * code path for the Admin API and the MCP management tools.
 */
@Injectable()
export class ServersService {
  constructor(
    @InjectRepository(Server) private readonly servers: Repository<Server>,
    @InjectRepository(Tool) private readonly tools: Repository<Tool>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  async list(query: PaginationQueryDto = {}): Promise<Page<ServerWithCount>> {
    const req = pageRequest(query);
    const [servers, total] = await this.servers.findAndCount({
      order: { name: 'ASC' },
      skip: req.skip,
      take: req.take,
    });
    const counts = await this.toolCounts(servers.map((s) => s.id));
    return toPage(
      servers.map((server) => ({ server, toolCount: counts.get(server.id) ?? 0 })),
      total,
      req,
    );
  }

  /**
   * The server, or a 404-kind error; `manager` reads inside a caller's transaction, and
   * `lock` (with a manager) holds the row until it ends, serialising work on one server.
   */
  async findOrFail(id: string, manager?: EntityManager, opts: { lock?: boolean } = {}): Promise<Server> {
    checkUuid(id, 'server_id');
    const repo = manager ? manager.getRepository(Server) : this.servers;
    const server = await repo.findOne({
      where: { id },
      ...(manager && opts.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!server) throw notFound('Server', id);
    return server;
  }

  async findByName(name: string, manager?: EntityManager): Promise<Server | null> {
    return (manager ? manager.getRepository(Server) : this.servers).findOneBy({ name });
  }

  /** The server with its tools (ordered by name). */
  async get(id: string): Promise<{ server: Server; tools: Tool[] }> {
    const server = await this.findOrFail(id);
    const tools = await this.tools.find({ where: { serverId: id }, order: { name: 'ASC' } });
    return { server, tools };
  }

  /**
   * Creates a server. With `manager` it runs inside the caller's transaction (import) and
   * the caller publishes any change after its commit.
   */
  async create(input: CreateServerInput, actor: Actor, manager?: EntityManager): Promise<Server> {
    checkServerInput(input, false);
    const run = async (tx: EntityManager): Promise<Server> => {
      if (await this.findByName(input.name, tx)) throw conflict(`A server named "${input.name}" already exists`);
      const repo = tx.getRepository(Server);
      const server = await repo
        .save(
          repo.create({
            name: input.name,
            description: input.description ?? null,
            defaultTimeoutMs: input.default_timeout_ms ?? 30000,
            status: 'ready',
            allowedHosts: [],
          }),
        )
        .catch((err: unknown) => {
          throw isUniqueViolation(err) ? conflict(`A server named "${input.name}" already exists`) : err;
        });
      await this.activity.record(
        {
          logType: 'audit',
          message: `Server ${server.name} created by ${actor.name}`,
          details: { actor: actor.name, actor_kind: actor.kind, server_id: server.id },
          serverId: server.id,
        },
        tx,
      );
      return server;
    };
    return manager ? run(manager) : this.db.transaction(run);
  }

  async update(id: string, input: UpdateServerInput, actor: Actor): Promise<ServerWithCount> {
    checkServerInput(input, true);
    const server = await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(Server);
      const current = await repo.findOne({
        where: { id: checkUuid(id, 'server_id') },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw notFound('Server', id);
      const changed: string[] = [];
      if (input.name !== undefined && input.name !== current.name) {
        const clash = await this.findByName(input.name, tx);
        if (clash) throw conflict(`A server named "${input.name}" already exists`);
        current.name = input.name;
        changed.push('name');
      }
      if (input.description !== undefined && input.description !== current.description) {
        current.description = input.description;
        changed.push('description');
      }
      if (input.default_timeout_ms !== undefined && input.default_timeout_ms !== current.defaultTimeoutMs) {
        current.defaultTimeoutMs = input.default_timeout_ms;
        changed.push('default_timeout_ms');
      }
      if (!changed.length) return current;
      const saved = await repo.save(current).catch((err: unknown) => {
        throw isUniqueViolation(err) ? conflict(`A server named "${input.name}" already exists`) : err;
      });
      await this.activity.record(
        {
          logType: 'audit',
          message: `Server ${saved.name} updated by ${actor.name}: ${changed.join(', ')}`,
          details: { actor: actor.name, actor_kind: actor.kind, changed },
          serverId: saved.id,
        },
        tx,
      );
      return saved;
    });
    // A rename changes the visible `{server}__{tool}` names; a timeout change applies to the next call.
    await this.changes.publish({ serverId: server.id, kind: 'server' });
    return { server, toolCount: (await this.toolCounts([server.id])).get(server.id) ?? 0 };
  }

  /** Deletes the server; its tools, versions, secrets, sources, requests and logs go with it (FK cascades). */
  async delete(id: string, actor: Actor): Promise<void> {
    const server = await this.findOrFail(id);
    await this.db.transaction(async (tx) => {
      await tx.getRepository(Server).delete({ id: server.id });
      // serverId stays null: an entry bound to the server would be cascaded away with it.
      await this.activity.record(
        {
          logType: 'audit',
          message: `Server ${server.name} deleted by ${actor.name}`,
          details: { actor: actor.name, actor_kind: actor.kind, server_id: server.id, server_name: server.name },
        },
        tx,
      );
    });
    await this.changes.publish({ serverId: server.id, kind: 'deleted' });
  }

  private async toolCounts(ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows = await this.tools
      .createQueryBuilder('t')
      .select('t.server_id', 'server_id')
      .addSelect('COUNT(*)::int', 'count')
      .where({ serverId: In(ids) })
      .groupBy('t.server_id')
      .getRawMany<{ server_id: string; count: number }>();
    return new Map(rows.map((r) => [r.server_id, Number(r.count)]));
  }
}
