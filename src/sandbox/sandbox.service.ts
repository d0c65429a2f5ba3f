import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import { SYSTEM_ACTOR, type Actor } from '../common/actor';
import { DomainError, invalid, unavailable } from '../common/errors';
import { pageRequest, toPage, type Page, type PaginationQueryDto } from '../common/pagination';
import { ServerChangesService, type ServerChange } from '../server-changes/server-changes.service';
import { ServersService } from '../servers/servers.service';
import { mapServerLogLine, type SandboxStatusDto, type ServerLogLineDto } from './dto/sandbox.dto';
import { ExecutionLogsService } from './execution-logs.service';
import { RunningServers, ServerSnapshots, type LoadedTool, type RunningServer } from './running-servers';
import type { ExecutionOutcome, NetworkRules } from './runtime/contract';
import { SandboxRuntime } from './runtime/sandbox-runtime';
import { ToolExecutor, type ExecutionContext } from './tool-executor';

/** A running server as the MCP gateway lists it: its loaded tools, by name. */
export interface RunningServerInfo {
  serverId: string;
  serverName: string;
  tools: Pick<LoadedTool, 'name' | 'description' | 'inputSchema' | 'mcpFeatures'>[];
}

/** Called after a running server was loaded, reloaded or unloaded (its visible tools may differ). */
export type RunningChangeListener = (serverId: string) => void;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Server lifecycle in the sandbox (docs/sandbox.md#running-servers): start loads a snapshot of the server's
 * approved + enabled code tools, secrets and allowed hosts; changes published on
 * ServerChangesService reload it live; servers left `running` resume at bootstrap.
 * Calls of running servers (`executeTool`, for the MCP gateway) go through the ToolExecutor,
 * which logs every one (test runs of saved tools: TestCodeService).
 */
@Injectable()
export class SandboxService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(SandboxService.name);
  private readonly registry = new RunningServers();
  private readonly runningListeners = new Set<RunningChangeListener>();
  private unsubscribe?: () => void;

  constructor(
    private readonly snapshots: ServerSnapshots,
    private readonly executor: ToolExecutor,
    private readonly runtime: SandboxRuntime,
    private readonly executionLogs: ExecutionLogsService,
    private readonly activity: ActivityService,
    private readonly changes: ServerChangesService,
    private readonly servers: ServersService,
    private readonly access: AccessPolicy,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.changes.subscribe((change) => this.onChange(change));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Servers that were running before the process stopped come back by themselves. */
  async onApplicationBootstrap(): Promise<void> {
    const running = await this.servers.withStatus('running');
    for (const server of running) {
      try {
        await this.registry.serial(server.id, () => this.load(server.id, SYSTEM_ACTOR, 'resumed after a restart'));
      } catch (err) {
        this.log.error({ err: errMessage(err), serverId: server.id }, 'Could not resume a running server');
        await this.servers.setStatus(server.id, 'error').catch(() => undefined);
        await this.record(
          server.id,
          'error',
          `Server ${server.name} could not be resumed after a restart: ${errMessage(err)}`,
        );
      }
    }
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────

  /** Loads (or, when already running, reloads) the server's tools; idempotent. */
  async start(actor: Actor, serverId: string): Promise<SandboxStatusDto> {
    this.access.requireMayChange(actor);
    await this.registry.serial(serverId, () => this.load(serverId, actor, `started by ${actor.name}`));
    await this.changes.publish({ serverId, kind: 'lifecycle' });
    return this.status(actor, serverId);
  }

  /** Unloads the server; stopping a stopped server changes nothing. */
  async stop(actor: Actor, serverId: string): Promise<SandboxStatusDto> {
    this.access.requireMayChange(actor);
    await this.registry.serial(serverId, () => this.unload(serverId, actor));
    await this.changes.publish({ serverId, kind: 'lifecycle' });
    return this.status(actor, serverId);
  }

  async restart(actor: Actor, serverId: string): Promise<SandboxStatusDto> {
    this.access.requireMayChange(actor);
    await this.registry.serial(serverId, async () => {
      await this.unload(serverId, actor);
      await this.load(serverId, actor, `restarted by ${actor.name}`);
    });
    await this.changes.publish({ serverId, kind: 'lifecycle' });
    return this.status(actor, serverId);
  }

  async status(_actor: Actor, serverId: string): Promise<SandboxStatusDto> {
    const server = await this.snapshots.server(serverId);
    const entry = this.registry.get(serverId);
    const memory = entry ? await this.runtime.serverMemoryBytes(serverId).catch(() => 0) : 0;
    return {
      server_id: server.id,
      name: server.name,
      status: server.status,
      tools_loaded: entry?.snapshot.tools.size ?? 0,
      tools: entry ? [...entry.snapshot.tools.keys()] : [],
      started_at: entry?.startedAt.toISOString() ?? null,
      executions: entry?.executions ?? 0,
      errors: entry?.errors ?? 0,
      memory_bytes: memory,
    };
  }

  /** The server's executions and lifecycle entries, newest first. */
  async logs(_actor: Actor, serverId: string, query: PaginationQueryDto): Promise<Page<ServerLogLineDto>> {
    await this.snapshots.server(serverId);
    const page = pageRequest(query);
    const { items, total } = await this.executionLogs.serverLog(serverId, page);
    return toPage(items.map(mapServerLogLine), total, page);
  }

  /** The outbound rules the next call of a running server will be checked against. */
  networkRulesFor(serverId: string): NetworkRules {
    const entry = this.registry.get(serverId);
    if (!entry) throw unavailable(`Server ${serverId} is not running; start it first`);
    return this.executor.networkRules(entry.snapshot.allowedHosts);
  }

  isRunning(serverId: string): boolean {
    return this.registry.get(serverId) !== undefined;
  }

  /** The id of the running server of that name (the MCP gateway's activity entries name it). */
  runningServerId(name: string): string | undefined {
    return this.registry.ids().find((id) => this.registry.get(id)?.snapshot.serverName === name);
  }

  runningServers(): RunningServerInfo[] {
    return this.registry.ids().flatMap((id) => {
      const entry = this.registry.get(id);
      if (!entry) return [];
      const tools = [...entry.snapshot.tools.values()].map(({ name, description, inputSchema, mcpFeatures }) => ({
        name,
        description,
        inputSchema,
        mcpFeatures,
      }));
      return [{ serverId: id, serverName: entry.snapshot.serverName, tools }];
    });
  }

  /** Listens for changes of the running set (the MCP gateway's tool lists follow it); returns the unsubscribe. */
  onRunningChange(listener: RunningChangeListener): () => void {
    this.runningListeners.add(listener);
    return () => this.runningListeners.delete(listener);
  }

  private runningChanged(serverId: string): void {
    for (const listener of this.runningListeners) {
      try {
        listener(serverId);
      } catch (err) {
        this.log.warn({ err: errMessage(err), serverId }, 'A running-set listener failed');
      }
    }
  }

  // ── execution ────────────────────────────────────────────────────────────────────

  /**
   * Runs a loaded tool of a running server (the MCP gateway's path). Tool faults come back
   * as an outcome with `isError`; a server that is not running or a tool that is not
   * loaded is a domain error naming it. The log row is written in the background.
   */
  async executeTool(
    serverId: string,
    toolName: string,
    args: unknown,
    ctx: Partial<ExecutionContext> = {},
  ): Promise<ExecutionOutcome> {
    const entry = this.registry.get(serverId);
    if (!entry) throw unavailable(`Server ${serverId} is not running; start it first`);
    const { snapshot } = entry;
    const tool = snapshot.tools.get(toolName);
    if (!tool)
      throw new DomainError(
        'not_found',
        `Tool '${toolName}' is not loaded on server '${snapshot.serverName}': it does not exist, is not approved or is disabled`,
      );
    const callArgs = args === undefined ? {} : args; // MCP allows a call without arguments
    if (!isPlainObject(callArgs)) throw invalid('arguments must be a JSON object', { fields: ['arguments'] });
    const isTest = ctx.isTest ?? false;
    const { outcome, logged } = await this.executor.run(
      {
        serverId,
        serverName: snapshot.serverName,
        tool,
        secrets: snapshot.secrets,
        allowedHosts: snapshot.allowedHosts,
        redact: snapshot.redact,
      },
      callArgs,
      {
        isTest,
        executedBy: ctx.executedBy ?? null,
        channel: ctx.channel,
      },
    );
    void logged;
    if (!isTest) countCall(entry, outcome);
    return outcome;
  }

  // ── internals ────────────────────────────────────────────────────────────────────

  private async load(serverId: string, actor: Actor, how: string): Promise<void> {
    const snapshot = await this.snapshots.load(serverId);
    const previous = this.registry.get(serverId);
    await this.servers.setStatus(serverId, 'running');
    // Starting a running server reloads it: the run (started_at, counters) carries on.
    if (previous) previous.snapshot = snapshot;
    else this.registry.set(serverId, { snapshot, startedAt: new Date(), executions: 0, errors: 0 });
    this.runningChanged(serverId);
    const tools = [...snapshot.tools.keys()];
    await this.record(
      serverId,
      'system',
      `Server ${snapshot.serverName} ${previous ? 'reloaded' : how} (${tools.length} tool${tools.length === 1 ? '' : 's'} loaded)`,
      {
        tools,
        actor: actor.name,
        actor_kind: actor.kind,
      },
    );
  }

  private async unload(serverId: string, actor: Actor): Promise<void> {
    const server = await this.snapshots.server(serverId);
    const wasRunning = this.registry.delete(serverId);
    if (wasRunning) this.runningChanged(serverId);
    await this.runtime
      .evictServer(serverId)
      .catch((err: unknown) =>
        this.log.warn({ err: errMessage(err), serverId }, 'Evicting a server from the runtime failed'),
      );
    if (!wasRunning && server.status !== 'running' && server.status !== 'error') return;
    await this.servers.setStatus(serverId, 'stopped');
    await this.record(serverId, 'system', `Server ${server.name} stopped by ${actor.name}`, {
      actor: actor.name,
      actor_kind: actor.kind,
    });
  }

  /** Live changes: a running server picks up tools, secrets and allowances without a restart. */
  private async onChange(change: ServerChange): Promise<void> {
    if (change.kind === 'lifecycle' || !this.registry.get(change.serverId)) return;
    const { serverId } = change;
    await this.registry.serial(serverId, async () => {
      const entry = this.registry.get(serverId);
      if (!entry) return;
      if (change.kind === 'deleted') return this.drop(serverId);
      try {
        entry.snapshot = await this.snapshots.load(serverId);
        this.runningChanged(serverId);
      } catch (err) {
        if (err instanceof DomainError && err.kind === 'not_found') return this.drop(serverId);
        // The old snapshot stays in force; the failure is visible in the server's log.
        this.log.error({ err: errMessage(err), serverId, change: change.kind }, 'Reloading a running server failed');
        await this.record(
          serverId,
          'error',
          `Reloading server ${entry.snapshot.serverName} after a ${change.kind} change failed: ${errMessage(err)}`,
        );
      }
    });
  }

  private async drop(serverId: string): Promise<void> {
    if (this.registry.delete(serverId)) this.runningChanged(serverId);
    await this.runtime.evictServer(serverId).catch(() => undefined);
  }

  private async record(
    serverId: string,
    logType: 'system' | 'error',
    message: string,
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.activity
      .record({ logType, level: logType === 'error' ? 'error' : 'info', message, details, serverId })
      .catch((err: unknown) => this.log.warn({ err: errMessage(err), serverId }, 'Could not record a lifecycle entry'));
  }
}

function countCall(entry: RunningServer, outcome: ExecutionOutcome): void {
  entry.executions++;
  if (!outcome.success && !outcome.interrupted) entry.errors++;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
