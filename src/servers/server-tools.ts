import type { ToolSummaryDto } from '../tools/dto/tool.dto';

/**
 * What a server's views need of its tools. The tools feature depends on servers (a tool
 * needs its server), so servers cannot import it back: the tools feature implements this
 * and attaches it at start-up (ToolQueriesService), keeping the module graph one-way.
 */
export interface ServerToolsReader {
  /** Tool counts of these servers (servers without tools are left out). */
  countsByServer(serverIds: string[]): Promise<Map<string, number>>;
  /** The server's tools by name, without their code. */
  summariesOf(serverId: string): Promise<ToolSummaryDto[]>;
  /** A tool's id, name and server, or null (requests name the tool they are for). */
  toolRef(toolId: string): Promise<ToolRef | null>;
  /** Tool names by id (views of requests). */
  toolNamesOf(toolIds: string[]): Promise<Map<string, string>>;
}

export interface ToolRef {
  id: string;
  name: string;
  serverId: string;
}
