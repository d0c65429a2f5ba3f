import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor';
import { ToolsService } from '../tools/tools.service';
import { mapToolExecution, type ToolExecutionsDto, type ToolLogsQueryDto } from './dto/tool-logs.dto';
import { ExecutionLogsService } from './execution-logs.service';

/** A tool's latest calls, from its execution log (`GET /api/tools/{id}/logs`, `mcpbox_get_tool_logs`). */
@Injectable()
export class ToolLogsService {
  constructor(
    private readonly tools: ToolsService,
    private readonly logs: ExecutionLogsService,
  ) {}

  async list(_actor: Actor, toolId: string, dto: ToolLogsQueryDto): Promise<ToolExecutionsDto> {
    const tool = await this.tools.findOrFail(toolId);
    await this.logs.drain();
    const rows = await this.logs.ofTool(tool.id, dto.limit ?? 10);
    return { tool_id: tool.id, items: rows.map(mapToolExecution) };
  }
}
