import { Injectable } from '@nestjs/common';
import type { McpScope } from './mcp-scope';

/** What MCP clients are told about: an endpoint's tool list changed. */
export interface McpEvent {
  kind: 'tools_list_changed';
  scopes: McpScope[];
}

export type McpEventListener = (event: McpEvent) => void;

/**
 * The one bus between "the visible tools changed" and the clients of both eras (2026
 * listen streams, 2025 session streams). In-process today; a deployment of several
 * instances replaces this provider with one over its pub/sub (the interface is all the
 * eras see).
 */
@Injectable()
export class McpEvents {
  private readonly listeners = new Set<McpEventListener>();

  publish(event: McpEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: McpEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
