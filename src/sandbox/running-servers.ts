import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { MAX_TIMEOUT_MS } from '../common/limits';
import { SecretsService } from '../secrets/secrets.service';
import type { AllowedHost, Server } from '../servers/entities/server.entity';
import { ServersService } from '../servers/servers.service';
import type { JsonSchema, Tool, ToolLanguage } from '../tools/entities/tool.entity';
import { argumentsCheck, type ArgumentsCheck } from '../tools/arguments-check';
import { ToolQueriesService } from '../tools/tool-queries.service';
import { createRedactor, type Redactor } from './output-redaction';

/** A tool as the sandbox runs it: the saved code and its effective limits. */
export interface LoadedTool {
  id: string;
  name: string;
  /** What the MCP gateway lists: the tool's description and input schema. */
  description: string;
  inputSchema: JsonSchema | null;
  /** Every call's arguments are checked against `inputSchema` before the sandbox runs anything. */
  checkArguments: ArgumentsCheck;
  /** What the tool does with `mcp` (listed to clients in tools/list `_meta`). */
  mcpFeatures: string[];
  code: string;
  language: ToolLanguage;
  codeHash: string;
  timeoutMs: number;
}

/** Everything a call of a server needs, read once when the server (re)loads. */
export interface ServerSnapshot {
  serverId: string;
  serverName: string;
  allowedHosts: AllowedHost[];
  secrets: Record<string, string>;
  /** Built once per snapshot: the hot path does not rebuild it per call. */
  redact: Redactor;
  tools: Map<string, LoadedTool>;
}

export interface RunningServer {
  snapshot: ServerSnapshot;
  startedAt: Date;
  /** Real (non-test) calls since the server started, and how many failed. */
  executions: number;
  errors: number;
}

const log = new Logger('LoadedTool');

export const codeHash = (language: string, code: string): string =>
  createHash('sha256').update(language).update(code).digest('hex');

/** tool.timeout_ms, else the server's default, never above the 300 s ceiling (docs/sandbox.md#limits). */
export const effectiveTimeout = (tool: Pick<Tool, 'timeoutMs'>, server: Pick<Server, 'defaultTimeoutMs'>): number =>
  Math.max(1, Math.min(tool.timeoutMs ?? server.defaultTimeoutMs, MAX_TIMEOUT_MS));

export function loadedTool(tool: Tool, server: Pick<Server, 'defaultTimeoutMs'>): LoadedTool {
  const code = tool.code ?? '';
  return {
    id: tool.id,
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    checkArguments: argumentsCheck(tool.inputSchema, (why) =>
      log.warn(
        { tool: tool.name, toolId: tool.id, why },
        'The input schema of this tool cannot check arguments; calls go unchecked',
      ),
    ),
    mcpFeatures: tool.mcpFeatures ?? [],
    code,
    language: tool.language,
    codeHash: codeHash(tool.language, code),
    timeoutMs: effectiveTimeout(tool, server),
  };
}

/**
 * Reads a server's snapshot through the features that own each part: the server, its
 * loadable tools, and its secret values (the secrets service owns their decryption).
 */
@Injectable()
export class ServerSnapshots {
  constructor(
    private readonly servers: ServersService,
    private readonly tools: ToolQueriesService,
    private readonly secrets: SecretsService,
  ) {}

  server(serverId: string): Promise<Server> {
    return this.servers.findOrFail(serverId);
  }

  /** Only approved + enabled code tools load (docs/approvals.md#tool-states). */
  async load(serverId: string): Promise<ServerSnapshot> {
    const server = await this.server(serverId);
    const [tools, secrets] = await Promise.all([this.tools.loadable(serverId), this.secrets.valuesFor(serverId)]);
    return {
      serverId,
      serverName: server.name,
      allowedHosts: server.allowedHosts ?? [],
      secrets,
      redact: createRedactor(secrets),
      tools: new Map(tools.filter((t) => t.code !== null).map((t) => [t.name, loadedTool(t, server)])),
    };
  }
}

/**
 * The in-memory registry of running servers. Operations on one server (start, stop,
 * reload after a change) run one at a time, in order, so a late reload can never bring
 * back a server that was just stopped.
 */
export class RunningServers {
  private readonly running = new Map<string, RunningServer>();
  private readonly queues = new Map<string, Promise<unknown>>();

  get(serverId: string): RunningServer | undefined {
    return this.running.get(serverId);
  }

  set(serverId: string, entry: RunningServer): void {
    this.running.set(serverId, entry);
  }

  delete(serverId: string): boolean {
    return this.running.delete(serverId);
  }

  ids(): string[] {
    return [...this.running.keys()];
  }

  get size(): number {
    return this.running.size;
  }

  /** Runs `op` after every earlier operation on the same server has settled. */
  serial<T>(serverId: string, op: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(serverId) ?? Promise.resolve();
    const next = previous.then(op, op);
    const tail = next.catch(() => undefined);
    this.queues.set(serverId, tail);
    void tail.then(() => {
      if (this.queues.get(serverId) === tail) this.queues.delete(serverId);
    });
    return next;
  }
}
