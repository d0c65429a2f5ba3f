import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import { requireAdmin } from '../access/require-admin';
import { ActivityService } from '../activity/activity.service';
import type { Actor } from '../common/actor';
import { conflict, DomainError, invalid } from '../common/errors';
import { toPage, type Page } from '../common/pagination';
import {
  findRequests,
  insertPendingRequest,
  pendingRequestOrFail,
  requestNames,
  requestQueuePage,
} from '../common/request-queries';
import { checkRequestAction, recordDecision } from '../common/request-decisions';
import type { ModuleRequestActionDto, RequestQueueQueryDto } from '../common/request-queue.dto';
import type { RequestStatus } from '../common/request-status';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { ServersService } from '../servers/servers.service';
import { SettingsService } from '../settings/settings.service';
import { mapModuleRequest, type ModuleRequestDto } from './dto/module-request.dto';
import type { RequestModuleDto } from './dto/module.dto';
import { ModuleRequest } from './entities/module-request.entity';
import { ModuleInstallsService } from './module-installs.service';
import { decisionDetails, ModulesService } from './modules.service';

/** Who approved under module_approval_mode=auto_approve (as for tools). */
export const AUTO_APPROVER = 'auto_approve';

/**
 * A tool's requests for npm modules and their queue (docs/approvals.md#module-allowances). An LLM asks
 * (`mcpbox_request_module`); an admin approves — which installs the module first, so a
 * refused install refuses the approval and the request stays pending — or rejects with a
 * reason. At most one pending request per (tool, module): the database's partial unique
 * index says so, and its violation is the 409.
 */
@Injectable()
export class ModuleRequestsService {
  constructor(
    @InjectRepository(ModuleRequest) private readonly requests: Repository<ModuleRequest>,
    private readonly uow: UnitOfWork,
    private readonly servers: ServersService,
    private readonly modules: ModulesService,
    private readonly installs: ModuleInstallsService,
    private readonly settings: SettingsService,
    private readonly activity: ActivityService,
    private readonly access: AccessPolicy,
  ) {}

  /** `mcpbox_request_module`: a pending request; under auto_approve it is approved (and installed) at once. */
  async request(actor: Actor, toolId: string, dto: RequestModuleDto): Promise<ModuleRequestDto> {
    this.access.requireMayChange(actor);
    const justification = dto.justification.trim();
    if (!justification)
      throw invalid('justification is required: say why the tool needs this module', { fields: ['justification'] });
    const tool = await this.servers.toolOrFail(toolId);
    const name = dto.module_name;
    if ((await this.modules.allowedModules()).includes(name))
      throw conflict(`${name} is already allowed (modules are global): import it in the tool's code`);
    const created = await this.uow.run(async () => {
      const row = await insertPendingRequest(
        this.repo,
        actor,
        { toolId: tool.id, serverId: tool.serverId, moduleName: name, justification },
        { what: name, toolName: tool.name },
      );
      await this.activity.audit(actor, {
        message: `Module ${name} requested by ${actor.name} for tool ${tool.name}`,
        details: { request_id: row.id, tool_id: tool.id, module: name, justification },
        serverId: tool.serverId,
      });
      return row;
    });
    if (this.settings.get('module_approval_mode') !== 'auto_approve') return this.view(created);
    try {
      return await this.approveAs({ kind: 'system', name: AUTO_APPROVER }, created.id, {}, actor);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return this.view(
        (await this.repo.findOneBy({ id: created.id })) ?? created,
        `module_approval_mode=auto_approve could not approve it, so it waits for an admin: ${err.message}`,
      );
    }
  }

  /** `POST /api/approvals/modules/{id}/action`. */
  async act(actor: Actor, id: string, dto: ModuleRequestActionDto): Promise<ModuleRequestDto> {
    requireAdmin(actor, 'decide a module request');
    checkRequestAction(dto, ['allow_critical']);
    if (dto.action === 'reject') return this.reject(actor, id, dto.reason?.trim() ?? '');
    return this.approveAs(actor, id, { allowCritical: dto.allow_critical });
  }

  /** The queue: oldest request first. */
  async listQueue(_actor: Actor, query: RequestQueueQueryDto): Promise<Page<ModuleRequestDto>> {
    const { rows, total, req } = await requestQueuePage(this.repo, query, 'moduleName', (search) =>
      this.servers.idsNamedLike(search),
    );
    return toPage(await this.views(rows), total, req);
  }

  /** A tool's requests, or a server's (or every) request in these states, newest first (the LLM's views). */
  async find(
    where: { toolId?: string; serverId?: string; statuses?: RequestStatus[] },
    limit = 100,
  ): Promise<ModuleRequestDto[]> {
    return this.views(await findRequests(this.repo, where, limit));
  }

  /**
   * Installs the module (unless present), then — in one transaction with the request locked
   * and still pending — approves, records the install, audits and recomputes the allowed
   * list. A refused install throws before anything is written.
   */
  private async approveAs(
    reviewer: Actor,
    id: string,
    opts: { allowCritical?: boolean },
    requester?: Actor,
  ): Promise<ModuleRequestDto> {
    const found = await pendingRequestOrFail(this.repo, id, 'module', false);
    const { module, fresh } = await this.installs.ensureInstalled(found.moduleName, {
      allowCritical: opts.allowCritical,
    });
    const saved = await this.uow.run(async () => {
      const row = await pendingRequestOrFail(this.repo, id, 'module', true);
      recordDecision(row, 'approve', reviewer.name);
      await this.repo.save(row);
      if (fresh) await this.installs.record(reviewer, module);
      else await this.installs.recordIfMissing(reviewer, module);
      await this.activity.audit(requester ?? reviewer, {
        message: `Module request ${row.moduleName} approved by ${reviewer.name}${
          reviewer.name === AUTO_APPROVER ? ' (module_approval_mode=auto_approve)' : ''
        }`,
        details: decisionDetails(row, 'approve', reviewer, {
          version: module.version,
          integrity: module.integrity,
          critical_override: module.criticalAllowed,
        }),
        serverId: row.serverId,
      });
      await this.modules.settleCovered(reviewer, [row.moduleName], `allowed when request ${row.id} was approved`);
      await this.modules.recomputeAllowedModules(fresh ? [row.moduleName] : []);
      return row;
    });
    return this.view(saved);
  }

  private async reject(actor: Actor, id: string, reason: string): Promise<ModuleRequestDto> {
    const saved = await this.uow.run(async () => {
      const row = await pendingRequestOrFail(this.repo, id, 'module', true);
      recordDecision(row, 'reject', actor.name, reason);
      await this.repo.save(row);
      await this.activity.audit(actor, {
        message: `Module request ${row.moduleName} rejected by ${actor.name}: ${reason}`,
        details: decisionDetails(row, 'reject', actor, { reason }),
        serverId: row.serverId,
      });
      await this.modules.recomputeAllowedModules();
      return row;
    });
    return this.view(saved);
  }

  private async view(row: ModuleRequest, note: string | null = null): Promise<ModuleRequestDto> {
    const [dto] = await this.views([row]);
    return { ...dto, note };
  }

  private async views(rows: ModuleRequest[]): Promise<ModuleRequestDto[]> {
    const names = await requestNames(this.servers, rows);
    return rows.map((r) => mapModuleRequest(r, names));
  }

  private get repo(): Repository<ModuleRequest> {
    return this.uow.with(this.requests);
  }
}
