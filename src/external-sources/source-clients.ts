import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FetchLike } from '@modelcontextprotocol/client';
import { Repository } from 'typeorm';
import { invalid } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { SecretBox } from '../crypto/secret-box';
import type { NetworkRules } from '../guarded-http/network-rules';
import type { AllowedHost } from '../servers/entities/server.entity';
import { createRedactor, type Redactor } from '../sandbox/output-redaction';
import { SecretsService } from '../secrets/secrets.service';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { ServersService } from '../servers/servers.service';
import { SettingsService } from '../settings/settings.service';
import { ExternalSourceClient } from './client/external-source-client';
import type { OAuthStateStore, StoredOAuthState } from './client/oauth-state';
import { SourceOAuth } from './client/source-oauth';
import type { SourceAuth } from './client/source-options';
import { ExternalMcpSource } from './entities/external-mcp-source.entity';
import { guardedSourceFetch } from './guarded-source-fetch';

/** Where the admin's browser comes back after authorizing MCPBox at a source's authorization server. */
export const OAUTH_CALLBACK_PATH = '/api/external-sources/oauth/callback';
/** Where MCPBox serves its OAuth Client ID Metadata Document (the document's URL is its client_id). */
export const OAUTH_CLIENT_METADATA_PATH = '/api/external-sources/oauth/client-metadata.json';

/**
 * MCPBox's OAuth client identity towards authorization servers: its redirect URL and, when
 * the public URL is https (a Client ID Metadata Document must be), the document's URL.
 * Authorization servers that support such documents take that URL as the client_id; the
 * others get a dynamic registration.
 */
export function oauthClientIdentity(publicUrl: string): { redirectUrl: string; clientMetadataUrl?: string } {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    redirectUrl: `${base}${OAUTH_CALLBACK_PATH}`,
    ...(base.startsWith('https://') ? { clientMetadataUrl: `${base}${OAUTH_CLIENT_METADATA_PATH}` } : {}),
  };
}
const oauthAad = (sourceId: string) => `external_source_oauth:${sourceId}`;
/** A backstop: facts of a server are read again at least this often, change events or not. */
const FACTS_TTL_MS = 5000;

interface Entry {
  serverId: string;
  signature: string;
  client: ExternalSourceClient;
  oauth?: SourceOAuth;
  unwatch?: () => void;
}

/** Knobs the tests turn down (time to connect, re-listen back-off). */
export interface SourceClientTuning {
  connectTimeoutMs: number;
  watchRetryMinMs: number;
  watchRetryMaxMs: number;
  listChangedDebounceMs: number;
}

/**
 * One ExternalSourceClient per source, built from its row, the named secret's value and
 * the server's network rules, and rebuilt when any of them changes (a changed secret or
 * URL never reuses an old connection). Every byte goes through the guarded fetch (docs/architecture.md#security-rules).
 * OAuth state lives encrypted in the source's row. The source's own `list_changed` is
 * handed to whoever listens (the discovery service re-discovers).
 */
@Injectable()
export class SourceClients implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(SourceClients.name);
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<Entry>>();
  private readonly changeListeners = new Set<(sourceId: string) => void>();
  private unsubscribe?: () => void;
  /** Per server: allowed hosts, secret values and their redactor, read once and dropped on any change of the server (and after FACTS_TTL_MS). */
  private readonly facts = new Map<
    string,
    { at: number; hosts?: AllowedHost[]; secrets?: Record<string, string>; redact?: Redactor }
  >();
  readonly tuning: SourceClientTuning = {
    connectTimeoutMs: 10_000,
    watchRetryMinMs: 1000,
    watchRetryMaxMs: 30_000,
    listChangedDebounceMs: 500,
  };

  constructor(
    @InjectRepository(ExternalMcpSource) private readonly sources: Repository<ExternalMcpSource>,
    private readonly secrets: SecretsService,
    private readonly servers: ServersService,
    private readonly settings: SettingsService,
    private readonly config: AppConfig,
    private readonly box: SecretBox,
    private readonly changes: ServerChangesService,
  ) {}

  onModuleInit(): void {
    // A deleted server took its sources with it (cascade): their connections and streams go too.
    this.unsubscribe = this.changes.subscribe(async (change) => {
      this.facts.delete(change.serverId);
      if (change.kind !== 'deleted') return;
      const gone = [...this.entries].filter(([, e]) => e.serverId === change.serverId).map(([id]) => id);
      await Promise.all(gone.map((id) => this.close(id)));
    });
  }

  /** The client for the source as it is now (its row, its secret, its rules). */
  async clientFor(source: ExternalMcpSource): Promise<ExternalSourceClient> {
    const auth = await this.authValues(source);
    const signature = createHash('sha256')
      .update(
        JSON.stringify([
          source.url,
          source.transportType,
          source.authType,
          source.authSecretName,
          source.authHeaderName,
          auth.secret ?? null,
        ]),
      )
      .digest('hex');
    const current = this.entries.get(source.id);
    if (current?.signature === signature) return current.client;
    let pending = this.building.get(source.id);
    if (!pending) {
      pending = (async () => {
        if (current) await this.close(source.id);
        const entry = this.build(source, signature, auth.secret);
        this.entries.set(source.id, entry);
        return entry;
      })().finally(() => this.building.delete(source.id));
      this.building.set(source.id, pending);
    }
    return (await pending).client;
  }

  /** The source's OAuth helper (the admin's start and callback use the same one as its connections). */
  async oauthFor(source: ExternalMcpSource): Promise<SourceOAuth> {
    await this.clientFor(source);
    const oauth = this.entries.get(source.id)?.oauth;
    if (!oauth) throw invalid(`External source ${source.name} does not use OAuth (auth_type ${source.authType})`);
    return oauth;
  }

  /** Re-discovery on the source's own list_changed: starts its notification stream once. */
  watch(source: ExternalMcpSource): void {
    const entry = this.entries.get(source.id);
    if (!entry || entry.unwatch) return;
    entry.unwatch = entry.client.onToolsChanged(() => {
      for (const listener of this.changeListeners) listener(source.id);
    });
  }

  /** Listens for "the source says its tools changed"; returns the unsubscribe. */
  onSourceToolsChanged(listener: (sourceId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Closes the source's connections (a delete, a disable). */
  async close(sourceId: string): Promise<void> {
    const entry = this.entries.get(sourceId);
    this.entries.delete(sourceId);
    if (!entry) return;
    entry.unwatch?.();
    await entry.client.close().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.entries.keys()].map((id) => this.close(id)));
  }

  /** The outbound rules of the source's server, read per request (allowances and the policy change live). */
  rulesFor(serverId: string): () => Promise<NetworkRules> {
    return async () => {
      const facts = this.factsOf(serverId);
      facts.hosts ??= (await this.servers.findOrFail(serverId)).allowedHosts ?? [];
      return {
        allowedHosts: facts.hosts,
        policy: this.settings.get('network_access_policy'),
        allowLoopback: this.config.sandbox.allowLoopback,
      };
    };
  }

  /** The server's secret values (decrypted once per change of the server): auth and redaction. */
  async secretValues(serverId: string): Promise<Record<string, string>> {
    const facts = this.factsOf(serverId);
    facts.secrets ??= await this.secrets.valuesFor(serverId);
    return facts.secrets;
  }

  /** The redactor of the server's secret values, built once per read of them (not per call). */
  async redactorFor(serverId: string): Promise<Redactor> {
    const facts = this.factsOf(serverId);
    facts.redact ??= createRedactor(await this.secretValues(serverId));
    return facts.redact;
  }

  private factsOf(serverId: string) {
    let facts = this.facts.get(serverId);
    if (!facts || Date.now() - facts.at > FACTS_TTL_MS) {
      facts = { at: Date.now() };
      this.facts.set(serverId, facts);
    }
    return facts;
  }

  private build(source: ExternalMcpSource, signature: string, secret: string | undefined): Entry {
    const fetch: FetchLike = guardedSourceFetch({ rules: this.rulesFor(source.serverId) });
    let auth: SourceAuth = { type: 'none' };
    let oauth: SourceOAuth | undefined;
    if (source.authType === 'bearer') auth = { type: 'bearer', token: secret as string };
    else if (source.authType === 'header')
      auth = { type: 'header', name: source.authHeaderName as string, value: secret as string };
    else if (source.authType === 'oauth') {
      oauth = new SourceOAuth({
        url: source.url,
        transport: source.transportType,
        fetch,
        store: this.oauthStore(source.id),
        ...oauthClientIdentity(this.config.publicUrl),
        clientName: 'MCPBox',
      });
      auth = { type: 'oauth', oauth };
    }
    const client = new ExternalSourceClient({
      url: source.url,
      transport: source.transportType,
      auth,
      fetch,
      clientInfo: { name: 'mcpbox', version: this.config.version },
      connectTimeoutMs: this.tuning.connectTimeoutMs,
      watchRetryMinMs: this.tuning.watchRetryMinMs,
      watchRetryMaxMs: this.tuning.watchRetryMaxMs,
      listChangedDebounceMs: this.tuning.listChangedDebounceMs,
      onEvent: (event) => {
        if (event.type === 'watch_lost')
          this.log.debug({ source: source.id, retryInMs: event.retryInMs }, 'External source watch stream lost');
      },
    });
    return { serverId: source.serverId, signature, client, oauth };
  }

  /** The named secret's value for bearer/header auth; a missing one is the admin's to fix, said plainly. */
  private async authValues(source: ExternalMcpSource): Promise<{ secret?: string }> {
    if (source.authType !== 'bearer' && source.authType !== 'header') return {};
    const name = source.authSecretName;
    if (!name)
      throw invalid(`External source ${source.name} uses ${source.authType} auth but names no auth_secret_name`);
    if (source.authType === 'header' && !source.authHeaderName)
      throw invalid(`External source ${source.name} uses header auth but names no auth_header_name`);
    const value = (await this.secretValues(source.serverId))[name];
    if (value === undefined)
      throw invalid(
        `The secret ${name} that external source ${source.name} authenticates with has no value; an admin sets it under the server's secrets`,
      );
    return { secret: value };
  }

  private oauthStore(sourceId: string): OAuthStateStore {
    return {
      load: async () => {
        const row = await this.sources
          .createQueryBuilder('s')
          .select(['s.id'])
          .addSelect('s.oauthState')
          .where('s.id = :id', { id: sourceId })
          .getOne();
        if (!row?.oauthState) return null;
        try {
          return JSON.parse(this.box.decrypt(row.oauthState, oauthAad(sourceId))) as StoredOAuthState;
        } catch {
          this.log.warn({ source: sourceId }, 'The OAuth state of an external source does not decrypt; it is ignored');
          return null;
        }
      },
      save: async (state) => {
        const sealed = state ? this.box.encrypt(JSON.stringify(state), oauthAad(sourceId)) : null;
        await this.sources.update({ id: sourceId }, { oauthState: sealed });
      },
    };
  }
}
