import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/client';
import { AccessPolicy } from '../access/access-policy';
import { ActivityService } from '../activity/activity.service';
import { SYSTEM_ACTOR, type Actor } from '../common/actor';
import { conflict, DomainError, invalid, unavailable } from '../common/errors';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import type { Tool } from '../tools/entities/tool.entity';
import { PassthroughToolsService } from '../tools/passthrough-tools.service';
import { diffDefinitions, fingerprintDefinition, type PinnedDefinition } from './client/definition-fingerprint';
import {
  ExternalSourceError,
  SourceBlockedError,
  SourceConfigError,
  SourceNeedsAuthError,
  sourceStatusFor,
  toErrorResult,
} from './client/source-errors';
import type { SourceCallOptions } from './client/external-source-client';
import { deriveToolNames } from './client/tool-names';
import {
  mapExternalSource,
  type DiscoveredToolDto,
  type DiscoverResultDto,
  type ImportExternalToolsDto,
  type ImportResultDto,
} from './dto/external-source.dto';
import type { ExternalMcpSource } from './entities/external-mcp-source.entity';
import { ExternalSourcesService } from './external-sources.service';
import { SourceClients } from './source-clients';

const pinnedOf = (d: McpTool): PinnedDefinition => ({
  name: d.name,
  description: d.description ?? null,
  inputSchema: d.inputSchema ?? null,
});

/** What a call of a passthrough tool needs of its tool row. */
export interface PassthroughCall {
  sourceId: string;
  externalToolName: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Relays the source's progress to the caller; given only when the caller asked for progress. */
  onprogress?: SourceCallOptions['onprogress'];
}

/**
 * Discovery, import and calls of external sources (docs/architecture.md#external-sources). Discovery caches the source's
 * definitions and checks every imported tool against the definition its approval pinned:
 * a change sends the tool back to review with the diff (and the gateway stops serving it).
 * The source's own `list_changed` triggers the same re-discovery.
 */
@Injectable()
export class SourceDiscoveryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(SourceDiscoveryService.name);
  private readonly rediscovering = new Map<string, Promise<void>>();
  private unsubscribe?: () => void;

  constructor(
    private readonly sources: ExternalSourcesService,
    private readonly clients: SourceClients,
    private readonly passthrough: PassthroughToolsService,
    private readonly uow: UnitOfWork,
    private readonly activity: ActivityService,
    private readonly access: AccessPolicy,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.clients.onSourceToolsChanged((id) => void this.rediscover(id));
    // Change streams of sources discovered before resume (in the background: a source may be down).
    void this.sources
      .discovered()
      .then((rows) => Promise.all(rows.map((row) => this.resumeWatch(row))))
      .catch((err: unknown) => this.log.warn({ err: String(err) }, 'Could not resume external source watches'));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Connects, lists the source's tools, caches them, and applies pinning to the tools imported from it. */
  async discover(actor: Actor, id: string): Promise<DiscoverResultDto> {
    this.access.requireMayChange(actor);
    const source = await this.sources.findOrFail(id);
    if (source.status === 'disabled')
      throw conflict(`External source ${source.name} is disabled; enable it (status active) to discover its tools`);
    let found;
    try {
      const client = await this.clients.clientFor(source);
      found = await client.discover();
    } catch (err) {
      await this.recordFailure(source, err);
      throw toDomainError(err);
    }
    const tools = found.tools;
    const saved = await this.sources.saveDiscovery(id, tools, found.discoveredAt);
    const states = await this.pin(saved, tools);
    this.clients.watch(saved);
    await this.activity.audit(actor, {
      message: `External source ${saved.name} discovered by ${actor.name}: ${tools.length} tool(s) (${found.era}, ${found.protocolVersion})`,
      details: { source_id: id, tool_count: tools.length, era: found.era, protocol_version: found.protocolVersion },
      serverId: saved.serverId,
    });
    return {
      source: mapExternalSource(saved),
      era: found.era,
      protocol_version: found.protocolVersion,
      server_info: (found.serverInfo as Record<string, unknown> | null) ?? null,
      tools: tools.map((t) => toDiscoveredTool(t, states.get(t.name))),
    };
  }

  /** Creates `mcp_passthrough` tools in draft for the named source tools (names derived, de-duplicated). */
  async import(actor: Actor, id: string, dto: ImportExternalToolsDto): Promise<ImportResultDto> {
    this.access.requireMayChange(actor);
    let source = await this.sources.findOrFail(id);
    if (!source.discoveredToolsCache) {
      await this.discover(actor, id);
      source = await this.sources.findOrFail(id);
    }
    const cache = (source.discoveredToolsCache ?? []) as McpTool[];
    const wanted = [...new Set(dto.tool_names)];
    const unknown = wanted.filter((n) => !cache.some((t) => t.name === n));
    if (unknown.length)
      throw invalid(
        `External source ${source.name} has no tool named ${unknown.map((n) => JSON.stringify(n)).join(', ')}; discover lists: ${
          cache.map((t) => t.name).join(', ') || 'no tools'
        }`,
        { fields: ['tool_names'], unknown },
      );
    const refused = wanted.flatMap((n) => {
      const why = unsupported(cache.find((t) => t.name === n) as McpTool);
      return why ? [`${n}: ${why}`] : [];
    });
    if (refused.length)
      throw invalid(`Cannot import from ${source.name}: ${refused.join('; ')}`, { fields: ['tool_names'] });
    return this.uow.run(async () => {
      const linked = await this.passthrough.linkedTo(id);
      const again = wanted.filter((n) => linked.some((t) => t.externalToolName === n));
      if (again.length)
        throw conflict(
          `Already imported from ${source.name}: ${again
            .map((n) => `${n} (as ${linked.find((t) => t.externalToolName === n)?.name})`)
            .join(', ')}`,
        );
      const names = deriveToolNames(wanted, await this.passthrough.namesOf(source.serverId));
      const items = wanted.map((externalToolName) => {
        const def = cache.find((t) => t.name === externalToolName) as McpTool;
        return {
          name: names.get(externalToolName) as string,
          externalToolName,
          description: def.description ?? def.title ?? '',
          inputSchema: (def.inputSchema ?? { type: 'object' }) as Record<string, unknown>,
          sourceDefinition: { ...pinnedOf(def) },
        };
      });
      const created = await this.passthrough.createImported(actor, source.serverId, id, items);
      await this.activity.audit(actor, {
        message: `${created.length} tool(s) imported from external source ${source.name} by ${actor.name} (draft)`,
        details: {
          source_id: id,
          tools: created.map((t) => ({ id: t.id, name: t.name, external: t.external_tool_name })),
        },
        serverId: source.serverId,
      });
      return { source_id: id, tools: created };
    });
  }

  /**
   * Forwards a call to the source and returns its result unchanged. A failure is an
   * `isError` result saying what happened; the source's status follows (error,
   * needs_auth), and the next call that gets through sets it back to active.
   */
  async call(call: PassthroughCall, args: Record<string, unknown>): Promise<CallToolResult> {
    let source: ExternalMcpSource;
    try {
      source = await this.sources.forCall(call.sourceId);
    } catch {
      return {
        content: [
          { type: 'text', text: 'The external source of this tool no longer exists; an admin must import it again.' },
        ],
        isError: true,
      };
    }
    if (source.status === 'disabled')
      return {
        content: [{ type: 'text', text: `The external source ${source.name} is disabled by an admin.` }],
        isError: true,
      };
    try {
      const client = await this.clients.clientFor(source);
      const definition = ((source.discoveredToolsCache ?? []) as McpTool[]).find(
        (t) => t.name === call.externalToolName,
      );
      const result = await client.call(call.externalToolName, args, {
        timeoutMs: call.timeoutMs,
        signal: call.signal,
        definition,
        onprogress: call.onprogress,
      });
      if (source.status !== 'active' && (await this.sources.setStatus(source.id, 'active', null)))
        this.activity.enqueue({
          logType: 'system',
          level: 'info',
          message: `External source ${source.name} answers again (status active)`,
          details: { source_id: source.id, previous_status: source.status },
          serverId: source.serverId,
        });
      this.clients.watch(source);
      return result;
    } catch (err) {
      await this.recordFailure(source, err);
      if (err instanceof DomainError)
        return { content: [{ type: 'text', text: `External source ${source.name}: ${err.message}` }], isError: true };
      return toErrorResult(err);
    }
  }

  /** The source said its tools changed: discover again (one at a time per source). */
  rediscover(id: string): Promise<void> {
    let running = this.rediscovering.get(id);
    if (!running) {
      running = this.discover(SYSTEM_ACTOR, id)
        .then(() => undefined)
        .catch((err: unknown) =>
          this.log.warn({ source: id, err: err instanceof Error ? err.message : String(err) }, 'Re-discovery failed'),
        )
        .finally(() => this.rediscovering.delete(id));
      this.rediscovering.set(id, running);
    }
    return running;
  }

  private async resumeWatch(source: ExternalMcpSource): Promise<void> {
    try {
      await this.clients.clientFor(source);
      this.clients.watch(source);
    } catch (err) {
      this.log.warn({ source: source.id, err: err instanceof Error ? err.message : String(err) }, 'No watch');
    }
  }

  /** Pinning: every imported tool against the source's definition now. Answers each source tool's state. */
  private async pin(source: ExternalMcpSource, tools: McpTool[]): Promise<Map<string, ToolState>> {
    const states = new Map<string, ToolState>();
    for (const tool of await this.passthrough.linkedTo(source.id)) {
      const name = tool.externalToolName ?? '';
      const def = tools.find((t) => t.name === name);
      const pinned = (tool.sourceDefinition ?? null) as (PinnedDefinition & { removed?: boolean }) | null;
      if (!def) {
        if (pinned && !pinned.removed)
          await this.passthrough.applyDefinitionChange(SYSTEM_ACTOR, tool.id, {
            description: tool.description,
            inputSchema: tool.inputSchema ?? { type: 'object' },
            sourceDefinition: { ...pinned, removed: true },
            diff: { changed: true, removed: true },
            summary: `external source ${source.name} no longer lists tool ${name}`,
          });
        continue;
      }
      const now = pinnedOf(def);
      let changed = false;
      if (!pinned || fingerprintDefinition(pinned) !== fingerprintDefinition(now) || pinned.removed) {
        const diff = pinned ? diffDefinitions(pinned, now) : { changed: true };
        const fields = ['name', 'description', 'inputSchema'].filter((f) => f in diff);
        await this.passthrough.applyDefinitionChange(SYSTEM_ACTOR, tool.id, {
          description: def.description ?? def.title ?? '',
          inputSchema: (def.inputSchema ?? { type: 'object' }) as Record<string, unknown>,
          sourceDefinition: { ...now },
          diff: diff as unknown as Record<string, unknown>,
          summary: `external source ${source.name} changed ${fields.join(', ') || 'the definition'} of ${name}`,
        });
        changed = true;
      }
      states.set(name, {
        tool,
        changed: changed || (tool.definitionDiff !== null && tool.approvalStatus === 'pending_review'),
      });
    }
    return states;
  }

  private async recordFailure(source: ExternalMcpSource, err: unknown): Promise<void> {
    const status = err instanceof DomainError ? 'error' : sourceStatusFor(err);
    if (!status) return;
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
    const changed = await this.sources.setStatus(source.id, status, message).catch(() => false);
    if (changed && source.status !== status)
      this.activity.enqueue({
        logType: 'error',
        level: status === 'needs_auth' ? 'warning' : 'error',
        message: `External source ${source.name} is now ${status}: ${message.slice(0, 300)}`,
        details: { source_id: source.id, status, previous_status: source.status },
        serverId: source.serverId,
      });
  }
}

interface ToolState {
  tool: Tool;
  changed: boolean;
}

function toDiscoveredTool(t: McpTool, state: ToolState | undefined): DiscoveredToolDto {
  return {
    name: t.name,
    title: t.title ?? null,
    description: t.description ?? null,
    input_schema: (t.inputSchema ?? { type: 'object' }) as Record<string, unknown>,
    annotations: (t.annotations as Record<string, unknown> | undefined) ?? null,
    state: !state ? 'new' : state.changed ? 'changed' : 'imported',
    imported_as: state?.tool.name ?? null,
    tool_id: state?.tool.id ?? null,
    unsupported: unsupported(t),
  };
}

/** Why a source's tool cannot be imported, or null: MCPBox calls tools plainly (no task augmentation). */
export function unsupported(t: McpTool): string | null {
  const taskSupport = (t as { execution?: { taskSupport?: unknown } }).execution?.taskSupport;
  return taskSupport === 'required'
    ? 'it can only be called as a task (execution.taskSupport: required), and MCPBox calls tools directly'
    : null;
}

/** A client failure as the API answers it. */
function toDomainError(err: unknown): Error {
  if (err instanceof DomainError) return err;
  if (err instanceof SourceBlockedError || err instanceof SourceConfigError) return invalid(err.message);
  if (err instanceof SourceNeedsAuthError)
    return conflict(`${err.message} Start it with POST /api/external-sources/sources/{id}/oauth/start.`);
  if (err instanceof ExternalSourceError) return unavailable(err.message);
  return unavailable(`The external source failed: ${err instanceof Error ? err.message : String(err)}`);
}
