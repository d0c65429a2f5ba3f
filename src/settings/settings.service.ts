import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import type { SecurityPolicyDto, SettingDto, UpdateSecurityPolicyDto } from './dto/security-policy.dto';
import { Setting } from './entities/setting.entity';
import {
  checkSettingValue,
  defaultPolicy,
  isSettingKey,
  POLICY_KEYS,
  SETTING_DEFINITIONS,
  type SecurityPolicy,
  type SettingKey,
  type SettingValue,
} from './setting-definitions';

export const MASKED = '********';

/**
 * The admin's switches. Values live in `settings`; an in-process copy answers the hot
 * paths (approval flow, guarded HTTP client, output redaction) without a query, and is
 * replaced only after a change has committed.
 */
@Injectable()
export class SettingsService implements OnModuleInit {
  private current: SecurityPolicy = defaultPolicy();

  constructor(
    @InjectRepository(Setting) private readonly settings: Repository<Setting>,
    private readonly uow: UnitOfWork,
    private readonly activity: ActivityService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /** Re-reads every stored value (start-up, or after another writer changed them). */
  async reload(): Promise<void> {
    const policy = defaultPolicy();
    for (const row of await this.settings.find()) {
      if (!isSettingKey(row.key) || row.encrypted) continue;
      const value = parseStored(row.value);
      if (checkSettingValue(row.key, value) === null) (policy as Record<string, unknown>)[row.key] = value;
    }
    this.current = policy;
  }

  get<K extends SettingKey>(key: K): SettingValue<K> {
    return this.current[key];
  }

  getPolicy(): SecurityPolicy {
    return { ...this.current };
  }

  /** The policy in force (`GET /api/settings/security-policy`). */
  policy(_actor: Actor): SecurityPolicyDto {
    return this.getPolicy();
  }

  /** Every setting with its description (policy keys first, then the rest by key); encrypted values are masked. */
  async list(_actor: Actor, query: PaginationQueryDto): Promise<Page<SettingDto>> {
    const req = pageRequest(query);
    const all = await this.all();
    return toPage(all.slice(req.skip, req.skip + req.take), all.length, req);
  }

  private async all(): Promise<SettingDto[]> {
    const rows = new Map((await this.settings.find({ order: { key: 'ASC' } })).map((r) => [r.key, r]));
    const known: SettingDto[] = POLICY_KEYS.map((key) => {
      const row = rows.get(key);
      rows.delete(key);
      return {
        key,
        value: this.current[key],
        encrypted: false,
        description: SETTING_DEFINITIONS[key].description,
        default: SETTING_DEFINITIONS[key].default,
        updated_at: row?.updatedAt.toISOString() ?? null,
      };
    });
    const other: SettingDto[] = [...rows.values()].map((r) => ({
      key: r.key,
      value: r.encrypted ? MASKED : parseStored(r.value),
      encrypted: r.encrypted,
      description: r.description,
      default: null,
      updated_at: r.updatedAt.toISOString(),
    }));
    return [...known, ...other];
  }

  /**
   * Applies any subset of the policy in one transaction: every offending key is named
   * and nothing changes; the old and new values go to the audit trail. The policy is the
   * admin's alone: an LLM switching tool_approval_mode to auto_approve would approve itself.
   */
  async updatePolicy(actor: Actor, dto: UpdateSecurityPolicyDto): Promise<SecurityPolicyDto> {
    // An LLM switching tool_approval_mode to auto_approve would approve itself.
    requireAdmin(actor, 'change the security policy');
    const reviewer = actor.name;
    const entries = Object.entries(dto).filter(([, value]) => value !== undefined);
    const changes = entries
      .map(([key, value]) => ({ key: key as SettingKey, old: this.current[key as SettingKey], value }))
      .filter((c) => c.old !== c.value);
    if (changes.length) {
      await this.uow.run(async () => {
        const repo = this.uow.with(this.settings);
        for (const c of changes) {
          const description = SETTING_DEFINITIONS[c.key].description;
          await repo.upsert({ key: c.key, value: JSON.stringify(c.value), encrypted: false, description }, ['key']);
        }
        await this.activity.audit(actor, {
          message: `Security policy changed by ${reviewer}: ${changes.map((c) => `${c.key} ${String(c.old)} → ${String(c.value)}`).join(', ')}`,
          details: { reviewer, changes: changes.map((c) => ({ key: c.key, old_value: c.old, new_value: c.value })) },
        });
        // The in-process copy is replaced once the change has committed.
        await this.uow.afterCommit(() => {
          const next = { ...this.current } as Record<string, unknown>;
          for (const c of changes) next[c.key] = c.value;
          this.current = next as SecurityPolicy;
        });
      });
    }
    return this.getPolicy();
  }
}

function parseStored(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
