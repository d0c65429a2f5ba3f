import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Not, Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, notFound } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { SecretBox } from '../crypto/secret-box';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServerChangesService } from '../server-changes/server-changes.service';
import type { Server } from '../servers/entities/server.entity';
import { ServersService } from '../servers/servers.service';
import { mapSecret, type CreateSecretDto, type SecretDto, type SetSecretValueDto } from './dto/secret.dto';
import { ServerSecret } from './entities/server-secret.entity';
import { secretAad } from './secret-aad';

const isPgError = (err: unknown, code: string) =>
  (err as { code?: string })?.code === code || (err as { driverError?: { code?: string } })?.driverError?.code === code;

/**
 * A server's secrets (docs/architecture.md#secrets). Values are sealed with AES-256-GCM bound to
 * `server_secret:{server_id}:{key_name}` and are only ever decrypted for the server's own
 * sandbox (`valuesFor`). No return value, error, log line or activity entry carries one.
 */
@Injectable()
export class SecretsService {
  private readonly log = new Logger(SecretsService.name);
  /** Undecryptable rows already reported (id + updated_at), so a reload loop does not flood the trail. */
  private readonly reported = new Set<string>();

  constructor(
    @InjectRepository(ServerSecret) private readonly secrets: Repository<ServerSecret>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly box: SecretBox,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
    private readonly access: AccessPolicy,
  ) {}

  /** The server's keys by name, without values (`mcpbox_list_server_secrets` asks for a page of 100). */
  async list(_actor: Actor, serverId: string, query: PaginationQueryDto): Promise<Page<SecretDto>> {
    await this.server(serverId);
    const req = pageRequest(query);
    const [rows, total] = await this.repo.findAndCount({
      where: { serverId },
      order: { keyName: 'ASC' },
      skip: req.skip,
      take: req.take,
    });
    return toPage(rows.map(mapSecret), total, req);
  }

  /** A placeholder: the name the tool code reads, with no value until an admin sets one. */
  async create(actor: Actor, serverId: string, dto: CreateSecretDto): Promise<SecretDto> {
    this.access.requireMayChange(actor);
    const keyName = dto.key_name;
    return this.uow
      .run(async () => {
        const server = await this.server(serverId);
        const repo = this.repo;
        if (await repo.exists({ where: { serverId, keyName } }))
          throw conflict(`Secret ${keyName} already exists on server ${server.name}`);
        const saved = await repo.save(
          repo.create({ serverId, keyName, description: dto.description ?? null, encryptedValue: null }),
        );
        await this.audit(server, actor, `Secret ${keyName} created on server ${server.name} by ${actor.name}`, {
          key_name: keyName,
        });
        await this.changes.publish({ serverId, kind: 'secrets' });
        return mapSecret(saved);
      })
      .catch((err: unknown) => {
        throw isPgError(err, '23505') ? conflict(`Secret ${keyName} already exists on this server`) : err;
      });
  }

  /** Sets (or replaces) the value of an existing key. Values are an admin's business. */
  async setValue(actor: Actor, serverId: string, keyName: string, dto: SetSecretValueDto): Promise<SecretDto> {
    requireAdmin(actor, 'set a secret value (values are set by an admin)');
    return this.uow.run(async () => {
      const server = await this.server(serverId);
      const repo = this.repo;
      const row = await repo.findOne({ where: { serverId, keyName }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw notFound('Secret', `${keyName} of server ${server.name}`);
      row.encryptedValue = this.box.encrypt(dto.value, secretAad(serverId, keyName));
      const saved = await repo.save(row);
      await this.audit(server, actor, `Secret ${keyName} value set on server ${server.name} by ${actor.name}`, {
        key_name: keyName,
      });
      await this.changes.publish({ serverId, kind: 'secrets' });
      return mapSecret(saved);
    });
  }

  async remove(actor: Actor, serverId: string, keyName: string): Promise<void> {
    requireAdmin(actor, 'delete a secret');
    await this.uow.run(async () => {
      const server = await this.server(serverId);
      const result = await this.repo.delete({ serverId, keyName });
      if (!result.affected) throw notFound('Secret', `${keyName} of server ${server.name}`);
      await this.audit(server, actor, `Secret ${keyName} deleted from server ${server.name} by ${actor.name}`, {
        key_name: keyName,
      });
      await this.changes.publish({ serverId, kind: 'secrets' });
    });
  }

  /**
   * The decrypted values for the server's own sandbox; placeholders are left out. A row
   * that does not decrypt (its ciphertext was moved from another key or server, or the
   * encryption key changed) is refused by GCM's AAD check: it is left out, as if unset,
   * with a warning and one `alert` activity entry that name the key, never a value. The
   * other keys still load, so one bad row does not take the whole server down.
   */
  async valuesFor(serverId: string): Promise<Record<string, string>> {
    const rows = await this.repo.find({ where: { serverId, encryptedValue: Not(IsNull()) } });
    const values: Record<string, string> = {};
    for (const row of rows) {
      try {
        values[row.keyName] = this.box.decrypt(row.encryptedValue as string, secretAad(serverId, row.keyName));
      } catch {
        await this.reportUndecryptable(row);
      }
    }
    return values;
  }

  /** The key names and descriptions of these servers' secrets, never a value (the export). */
  async keysOf(serverIds: string[]): Promise<Pick<ServerSecret, 'serverId' | 'keyName' | 'description'>[]> {
    if (!serverIds.length) return [];
    return this.repo.find({
      where: { serverId: In(serverIds) },
      order: { keyName: 'ASC' },
      select: { serverId: true, keyName: true, description: true },
    });
  }

  private async reportUndecryptable(row: ServerSecret): Promise<void> {
    const message = `Secret ${row.keyName} of server ${row.serverId} cannot be decrypted (moved ciphertext or changed encryption key); it is treated as unset until an admin sets it again`;
    this.log.warn({ serverId: row.serverId, keyName: row.keyName }, message);
    const mark = `${row.id}:${row.updatedAt.getTime()}`;
    if (this.reported.has(mark)) return;
    this.reported.add(mark);
    await this.activity
      .record({
        logType: 'alert',
        level: 'warning',
        message,
        details: { key_name: row.keyName },
        serverId: row.serverId,
      })
      .catch((err: unknown) => this.log.warn({ err }, 'Could not record the undecryptable-secret alert'));
  }

  private get repo(): Repository<ServerSecret> {
    return this.uow.with(this.secrets);
  }

  private server(serverId: string): Promise<Pick<Server, 'id' | 'name'>> {
    return this.servers.findOrFail(serverId);
  }

  private audit(server: Pick<Server, 'id' | 'name'>, actor: Actor, message: string, details: Record<string, unknown>) {
    return this.activity.audit(actor, {
      message,
      details: { ...details, server_name: server.name },
      serverId: server.id,
    });
  }
}
