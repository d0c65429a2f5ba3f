import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Not, Repository } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, forbidden, notFound } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { SecretBox } from '../crypto/secret-box';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { Server } from '../servers/entities/server.entity';
import { checkUuid } from '../common/ids';
import { ServerSecret } from './entities/server-secret.entity';
import { secretAad } from './secret-aad';
import { checkSecretDescription, checkSecretKey, checkSecretValue } from './secret-rules';

/** What anyone may see of a secret: never its value, only whether one is set. */
export interface SecretView {
  key_name: string;
  description: string | null;
  has_value: boolean;
  created_at: string;
  updated_at: string;
}

export interface CreateSecretInput {
  key_name: string;
  description?: string | null;
}

export interface SecretTxOptions {
  /** Run inside the caller's transaction; the caller then publishes the change after commit. */
  manager?: EntityManager;
}

export const mapSecret = (s: ServerSecret): SecretView => ({
  key_name: s.keyName,
  description: s.description,
  has_value: s.encryptedValue !== null,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

const isPgError = (err: unknown, code: string) =>
  (err as { code?: string })?.code === code || (err as { driverError?: { code?: string } })?.driverError?.code === code;

/**
 * A server's secrets (SPEC §3, §4, §11). Values are sealed with AES-256-GCM bound to
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
    @InjectDataSource() private readonly db: DataSource,
    private readonly box: SecretBox,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
  ) {}

  /** Every key of the server, by name (the MCP tools show them all: a server has few). */
  async list(serverId: string): Promise<SecretView[]> {
    await this.server(serverId, this.db.manager);
    const rows = await this.secrets.find({ where: { serverId }, order: { keyName: 'ASC' } });
    return rows.map(mapSecret);
  }

  /** The Admin API's paginated list (SPEC §2). */
  async listPage(serverId: string, query: PaginationQueryDto = {}): Promise<Page<SecretView>> {
    await this.server(serverId, this.db.manager);
    const req = pageRequest(query);
    const [rows, total] = await this.secrets.findAndCount({
      where: { serverId },
      order: { keyName: 'ASC' },
      skip: req.skip,
      take: req.take,
    });
    return toPage(rows.map(mapSecret), total, req);
  }

  /** A placeholder: the name the tool code reads, with no value until an admin sets one. */
  async create(
    serverId: string,
    input: CreateSecretInput,
    actor: Actor,
    opts: SecretTxOptions = {},
  ): Promise<SecretView> {
    const keyName = checkSecretKey(input?.key_name);
    const description = checkSecretDescription(input?.description);
    const run = async (tx: EntityManager) => {
      const server = await this.server(serverId, tx);
      const repo = tx.getRepository(ServerSecret);
      if (await repo.exists({ where: { serverId, keyName } }))
        throw conflict(`Secret ${keyName} already exists on server ${server.name}`);
      const saved = await repo.save(repo.create({ serverId, keyName, description, encryptedValue: null }));
      await this.audit(tx, server, actor, `Secret ${keyName} created on server ${server.name} by ${actor.name}`, {
        key_name: keyName,
      });
      return mapSecret(saved);
    };
    if (opts.manager) return run(opts.manager);
    const view = await this.db.transaction(run).catch((err: unknown) => {
      if (isPgError(err, '23505')) throw conflict(`Secret ${keyName} already exists on this server`);
      throw err;
    });
    await this.changes.publish({ serverId, kind: 'secrets' });
    return view;
  }

  /** Sets (or replaces) the value of an existing key. Values are an admin's business. */
  async setValue(serverId: string, keyName: string, value: string, actor: Actor): Promise<SecretView> {
    if (actor.kind !== 'admin') throw forbidden('Secret values are set by an admin');
    checkSecretKey(keyName);
    checkSecretValue(value);
    const view = await this.db.transaction(async (tx) => {
      const server = await this.server(serverId, tx);
      const repo = tx.getRepository(ServerSecret);
      const row = await repo.findOne({ where: { serverId, keyName }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw notFound('Secret', `${keyName} of server ${server.name}`);
      row.encryptedValue = this.box.encrypt(value, secretAad(serverId, keyName));
      const saved = await repo.save(row);
      await this.audit(tx, server, actor, `Secret ${keyName} value set on server ${server.name} by ${actor.name}`, {
        key_name: keyName,
      });
      return mapSecret(saved);
    });
    await this.changes.publish({ serverId, kind: 'secrets' });
    return view;
  }

  async remove(serverId: string, keyName: string, actor: Actor): Promise<void> {
    if (actor.kind !== 'admin') throw forbidden('Secrets are deleted by an admin');
    checkSecretKey(keyName);
    await this.db.transaction(async (tx) => {
      const server = await this.server(serverId, tx);
      const result = await tx.getRepository(ServerSecret).delete({ serverId, keyName });
      if (!result.affected) throw notFound('Secret', `${keyName} of server ${server.name}`);
      await this.audit(tx, server, actor, `Secret ${keyName} deleted from server ${server.name} by ${actor.name}`, {
        key_name: keyName,
      });
    });
    await this.changes.publish({ serverId, kind: 'secrets' });
  }

  /**
   * The decrypted values for the server's own sandbox; placeholders are left out. A row
   * that does not decrypt (its ciphertext was moved from another key or server, or the
   * encryption key changed) is refused by GCM's AAD check: it is left out, as if unset,
   * with a warning and one `alert` activity entry that name the key, never a value. The
   * other keys still load, so one bad row does not take the whole server down.
   */
  async valuesFor(serverId: string): Promise<Record<string, string>> {
    serverId = checkUuid(serverId, 'server_id'); // lower-cased: the id the registry and events use
    const rows = await this.secrets.find({ where: { serverId, encryptedValue: Not(IsNull()) } });
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

  private async server(serverId: string, manager: EntityManager): Promise<Pick<Server, 'id' | 'name'>> {
    serverId = checkUuid(serverId, 'server_id'); // lower-cased: the id the registry and events use
    const server = await manager
      .getRepository(Server)
      .findOne({ where: { id: serverId }, select: { id: true, name: true } });
    if (!server) throw notFound('Server', serverId);
    return server;
  }

  private audit(
    tx: EntityManager,
    server: Pick<Server, 'id' | 'name'>,
    actor: Actor,
    message: string,
    details: Record<string, unknown>,
  ) {
    return this.activity.record(
      {
        logType: 'audit',
        message,
        details: { ...details, server_name: server.name, actor: actor.name, actor_kind: actor.kind },
        serverId: server.id,
      },
      tx,
    );
  }
}
