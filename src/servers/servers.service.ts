import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import { auditChanges } from '../activity/audit-changes';
import type { Actor } from '../common/actor';
import { conflict, notFound } from '../common/errors';
import { isUniqueViolation } from '../common/ids';
import { countByStatus } from '../common/count-by-status';
import { containsPattern } from '../common/like';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServerChangesService } from '../server-changes/server-changes.service';
import {
  mapServer,
  mapServerDetail,
  type CreateServerDto,
  type ServerDetailDto,
  type ServerDto,
  type UpdateServerDto,
} from './dto/server.dto';
import { Server, SERVER_STATUSES, type AllowedHost, type ServerStatus } from './entities/server.entity';
import type { ServerToolsReader, ToolRef } from './server-tools';

const nameTaken = (name: string) => conflict(`A server named "${name}" already exists`);

/**
 * Servers: the named groups of tools the MCP gateway exposes as `{server}__{tool}`. Every
 * operation takes the caller and its validated input and answers with its view: the Admin
 * API and the MCP management tools call the same methods.
 */
@Injectable()
export class ServersService {
  private tools?: ServerToolsReader;

  constructor(
    @InjectRepository(Server) private readonly servers: Repository<Server>,
    private readonly uow: UnitOfWork,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
    private readonly access: AccessPolicy,
  ) {}

  // ── operations ────────────────────────────────────────────────────────────────────

  /** Servers by name, each with its tool count. */
  async list(_actor: Actor, query: PaginationQueryDto): Promise<Page<ServerDto>> {
    const req = pageRequest(query);
    const [servers, total] = await this.repo.findAndCount({
      order: { name: 'ASC' },
      skip: req.skip,
      take: req.take,
    });
    const counts = await this.toolsReader.countsByServer(servers.map((s) => s.id));
    return toPage(
      servers.map((s) => mapServer(s, counts.get(s.id) ?? 0)),
      total,
      req,
    );
  }

  /** The server with its tools (by name, without their code). */
  async get(_actor: Actor, id: string): Promise<ServerDetailDto> {
    const server = await this.findOrFail(id);
    return mapServerDetail(server, await this.toolsReader.summariesOf(id));
  }

  async create(actor: Actor, dto: CreateServerDto): Promise<ServerDto> {
    this.access.requireMayChange(actor);
    return this.uow.run(async () => mapServer(await this.insert(actor, dto), 0));
  }

  async update(actor: Actor, id: string, dto: UpdateServerDto): Promise<ServerDto> {
    this.access.requireMayChange(actor);
    const server = await this.uow.run(async () => {
      const current = await this.findOrFail(id, { lock: true });
      const values = (x: Server) => ({
        name: x.name,
        description: x.description,
        default_timeout_ms: x.defaultTimeoutMs,
      });
      const before = values(current);
      const changed: string[] = [];
      if (dto.name !== undefined && dto.name !== current.name) {
        if (await this.findByName(dto.name)) throw nameTaken(dto.name);
        current.name = dto.name;
        changed.push('name');
      }
      if (dto.description !== undefined && dto.description !== current.description) {
        current.description = dto.description;
        changed.push('description');
      }
      if (dto.default_timeout_ms !== undefined && dto.default_timeout_ms !== current.defaultTimeoutMs) {
        current.defaultTimeoutMs = dto.default_timeout_ms;
        changed.push('default_timeout_ms');
      }
      if (changed.length) {
        await this.repo.save(current).catch((err: unknown) => {
          throw isUniqueViolation(err) ? nameTaken(current.name) : err;
        });
        await this.audit(actor, current, `Server ${current.name} updated by ${actor.name}: ${changed.join(', ')}`, {
          changed,
          changes: auditChanges(before, values(current), changed),
        });
      }
      // A rename changes the visible `{server}__{tool}` names; a timeout change applies to the next call.
      await this.changes.publish({ serverId: current.id, kind: 'server' });
      return current;
    });
    return mapServer(server, (await this.toolsReader.countsByServer([server.id])).get(server.id) ?? 0);
  }

  /** Deletes the server; its tools, versions, secrets, sources, requests and logs go with it (FK cascades). */
  async delete(actor: Actor, id: string): Promise<void> {
    this.access.requireMayChange(actor);
    await this.uow.run(async () => {
      const server = await this.findOrFail(id, { lock: true });
      await this.repo.delete({ id: server.id });
      // serverId stays null: an entry bound to the server would be cascaded away with it.
      await this.activity.audit(actor, {
        message: `Server ${server.name} deleted by ${actor.name}`,
        details: { server_id: server.id, server_name: server.name },
      });
      await this.changes.publish({ serverId: server.id, kind: 'deleted' });
    });
  }

  // ── for other features ────────────────────────────────────────────────────────────

  /** The tools feature (which depends on servers, not the other way round) tells servers about their tools. */
  attachTools(reader: ServerToolsReader): void {
    this.tools = reader;
  }

  /**
   * The server, or a 404-kind error. Inside a unit of work `lock` holds the row until the
   * transaction ends, serialising work on one server (tool names, network records).
   */
  async findOrFail(id: string, opts: { lock?: boolean } = {}): Promise<Server> {
    const server = await this.repo.findOne({
      where: { id },
      ...(opts.lock && this.uow.active ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!server) throw notFound('Server', id);
    return server;
  }

  /** A tool's id, name and server (through the tools feature's reader), or a 404-kind error. */
  async toolOrFail(toolId: string): Promise<ToolRef> {
    const tool = await this.toolsReader.toolRef(toolId);
    if (!tool) throw notFound('Tool', toolId);
    return tool;
  }

  /** Tool names by id. */
  async toolNamesOf(toolIds: string[]): Promise<Map<string, string>> {
    return this.toolsReader.toolNamesOf(toolIds);
  }

  async findByName(name: string): Promise<Server | null> {
    return this.repo.findOneBy({ name });
  }

  /** Which of these names servers have now (one read). */
  async existingNames(names: string[]): Promise<Set<string>> {
    if (!names.length) return new Set();
    const rows = await this.repo.find({ where: { name: In([...new Set(names)]) }, select: { name: true } });
    return new Set(rows.map((r) => r.name));
  }

  /** Servers by name, all or the one with this id (the export). */
  listForExport(serverId?: string): Promise<Server[]> {
    return this.repo.find({ where: serverId ? { id: serverId } : {}, order: { name: 'ASC' } });
  }

  /** Servers in a lifecycle state (the sandbox resumes the running ones at start-up). */
  withStatus(status: ServerStatus): Promise<Pick<Server, 'id' | 'name'>[]> {
    return this.repo.find({ where: { status }, select: { id: true, name: true } });
  }

  /** Servers per lifecycle state (the dashboard). */
  countByStatus(): Promise<Record<ServerStatus, number>> {
    return countByStatus(this.repo, 'status', SERVER_STATUSES);
  }

  /** Names by id (views that show a tool with its server's name). */
  async namesOf(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.repo.find({ where: { id: In([...new Set(ids)]) }, select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Ids of the servers whose name contains `text` (case-insensitive, wildcards taken literally). */
  async idsNamedLike(text: string): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('s')
      .select('s.id', 'id')
      .where('s.name ILIKE :like', { like: containsPattern(text) })
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /** The lifecycle state: the sandbox sets running/stopped/error, an import sets imported. */
  async setStatus(id: string, status: ServerStatus): Promise<void> {
    await this.repo.update({ id }, { status });
  }

  /** The derived cache of approved network records (docs/approvals.md#network-allowances); its one writer is NetworkAccessService. */
  async setAllowedHosts(id: string, hosts: AllowedHost[]): Promise<void> {
    await this.repo.update({ id }, { allowedHosts: hosts });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────

  private get repo(): Repository<Server> {
    return this.uow.with(this.servers);
  }

  private get toolsReader(): ServerToolsReader {
    if (!this.tools) throw new Error('ServersService: the tools feature has not attached its reader (ToolsModule)');
    return this.tools;
  }

  private async insert(actor: Actor, dto: CreateServerDto): Promise<Server> {
    if (await this.findByName(dto.name)) throw nameTaken(dto.name);
    const server = await this.repo
      .save(
        this.repo.create({
          name: dto.name,
          description: dto.description ?? null,
          defaultTimeoutMs: dto.default_timeout_ms ?? 30000,
          status: 'ready',
          allowedHosts: [],
        }),
      )
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? nameTaken(dto.name) : err;
      });
    await this.audit(actor, server, `Server ${server.name} created by ${actor.name}`, { server_id: server.id });
    return server;
  }

  private audit(actor: Actor, server: Server, message: string, details: Record<string, unknown>) {
    return this.activity.audit(actor, { message, details, serverId: server.id });
  }
}
