import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface PoolStats {
  workers: number;
  inFlight: number;
  queued: number;
  workerRestarts: number;
}

export type PendingApprovals = () => Promise<{ tools: number; modules: number; network: number }>;

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
/** MCP methods get their own label value; anything else a client sends is `other`. */
const MCP_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'subscriptions/listen',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'batch',
]);
/**
 * Tool names are admin-approved names, but there may be many: the first this many distinct
 * names seen since start-up get a label of their own, later ones share `other`.
 */
export const MAX_TOOL_LABELS = 100;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Prometheus metrics (`/metrics`), on a registry of this app (not prom-client's global
 * one). Labels are bounded sets — method, route pattern, status class, outcome, era, a
 * capped set of tool names — never an argument, a URL with its values, a user or a token.
 * Features report through the typed methods here; figures that are states (the sandbox
 * pool, open sessions, pending approvals) are read when Prometheus scrapes.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly toolLabels = new Set<string>();

  private readonly httpRequests = new Counter({
    name: 'mcpbox_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'mcpbox_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly mcpRequests = new Counter({
    name: 'mcpbox_mcp_requests_total',
    help: 'Requests of the MCP gateway, by JSON-RPC method, protocol era and outcome',
    labelNames: ['method', 'era', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly mcpDuration = new Histogram({
    name: 'mcpbox_mcp_request_duration_seconds',
    help: 'Time to answer an MCP request (listen streams: how long they stayed open)',
    labelNames: ['method'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly toolCalls = new Counter({
    name: 'mcpbox_tool_calls_total',
    help: 'Tool executions in the sandbox, by outcome and kind (call over MCP, or test run)',
    labelNames: ['outcome', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly toolDuration = new Histogram({
    name: 'mcpbox_tool_call_duration_seconds',
    help: 'Duration of tool executions in the sandbox',
    labelNames: ['outcome', 'kind'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly toolCallsByTool = new Counter({
    name: 'mcpbox_tool_calls_by_tool_total',
    help: `Tool executions by tool (server__tool; the first ${MAX_TOOL_LABELS} names seen, then "other") and outcome`,
    labelNames: ['tool', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mcpbox_' });
    let restartsSeen = 0;
    let pool: (() => PoolStats) | undefined;
    const poolGauge = (name: string, help: string, read: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          if (pool) this.set(read(pool()));
        },
      });
    poolGauge('mcpbox_sandbox_workers', 'Live sandbox worker processes', (s) => s.workers);
    poolGauge('mcpbox_sandbox_in_flight', 'Tool calls running in the sandbox now', (s) => s.inFlight);
    poolGauge('mcpbox_sandbox_queued', 'Tool calls waiting for a sandbox slot', (s) => s.queued);
    new Counter({
      name: 'mcpbox_sandbox_worker_restarts_total',
      help: 'Sandbox worker processes replaced after they died',
      registers: [this.registry],
      collect() {
        if (!pool) return;
        const now = pool().workerRestarts;
        if (now > restartsSeen) this.inc(now - restartsSeen);
        restartsSeen = now;
      },
    });
    this.observeSandboxPool = (read) => void (pool = read);

    /** A gauge read at each scrape from a function its owner registers later (the owner is built after this service). */
    const observedGauge = (name: string, help: string): ((read: () => number) => void) => {
      let read: (() => number) | undefined;
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          if (read) this.set(read());
        },
      });
      return (r) => void (read = r);
    };
    this.observeMcpSessions = observedGauge(
      'mcpbox_mcp_sessions',
      'Open MCP sessions (protocol 2025-11-25; the 2026-07-28 era is stateless)',
    );
    this.observeListenStreams = observedGauge(
      'mcpbox_mcp_listen_streams',
      'Open subscriptions/listen streams (protocol 2026-07-28)',
    );
    this.observeStreamClients = observedGauge(
      'mcpbox_activity_stream_clients',
      'Clients connected to the live activity stream',
    );

    let approvals: PendingApprovals | undefined;
    new Gauge({
      name: 'mcpbox_approvals_pending',
      help: 'Requests waiting for an admin, by queue',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        if (!approvals) return;
        const pending = await approvals();
        for (const queue of ['tools', 'modules', 'network'] as const) this.set({ queue }, pending[queue]);
      },
    });
    this.observePendingApprovals = (read) => void (approvals = read);
  }

  /** The sandbox pool's figures, read at each scrape (SandboxRuntime.stats()). */
  readonly observeSandboxPool: (read: () => PoolStats) => void;
  /** The number of open 2025-era MCP sessions, read at each scrape. */
  readonly observeMcpSessions: (read: () => number) => void;
  readonly observeListenStreams: (read: () => number) => void;
  /** The number of live activity stream clients, read at each scrape. */
  readonly observeStreamClients: (read: () => number) => void;
  /** The approval queues' pending counts, read at each scrape. */
  readonly observePendingApprovals: (read: PendingApprovals) => void;

  httpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = {
      method: HTTP_METHODS.has(method) ? method : 'OTHER',
      // The route's pattern (`/api/tools/:id`), never the path with its values; no route: one label.
      route: route ?? 'unmatched',
      status_class: `${Math.floor(status / 100)}xx`,
    };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  mcpRequest(method: string | null, era: string | null, outcome: string, seconds: number): void {
    const m = method === null ? 'none' : MCP_METHODS.has(method) ? method : 'other';
    this.mcpRequests.inc({ method: m, era: era ?? 'none', outcome });
    this.mcpDuration.observe({ method: m }, seconds);
  }

  toolCall(tool: string, success: boolean, isTest: boolean, seconds: number): void {
    const outcome = success ? 'success' : 'error';
    const kind = isTest ? 'test' : 'call';
    this.toolCalls.inc({ outcome, kind });
    this.toolDuration.observe({ outcome, kind }, seconds);
    if (!this.toolLabels.has(tool) && this.toolLabels.size < MAX_TOOL_LABELS) this.toolLabels.add(tool);
    this.toolCallsByTool.inc({ tool: this.toolLabels.has(tool) ? tool : 'other', outcome });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
