import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor';
import { ModulesService } from '../modules/modules.service';
import { NetworkAccessService } from '../network-access/network-access.service';
import { ToolQueriesService } from '../tools/tool-queries.service';
import { mapApprovalStats, type ApprovalStatsDto } from './dto/approval-stats.dto';

/**
 * What spans the approval queues: their counts. Each queue belongs to its feature (tools:
 * ToolApprovalsService; module and network requests: their services).
 */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly tools: ToolQueriesService,
    private readonly modules: ModulesService,
    private readonly network: NetworkAccessService,
  ) {}

  async stats(_actor: Actor): Promise<ApprovalStatsDto> {
    const [tools, modules, network] = await Promise.all([
      this.tools.countByStatus(),
      this.modules.countByStatus(),
      this.network.countByStatus(),
    ]);
    return mapApprovalStats({ tools, modules, network });
  }
}
