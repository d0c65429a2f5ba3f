import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/server';
import { ActivityService } from '../activity/activity.service';
import { MAX_LOGGED_RESULT_BYTES } from '../common/limits';
import { ExternalSourcesService } from '../external-sources/external-sources.service';
import { SourceClients } from '../external-sources/source-clients';
import { SourceDiscoveryService } from '../external-sources/source-discovery.service';
import { MetricsService } from '../metrics/metrics.service';
import { RecordingChannel } from '../sandbox/call-channel';
import { ExecutionLogsService, type ExecutionRecord } from '../sandbox/execution-logs.service';
import { createRedactor, truncateUtf8, type Redactor } from '../sandbox/output-redaction';
import { effectiveTimeout } from '../sandbox/running-servers';
import { SandboxService } from '../sandbox/sandbox.service';
import { toolExecutionEntry } from '../sandbox/tool-executor';
import { ServerChangesService } from '../server-changes/server-changes.service';
import { ServersService } from '../servers/servers.service';
import { SettingsService } from '../settings/settings.service';
import type { Tool } from '../tools/entities/tool.entity';
import { PassthroughToolsService } from '../tools/passthrough-tools.service';
import { callerLabel, type McpScope, type McpToolEntry, type McpToolProvider, type ToolCallContext } from './mcp-scope';
import { qualifiedName } from './sandbox-tools.provider';
import { ToolCallChannel } from './tool-call-channel';
import { ToolCatalog } from './tool-catalog';

interface ServedServer {
  serverId: string;
  serverName: string;
  defaultTimeoutMs: number;
  tools: Tool[];
}

const OBJECT_SCHEMA = { type: 'object' } as const;

/**
 * The approved, enabled `mcp_passthrough` tools of every running server whose source is
 * linked and not disabled (docs/architecture.md#external-sources): served as `{server}__{tool}` with the definition
 * the approval pinned, a call forwarded to the source with the source's result passed
 * through unchanged, and logged like any call (execution log row, `tool_execution`
 * activity entry, metrics). The list follows the running set and every tools change.
 */
@Injectable()
export class PassthroughToolsProvider implements McpToolProvider, OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(PassthroughToolsProvider.name);
  private served: ServedServer[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribes: (() => void)[] = [];
  private reloading?: Promise<void>;
  private again = false;

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly sandbox: SandboxService,
    private readonly servers: ServersService,
    private readonly passthrough: PassthroughToolsService,
    private readonly sources: ExternalSourcesService,
    private readonly discovery: SourceDiscoveryService,
    private readonly changes: ServerChangesService,
    private readonly clients: SourceClients,
    private readonly settings: SettingsService,
    private readonly logs: ExecutionLogsService,
    private readonly activity: ActivityService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.catalog.register(this);
    this.unsubscribes.push(
      this.sandbox.onRunningChange(() => void this.reload()),
      this.changes.subscribe((change) =>
        change.kind === 'tools' || change.kind === 'deleted' || change.kind === 'server' || change.kind === 'lifecycle'
          ? this.reload()
          : undefined,
      ),
    );
    void this.reload();
  }

  onModuleDestroy(): void {
    for (const u of this.unsubscribes) u();
  }

  tools(scope: McpScope): McpToolEntry[] {
    const servers = scope.kind === 'all' ? this.served : this.served.filter((s) => s.serverName === scope.serverName);
    return servers.flatMap((server) =>
      server.tools.map((tool) => {
        const definition: McpTool = {
          name: scope.kind === 'all' ? qualifiedName(server.serverName, tool.name) : tool.name,
          description: tool.description,
          inputSchema: (tool.inputSchema ?? OBJECT_SCHEMA) as McpTool['inputSchema'],
        };
        return { definition, call: (args, ctx) => this.call(server, tool, args, ctx) };
      }),
    );
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the served set again (one read at a time; a change during a read reads once more). */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = this.readUntilSettled();
    return this.reloading;
  }

  private async readUntilSettled(): Promise<void> {
    do {
      this.again = false;
      try {
        this.served = await this.read();
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Could not read passthrough tools');
      }
    } while (this.again);
    // Cleared in the same turn as the last check of `again`: a change announced from here on
    // starts a read of its own instead of joining one that is over (and being lost).
    this.reloading = undefined;
    for (const listener of this.listeners) listener();
  }

  private async read(): Promise<ServedServer[]> {
    const running = this.sandbox.runningServers();
    if (!running.length) return [];
    const tools = await this.passthrough.servable(running.map((s) => s.serverId));
    if (!tools.length) return [];
    const sources = await this.sources.byIds([...new Set(tools.map((t) => t.externalSourceId as string))]);
    const live = new Set(sources.filter((s) => s.status !== 'disabled').map((s) => s.id));
    const out: ServedServer[] = [];
    for (const server of running) {
      const own = tools.filter((t) => t.serverId === server.serverId && live.has(t.externalSourceId as string));
      if (!own.length) continue;
      const row = await this.servers.findOrFail(server.serverId).catch(() => null);
      if (!row) continue;
      out.push({
        serverId: server.serverId,
        serverName: server.serverName,
        defaultTimeoutMs: row.defaultTimeoutMs,
        tools: own,
      });
    }
    return out;
  }

  private async call(
    server: ServedServer,
    tool: Tool,
    args: Record<string, unknown>,
    ctx: ToolCallContext,
  ): Promise<CallToolResult> {
    const started = performance.now();
    let result: CallToolResult | undefined;
    const redactOutgoing = this.settings.get('redact_secrets_in_output') === 'enabled';
    // The source is asked for progress only when the caller asked for it; its steps go out as a
    // sandboxed tool's do: rate-limited by the channel, redacted by RecordingChannel under the setting.
    const request = ctx.request;
    const channel =
      request?.ctx.mcpReq._meta?.progressToken !== undefined
        ? new ToolCallChannel(ctx.caller.era, request.ctx, request.server, {})
        : undefined;
    const progress = channel && new RecordingChannel(channel, await this.redactorOf(server), redactOutgoing);
    try {
      result = await this.discovery.call(
        {
          sourceId: tool.externalSourceId as string,
          externalToolName: tool.externalToolName as string,
          timeoutMs: effectiveTimeout(tool, server),
          signal: ctx.signal,
          onprogress: progress
            ? (p) =>
                progress.note({
                  kind: 'progress',
                  progress: p.progress,
                  ...(p.total === undefined ? {} : { total: p.total }),
                  ...(typeof p.message === 'string' ? { message: p.message } : {}),
                })
            : undefined,
        },
        args,
      );
    } finally {
      channel?.close();
      result ??= { content: [{ type: 'text', text: 'The external source call failed unexpectedly.' }], isError: true };
      const redact = await this.redactorOf(server);
      const redacted = redact(result);
      const success = !result.isError;
      const record: ExecutionRecord = {
        toolId: tool.id,
        serverId: server.serverId,
        toolName: tool.name,
        inputArgs: redact(args),
        result: success ? truncateUtf8(JSON.stringify(redacted), MAX_LOGGED_RESULT_BYTES) : null,
        error: success ? null : truncateUtf8(errorText(redacted), MAX_LOGGED_RESULT_BYTES),
        stdout: null,
        durationMs: Math.max(0, Math.round(performance.now() - started)),
        success,
        isTest: false,
        executedBy: callerLabel(ctx.caller).slice(0, 128),
      };
      void this.logs.record(record);
      this.activity.enqueue(toolExecutionEntry(record));
      this.metrics.toolCall(qualifiedName(server.serverName, tool.name), success, false, record.durationMs / 1000);
      if (redactOutgoing) result = redacted;
    }
    return result;
  }

  /** The server's redactor (cached per read of its secrets); one that hides nothing if they cannot be read. */
  private redactorOf(server: ServedServer): Promise<Redactor> {
    return this.clients.redactorFor(server.serverId).catch(() => createRedactor({}));
  }
}

function errorText(result: CallToolResult): string {
  const texts = result.content.filter((c) => c.type === 'text').map((c) => (c as { text: string }).text);
  return texts.join('\n') || 'The external tool reported an error';
}
