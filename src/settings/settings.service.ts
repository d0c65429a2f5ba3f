import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { forbidden, invalid } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
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

export interface SettingView {
  key: string;
  value: unknown;
  encrypted: boolean;
  description: string | null;
  default: unknown;
  updated_at: string | null;
}

/**
 * The admin's switches. Values live in `settings`; an in-process copy answers the hot
 * paths (approval flow, guarded HTTP client, output redaction) without a query, and is
 * replaced only after a change has committed.
 */
@Injectable()
export class SettingsService implements OnModuleInit {
  private policy: SecurityPolicy = defaultPolicy();

  constructor(
    @InjectRepository(Setting) private readonly settings: Repository<Setting>,
    @InjectDataSource() private readonly db: DataSource,
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
    this.policy = policy;
  }

  get<K extends SettingKey>(key: K): SettingValue<K> {
    return this.policy[key];
  }

  getPolicy(): SecurityPolicy {
    return { ...this.policy };
  }

  /** Every setting with its description (policy keys first, then the rest by key); encrypted values are masked. */
  async list(query: PaginationQueryDto = {}): Promise<Page<SettingView>> {
    const req = pageRequest(query);
    const all = await this.all();
    return toPage(all.slice(req.skip, req.skip + req.take), all.length, req);
  }

  private async all(): Promise<SettingView[]> {
    const rows = new Map((await this.settings.find({ order: { key: 'ASC' } })).map((r) => [r.key, r]));
    const known: SettingView[] = POLICY_KEYS.map((key) => {
      const row = rows.get(key);
      rows.delete(key);
      return {
        key,
        value: this.policy[key],
        encrypted: false,
        description: SETTING_DEFINITIONS[key].description,
        default: SETTING_DEFINITIONS[key].default,
        updated_at: row?.updatedAt.toISOString() ?? null,
      };
    });
    const other: SettingView[] = [...rows.values()].map((r) => ({
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
  async updatePolicy(patch: Record<string, unknown>, actor: Actor): Promise<SecurityPolicy> {
    if (actor.kind !== 'admin') throw forbidden('Only an admin can change the security policy');
    const reviewer = actor.name;
    const problems: string[] = [];
    const entries = Object.entries(patch ?? {});
    if (entries.length === 0) problems.push('at least one policy key is required');
    for (const [key, value] of entries) {
      if (!isSettingKey(key) || !POLICY_KEYS.includes(key)) problems.push(`${key} is not a security policy key`);
      else {
        const problem = checkSettingValue(key, value);
        if (problem) problems.push(problem);
      }
    }
    if (problems.length)
      throw invalid(problems.join('; '), {
        fields: entries.map(([k]) => k).filter((k) => problems.some((p) => p.startsWith(k))),
      });

    const changes = entries
      .map(([key, value]) => ({ key: key as SettingKey, old: this.policy[key as SettingKey], value }))
      .filter((c) => c.old !== c.value);
    if (changes.length) {
      await this.db.transaction(async (tx) => {
        for (const c of changes) {
          await tx.getRepository(Setting).upsert(
            {
              key: c.key,
              value: JSON.stringify(c.value),
              encrypted: false,
              description: SETTING_DEFINITIONS[c.key].description,
            },
            ['key'],
          );
        }
        await this.activity.record(
          {
            logType: 'audit',
            message: `Security policy changed by ${reviewer}: ${changes.map((c) => `${c.key} ${String(c.old)} → ${String(c.value)}`).join(', ')}`,
            details: { reviewer, changes: changes.map((c) => ({ key: c.key, old_value: c.old, new_value: c.value })) },
          },
          tx,
        );
      });
      const next = { ...this.policy } as Record<string, unknown>;
      for (const c of changes) next[c.key] = c.value;
      this.policy = next as SecurityPolicy;
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
