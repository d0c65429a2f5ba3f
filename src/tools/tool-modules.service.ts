import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor';
import { ModulesService } from '../modules/modules.service';
import { ServersService } from '../servers/servers.service';
import { analyzeCode } from './code-analysis';
import type { ServerModulesDto } from './dto/server-modules.dto';
import { ToolQueriesService } from './tool-queries.service';

/** Which npm modules a server's tools import, and which of them are approved (`mcpbox_get_server_modules`). */
@Injectable()
export class ToolModulesService {
  constructor(
    private readonly servers: ServersService,
    private readonly tools: ToolQueriesService,
    private readonly modules: ModulesService,
  ) {}

  async ofServer(_actor: Actor, serverId: string): Promise<ServerModulesDto> {
    const server = await this.servers.findOrFail(serverId);
    const allowed = await this.modules.allowedModules();
    const tools = (await this.tools.ofServers([server.id])).filter((t) => t.code !== null);
    const analysed = [];
    for (const tool of tools) {
      const analysis = await analyzeCode(tool.code as string, tool.language, allowed);
      analysed.push({
        tool_id: tool.id,
        name: tool.name,
        imports: analysis.imports,
        disallowed_imports: analysis.disallowed_imports,
      });
    }
    return { server_id: server.id, allowed_modules: allowed, tools: analysed };
  }
}
