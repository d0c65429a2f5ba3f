import { Injectable } from '@nestjs/common';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, DomainError, invalid } from '../common/errors';
import { OAuthFlowError } from './client/source-errors';
import type { OAuthCallbackResultDto, OAuthStartDto, OAuthStartResultDto } from './dto/external-source.dto';
import { ExternalSourcesService } from './external-sources.service';
import { SourceClients } from './source-clients';

const MAX_PENDING = 1000;

/**
 * The admin's two OAuth steps for a source (docs/architecture.md#external-sources): `start` returns the authorization
 * URL to open in a browser; the authorization server sends the browser back to the
 * public callback route, which the `state` alone binds to the source and to the
 * authorization MCPBox started (single use, 10 minutes, compared in constant time by
 * SourceOAuth). Tokens are stored encrypted in the source's row and refreshed before
 * they expire; when they cannot be, the source goes to `needs_auth`.
 */
@Injectable()
export class SourceAuthorizationService {
  /** state → source; the state is 256 random bits, and SourceOAuth checks it again. */
  private readonly pending = new Map<string, { sourceId: string; expiresAt: number }>();

  constructor(
    private readonly sources: ExternalSourcesService,
    private readonly clients: SourceClients,
    private readonly activity: ActivityService,
  ) {}

  async start(actor: Actor, id: string, dto: OAuthStartDto): Promise<OAuthStartResultDto> {
    requireAdmin(actor, 'authorize MCPBox at an external source');
    const source = await this.sources.findOrFail(id);
    if (source.authType !== 'oauth')
      throw invalid(`External source ${source.name} uses auth_type ${source.authType}, not oauth`);
    let started;
    try {
      const oauth = await this.clients.oauthFor(source);
      started = await oauth.startAuthorization({ scope: dto.scope });
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw invalid(err instanceof Error ? err.message : String(err));
    }
    this.prune();
    this.pending.set(started.state, { sourceId: id, expiresAt: started.expiresAt.getTime() });
    await this.activity.audit(actor, {
      message: `OAuth authorization of external source ${source.name} started by ${actor.name}`,
      details: { source_id: id },
      serverId: source.serverId,
    });
    return { authorization_url: started.authorizationUrl, expires_at: started.expiresAt.toISOString() };
  }

  /** The authorization server's redirect: `state` finds the source, SourceOAuth checks it and exchanges the code. */
  async callback(query: Record<string, unknown>): Promise<OAuthCallbackResultDto> {
    const params = new URLSearchParams();
    for (const key of ['state', 'code', 'error', 'iss']) {
      const value = query[key];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value.length > 4096 || value.includes('\u0000'))
        throw invalid(`${key} must be one string of at most 4096 characters`, { fields: [key] });
      params.set(key, value);
    }
    const state = params.get('state');
    if (!state) throw invalid('state is required: open the authorization URL MCPBox gave you', { fields: ['state'] });
    this.prune();
    const entry = this.pending.get(state);
    if (!entry)
      throw invalid('This callback does not belong to an authorization MCPBox started (or it expired); start again', {
        fields: ['state'],
      });
    this.pending.delete(state);
    const source = await this.sources.findOrFail(entry.sourceId);
    const oauth = await this.clients.oauthFor(source);
    try {
      const result = await oauth.completeAuthorization(params);
      await this.sources.setStatus(source.id, 'active', null);
      await this.activity.audit(
        { kind: 'system', name: 'oauth-callback' },
        {
          message: `MCPBox is authorized at external source ${source.name} (OAuth)`,
          details: { source_id: source.id, scope: result.scope ?? null },
          serverId: source.serverId,
        },
      );
      return {
        source_id: source.id,
        status: 'active',
        scope: result.scope ?? null,
        expires_at: result.expiresAt?.toISOString() ?? null,
      };
    } catch (err) {
      if (err instanceof OAuthFlowError && err.reason === 'state_mismatch') throw conflict(err.message);
      throw invalid(err instanceof Error ? err.message : String(err));
    }
  }

  private prune(): void {
    const now = Date.now();
    for (const [state, entry] of this.pending) if (entry.expiresAt < now) this.pending.delete(state);
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
  }
}
