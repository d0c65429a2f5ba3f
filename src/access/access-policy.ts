import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor';
import { forbidden } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { SettingsService } from '../settings/settings.service';

/**
 * Access in one place. Every service method that changes anything calls
 * `requireMayChange` (or the stricter `requireAdmin`): in remote mode an MCP client may
 * change nothing unless the admin set `remote_tool_editing=enabled` (docs/architecture.md#access), read live.
 */
@Injectable()
export class AccessPolicy {
  constructor(
    private readonly config: AppConfig,
    private readonly settings: SettingsService,
  ) {}

  requireMayChange(actor: Actor): void {
    if (actor.kind !== 'llm' || this.config.mode !== 'remote') return;
    if (this.settings.get('remote_tool_editing') === 'enabled') return;
    throw forbidden(
      'In remote mode the MCP management tools may change nothing while remote_tool_editing is disabled; an admin can enable it in the security policy (PATCH /api/settings/security-policy)',
    );
  }
}
