import type { Type } from '@nestjs/common';
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { Actor } from '../../common/actor';
import type { JsonSchemaObject } from '../../common/contract/output-json-schema';
import type { ToolCallAnswer, ToolCallContext } from '../mcp-scope';

/** Where the same operation lives in the Admin API: its controller method (for the one-contract test). */
export interface RestTwin {
  controller: Type<unknown>;
  method: string;
}

/**
 * One management tool (docs/architecture.md#management-tools): its input is a DTO class — the one the REST route
 * validates with, composed with the path ids where the route has them — so its schema
 * and its validation come from that one definition; `run` calls the same service method
 * as the route, as an `llm` actor.
 */
export interface ManagementTool<I extends object = object> {
  name: string;
  title: string;
  /** Written for an LLM: what it is for, when to use it, what comes next. */
  description: string;
  input: Type<I>;
  /** JSON Schema of the result's structuredContent; absent for mcpbox_call_tool (it answers with another tool's result). */
  output?: JsonSchemaObject;
  annotations: ToolAnnotations;
  rest?: RestTwin;
  /** The result as a JSON object (becomes structuredContent and text), or a finished tool result. */
  run(actor: Actor, input: I, ctx: ToolCallContext): Promise<object>;
}

/** Typed construction: `input` fixes the type `run` receives. */
export const defineTool = <I extends object>(tool: ManagementTool<I>): ManagementTool<object> =>
  tool as unknown as ManagementTool<object>;

/** A finished MCP result, passed through as is (mcpbox_call_tool: another tool's answer). */
export class RawResult {
  constructor(readonly result: ToolCallAnswer) {}
}

/** Annotations, said truthfully (MCP tool annotations). */
export const READ: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
export const CREATE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};
export const CHANGE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: false,
};
export const DELETE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
};
export const TOGGLE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
/** Runs code an LLM wrote, which may reach the outside world. */
export const RUN: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};
