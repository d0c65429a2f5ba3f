import { Injectable, Logger } from '@nestjs/common';
import { ActivityService, type ActivityEntry } from '../activity/activity.service';
import { MetricsService } from '../metrics/metrics.service';
import { DomainError } from '../common/errors';
import { MAX_LOGGED_RESULT_BYTES } from '../common/limits';
import { AppConfig } from '../config/app-config';
import { SettingsService } from '../settings/settings.service';
import type { AllowedHost } from '../servers/entities/server.entity';
import { ExecutionLogsService, type ExecutionRecord } from './execution-logs.service';
import { redactCutTail, secretNeedles, truncateUtf8, type Redactor } from './output-redaction';
import type { LoadedTool } from './running-servers';
import { RecordingChannel } from './call-channel';
import type { CallChannel, ExecutionOutcome, NetworkRules } from './runtime/contract';
import { SandboxRuntime } from './runtime/sandbox-runtime';

/** The server-side facts one call needs (from a running server's snapshot, or read fresh). */
export interface ExecutionTarget {
  serverId: string;
  /** For the metrics' tool label (`server__tool`). */
  serverName: string;
  tool: LoadedTool;
  secrets: Record<string, string>;
  allowedHosts: AllowedHost[];
  redact: Redactor;
}

export interface ExecutionContext {
  isTest: boolean;
  /** Who asked: the admin's username, the MCP user, or null when unknown. */
  executedBy: string | null;
  /** The MCP client of the call (a call through /mcp): `mcp.*` in tool code talks to it. */
  channel?: CallChannel;
}

export interface ExecutionResult {
  /** What the caller sees (redacted when `redact_secrets_in_output` is enabled). */
  outcome: ExecutionOutcome;
  /** Settles once the execution row is written (callers on a hot path need not wait). */
  logged: Promise<void>;
}

/**
 * Runs one call in the sandbox runtime and writes its `tool_execution_logs` row, whatever
 * happens: the row is produced in a `finally`, from the outcome or from the failure.
 * Secret values never reach the log (arguments, result, error and stdout are always
 * redacted there); the caller's copy is redacted when the setting says so, read per call.
 */
@Injectable()
export class ToolExecutor {
  private readonly log = new Logger(ToolExecutor.name);

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly settings: SettingsService,
    private readonly config: AppConfig,
    private readonly logs: ExecutionLogsService,
    private readonly activity: ActivityService,
    private readonly metrics: MetricsService,
  ) {}

  /** The outbound rules of the next call: the policy is read live, per call. */
  networkRules(allowedHosts: AllowedHost[]): NetworkRules {
    return {
      allowedHosts,
      policy: this.settings.get('network_access_policy'),
      allowLoopback: this.config.sandbox.allowLoopback,
    };
  }

  async run(target: ExecutionTarget, args: Record<string, unknown>, ctx: ExecutionContext): Promise<ExecutionResult> {
    const started = performance.now();
    let outcome: ExecutionOutcome | undefined;
    let logged: Promise<void>;
    const redactOutput = this.settings.get('redact_secrets_in_output') === 'enabled';
    const channel = ctx.channel && new RecordingChannel(ctx.channel, target.redact, redactOutput);
    try {
      const wrong = target.tool.checkArguments(args);
      // The MCP SDK's wording: the caller (an LLM) reads it and corrects its call.
      if (wrong !== null)
        outcome = failedOutcome(
          `Input validation error: Invalid arguments for tool ${target.tool.name}: ${wrong}`,
          performance.now() - started,
        );
      else
        outcome = await this.runtime.execute(
          {
            serverId: target.serverId,
            toolId: target.tool.id,
            toolName: target.tool.name,
            code: target.tool.code,
            language: target.tool.language,
            codeHash: target.tool.codeHash,
            args,
            secrets: target.secrets,
            timeoutMs: target.tool.timeoutMs,
            network: this.networkRules(target.allowedHosts),
          },
          channel,
        );
    } catch (err) {
      // The runtime resolves tool faults itself; a rejection is the sandbox refusing the call
      // (shutting down, queue full: a domain error with a clear message) or failing outright.
      const message =
        err instanceof DomainError
          ? err.message
          : `Sandbox failure: ${err instanceof Error ? err.message : 'unknown error'}`;
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err), tool: target.tool.name },
        'The sandbox runtime refused or failed a call',
      );
      outcome = failedOutcome(message, performance.now() - started);
    } finally {
      outcome ??= failedOutcome('Sandbox failure: the call ended without a result', performance.now() - started);
      const redacted = redactOutcome(cutSecretTails(outcome, target.secrets), target.redact);
      const record = toRecord(target, args, redacted, ctx);
      logged = this.logs.record({ ...record, mcp: channel?.interactions() ?? null });
      // The call's one `tool_execution` activity entry, written behind like the row.
      this.activity.enqueue(toolExecutionEntry(record));
      this.metrics.toolCall(
        `${target.serverName}__${record.toolName}`,
        record.success,
        record.isTest,
        record.durationMs / 1000,
      );
      if (redactOutput) outcome = redacted;
    }
    return { outcome, logged };
  }
}

export function failedOutcome(message: string, durationMs: number): ExecutionOutcome {
  return {
    success: false,
    isError: true,
    content: [{ type: 'text', text: message }],
    error: message,
    stdout: '',
    durationMs: Math.round(durationMs),
  };
}

/** Every place a secret could surface: content blocks, structuredContent, value, error, stdout. */
export function redactOutcome(outcome: ExecutionOutcome, redact: Redactor): ExecutionOutcome {
  const out: ExecutionOutcome = {
    ...outcome,
    content: redact(outcome.content),
    stdout: redact(outcome.stdout ?? ''),
  };
  if (outcome.structuredContent !== undefined) out.structuredContent = redact(outcome.structuredContent);
  if (outcome.value !== undefined) out.value = redact(outcome.value);
  if (outcome.error !== undefined) out.error = redact(outcome.error);
  return out;
}

const RESULT_CUT = '\n[result truncated: ';
const STDOUT_CUT = '\n[stdout truncated: ';
const ERROR_CUT = '\n[error message truncated: ';

/**
 * The copy to redact of an outcome that was cut to a size limit: a secret the cut went
 * through loses the part before the cut as well (the rest of the redaction cannot see it).
 */
function cutSecretTails(outcome: ExecutionOutcome, secrets: Record<string, string>): ExecutionOutcome {
  const resultCut = outcome.truncated === true;
  const stdoutCut = outcome.stdout?.includes(STDOUT_CUT) ?? false;
  const errorCut = outcome.error?.includes(ERROR_CUT) ?? false;
  if (!resultCut && !stdoutCut && !errorCut) return outcome;
  const needles = secretNeedles(secrets);
  if (!needles.length) return outcome;
  const beforeMarker = (text: string, marker: string) => {
    const at = text.lastIndexOf(marker);
    return at < 0 ? text : redactCutTail(text.slice(0, at), needles) + text.slice(at);
  };
  const out = { ...outcome };
  if (resultCut) {
    // A cut text/JSON result carries the notice in its block; a cut content block is the one before the notice block.
    out.content = outcome.content.map((b, i, all) => {
      if (b.type !== 'text') return b;
      if (b.text.includes(RESULT_CUT)) return { ...b, text: beforeMarker(b.text, RESULT_CUT) };
      const next = all[i + 1];
      return next?.type === 'text' && next.text.startsWith(RESULT_CUT.trimStart())
        ? { ...b, text: redactCutTail(b.text, needles) }
        : b;
    });
  }
  if (stdoutCut) out.stdout = beforeMarker(outcome.stdout, STDOUT_CUT);
  if (errorCut && outcome.error !== undefined) {
    out.error = beforeMarker(outcome.error, ERROR_CUT);
    out.content = out.content.map((b) =>
      b.type === 'text' && b.text.includes(ERROR_CUT) ? { ...b, text: beforeMarker(b.text, ERROR_CUT) } : b,
    );
  }
  return out;
}

function toRecord(
  target: ExecutionTarget,
  args: Record<string, unknown>,
  outcome: ExecutionOutcome,
  ctx: ExecutionContext,
): ExecutionRecord {
  return {
    toolId: target.tool.id,
    serverId: target.serverId,
    toolName: target.tool.name,
    inputArgs: target.redact(args),
    // A call stopped to ask its client (2026-07-28) is not a failure: it runs again with the answers.
    result: outcome.interrupted
      ? '{"input_required":true}'
      : outcome.success
        ? truncateUtf8(resultJson(outcome), MAX_LOGGED_RESULT_BYTES)
        : null,
    error:
      outcome.success || outcome.interrupted
        ? null
        : truncateUtf8(outcome.error ?? 'Tool call failed', MAX_LOGGED_RESULT_BYTES),
    stdout: outcome.stdout ? truncateUtf8(outcome.stdout, MAX_LOGGED_RESULT_BYTES) : null,
    durationMs: Math.max(0, Math.round(outcome.durationMs)),
    success: outcome.success || outcome.interrupted === true,
    isTest: ctx.isTest,
    executedBy: ctx.executedBy?.slice(0, 128) ?? null,
  };
}

/** The activity entry of a call: what ran, for whom, how it ended; never its arguments or result. */
export function toolExecutionEntry(record: ExecutionRecord): ActivityEntry {
  const how = record.success ? 'succeeded' : 'failed';
  const test = record.isTest ? ' (test run)' : '';
  const error = record.error === null ? null : record.error.slice(0, 500);
  return {
    logType: 'tool_execution',
    level: record.success ? 'info' : 'error',
    message: `Tool ${record.toolName} ${how} in ${record.durationMs} ms${test}${error ? `: ${error.slice(0, 200)}` : ''}`,
    serverId: record.serverId,
    durationMs: record.durationMs,
    details: {
      tool_id: record.toolId,
      tool_name: record.toolName,
      success: record.success,
      is_test: record.isTest,
      executed_by: record.executedBy,
      ...(error === null ? {} : { error }),
    },
  };
}

/** What main returned when known, else the content the client saw. */
function resultJson(outcome: ExecutionOutcome): string {
  try {
    return JSON.stringify(outcome.value !== undefined ? outcome.value : outcome.content) ?? 'null';
  } catch {
    return JSON.stringify(outcome.content);
  }
}
